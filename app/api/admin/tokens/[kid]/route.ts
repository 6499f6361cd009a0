import { getAuthStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { ApiFailure, emptyResponse, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeAdmin } from "@/lib/server/auth";
import { auditRequest } from "@/lib/server/audit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/admin/tokens/[kid]";

const NO_TOKEN = "No live token has this id.";

// DELETE /api/admin/tokens/{kid} – revoke a token at once (PROTOCOL.md §8)
export const DELETE = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ kid: string }> }) => {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  await authorizeAdmin(request, config);
  const { kid } = await params;
  if (!/^[A-Za-z0-9]{8}$/.test(kid)) throw new ApiFailure("not_found", NO_TOKEN);
  if ((await getAuthStore().revokeToken(kid, Date.now())) === "not_found") throw new ApiFailure("not_found", NO_TOKEN);
  auditRequest(request.headers, { action: "token.revoked", outcome: "success", user: { name: "admin" }, burnlink: { kid } });
  return emptyResponse(204);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = refusedMethods(ROUTE, ["DELETE"]);
