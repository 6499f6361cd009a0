import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { recordSecretEnded } from "@/lib/server/metrics";
import { ApiFailure, emptyResponse, parseSecretId, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeOwner } from "@/lib/server/auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/me/secrets/[id]";

const NOT_MINE = "None of your secrets has this id (or its record has expired).";

// DELETE /api/me/secrets/{id} – burn one of my secrets; 204 also when it is already gone, 404 when it is not mine
export const DELETE = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const config = getServerConfig();
  await enforceRateLimit("burn", request.headers, config);
  const owner = await authorizeOwner(request, { changesState: true }, config);
  const raw = (await params).id;
  let id: string;
  try {
    id = parseSecretId(raw);
  } catch {
    throw new ApiFailure("not_found", NOT_MINE);
  }
  // The owner check is inside the burn's atomic step (lib/store/owner-scripts.ts).
  const result = await getStore().burnOwned({ owner, id, nowMs: Date.now(), requester: requesterOf(request.headers, config) });
  if (result.kind === "not_found") throw new ApiFailure("not_found", NOT_MINE);
  if (result.kind === "burned") recordSecretEnded("burned");
  return emptyResponse(204);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = refusedMethods(ROUTE, ["DELETE"]);
