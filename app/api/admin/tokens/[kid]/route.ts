import { getAuthStore, getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { recordSecretEnded } from "@/lib/server/metrics";
import type { RevokeTokenResponse } from "@/lib/api/wire";
import { ApiFailure, emptyResponse, jsonResponse, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeAdmin } from "@/lib/server/auth";
import { auditRequest } from "@/lib/server/audit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/admin/tokens/[kid]";

const NO_TOKEN = "No live token has this id.";
const NO_TOKEN_NOR_SECRETS = "No live token has this id, and no active secret it created was found.";

/** `?burnSecrets=1` (or `true`): also burn what the token created (issue 13 §5). Anything else is invalid. */
function burnSecretsOf(request: Request): boolean {
  const values = new URL(request.url).searchParams.getAll("burnSecrets");
  if (values.length === 0) return false;
  if (values.length === 1 && (values[0] === "1" || values[0] === "true")) return true;
  if (values.length === 1 && (values[0] === "0" || values[0] === "false")) return false;
  throw new ApiFailure("invalid_request", "burnSecrets must be 1 (or true), once.");
}

// DELETE /api/admin/tokens/{kid} – revoke a token at once (PROTOCOL.md §8); with ?burnSecrets=1 also burn every active secret it created
export const DELETE = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ kid: string }> }) => {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  await authorizeAdmin(request, config);
  const burnSecrets = burnSecretsOf(request);
  const { kid } = await params;
  if (!/^[A-Za-z0-9]{8}$/.test(kid)) throw new ApiFailure("not_found", NO_TOKEN);
  const nowMs = Date.now();
  // Revoked first, so the token cannot create a new secret while the old ones burn.
  const revoked = (await getAuthStore().revokeToken(kid, nowMs)) === "revoked";
  if (revoked) auditRequest(request.headers, { action: "token.revoked", outcome: "success", user: { name: "admin" }, burnlink: { kid } });
  if (!burnSecrets) {
    if (!revoked) throw new ApiFailure("not_found", NO_TOKEN);
    return emptyResponse(204);
  }
  // An already revoked (or API_TOKENS) token's secrets can still be burned: that is the incident response.
  const burned = await getStore().burnAllOwned({ kind: "token", kid }, nowMs, requesterOf(request.headers, config));
  for (let i = 0; i < burned; i++) recordSecretEnded("burned");
  if (!revoked && burned === 0) throw new ApiFailure("not_found", NO_TOKEN_NOR_SECRETS);
  const answer: RevokeTokenResponse = { revoked, burned };
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = refusedMethods(ROUTE, ["DELETE"]);
