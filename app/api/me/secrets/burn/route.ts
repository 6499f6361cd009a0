import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { recordSecretEnded } from "@/lib/server/metrics";
import type { BurnAllResponse } from "@/lib/api/wire";
import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeOwner } from "@/lib/server/auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/me/secrets/burn";

// POST /api/me/secrets/burn – burn every active secret I created, in one call; answers how many (issue 13 §5)
export const POST = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  await enforceRateLimit("burn", request.headers, config);
  const owner = await authorizeOwner(request, { changesState: true }, config);
  // No body: the credential says whose secrets; each burn is the manage burn's atomic step.
  const burned = await getStore().burnAllOwned(owner, Date.now(), requesterOf(request.headers, config));
  for (let i = 0; i < burned; i++) recordSecretEnded("burned");
  const answer: BurnAllResponse = { burned };
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
