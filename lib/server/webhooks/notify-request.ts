/**
 * Turns the `notify` of a create (issue 14 §2) into the sealed string the store keeps
 * (NewSecret.notify), or refuses it.
 *
 * Decisions (README "Webhooks"): a refusal is 400 invalid_request with a message saying
 * why (the body asked for something this server or this caller cannot have; 401/403 are
 * kept for the credential itself); anonymous creators are refused unless
 * ALLOW_SECRET_WEBHOOKS=1; without WEBHOOK_NOTIFY_SECRET the server sends no per-secret
 * webhooks and says so; the URL rules are the operator endpoints' (https unless
 * ALLOW_HTTP_WEBHOOKS=1, no user:password@, no fragment). Addresses are checked at
 * delivery, like every webhook. Messages never repeat the URL.
 */
import "server-only";
import type { SecretNotifyRequest } from "@/lib/api/wire";
import type { ServerConfig } from "@/lib/server/config";
import { ApiFailure } from "@/lib/server/http";
import type { Creator } from "@/lib/store/types";
import { webhookUrlProblem } from "./endpoints-config";
import { sealNotifyTarget } from "./notify";

export function sealedNotifyOf(notify: SecretNotifyRequest, creator: Creator | undefined, config: ServerConfig): string {
  const webhooks = config.webhooks;
  if (creator === undefined && !webhooks.allowSecretWebhooks) {
    throw new ApiFailure("invalid_request", "notify needs an API token or a signed-in session: this server sends per-secret webhooks only for identified creators");
  }
  if (webhooks.notifySecrets.length === 0) {
    throw new ApiFailure("invalid_request", "notify is not available: this server sends no per-secret webhooks (WEBHOOK_NOTIFY_SECRET is not set)");
  }
  const problem = webhookUrlProblem(notify.url, webhooks.allowHttp, "notify.url");
  if (problem) throw new ApiFailure("invalid_request", problem);
  const events = notify.events.length === 1 && notify.events[0] === "*" ? "*" : [...new Set(notify.events as Exclude<SecretNotifyRequest["events"], ["*"]>)];
  return sealNotifyTarget({ url: notify.url, events, includeId: notify.includeId === true }, webhooks.notifySecrets);
}
