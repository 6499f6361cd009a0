/**
 * The webhook outlet of a running server (issue 14 §2): the sink the event dispatcher
 * hands events to, and the process's delivery worker, both on the process's store.
 *
 * Wiring (for the events module and instrumentation.ts):
 *   dispatcher sinks: webhookSinkForProcess(AUDIT_HASH_KEY)            (undefined = nothing configured)
 *   instrumentation.ts register(), NEXT_RUNTIME === "nodejs": startProcessWebhookWorker()
 *   on SIGTERM / in tests: await stopProcessWebhookWorker()
 * Every instance runs a worker; the store's queue hands each job to one of them.
 */
import "server-only";
import { getStore } from "@/lib/store";
import { webhookQueueFor } from "@/lib/store/webhook-queue";
import type { EventSink } from "@/lib/server/events/types";
import { getServerConfig } from "@/lib/server/config";
import { createWebhookSink } from "./sink";
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "./worker";

export { createWebhookSink } from "./sink";
export { createWebhookDeliverer, startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "./worker";
export { setWebhookAuditWriter, type WebhookAuditEntry, type WebhookAuditWriter } from "./audit";
export { fingerprintOf } from "@/lib/server/events/fingerprint";

const holder = globalThis as typeof globalThis & { __burnlinkWebhookWorker?: WebhookWorker };

/** True when the configuration can produce a webhook at all (operator endpoints or per-secret notify). */
function webhooksConfigured(): boolean {
  const { endpoints, notifySecrets } = getServerConfig().webhooks;
  return endpoints.length > 0 || notifySecrets.length > 0;
}

/** The sink for the dispatcher, on the process's store; undefined when no webhook is configured. */
export function webhookSinkForProcess(auditHashKey: string): EventSink | undefined {
  if (!webhooksConfigured()) return undefined;
  return createWebhookSink({ queue: webhookQueueFor(getStore()), config: getServerConfig().webhooks, auditHashKey });
}

/** Starts this process's worker once (later calls return the same one); null when nothing is configured. */
export function startProcessWebhookWorker(options: Partial<WebhookWorkerOptions> = {}): WebhookWorker | null {
  if (!webhooksConfigured()) return null;
  holder.__burnlinkWebhookWorker ??= startWebhookWorker({ queue: webhookQueueFor(getStore()), config: getServerConfig().webhooks, ...options });
  return holder.__burnlinkWebhookWorker;
}

export async function stopProcessWebhookWorker(): Promise<void> {
  const worker = holder.__burnlinkWebhookWorker;
  holder.__burnlinkWebhookWorker = undefined;
  await worker?.stop();
}
