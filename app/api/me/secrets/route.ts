import { getStore } from "@/lib/store";
import type { OwnedSecret } from "@/lib/store/types";
import { getServerConfig } from "@/lib/server/config";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import type { MySecretBody, MySecretsResponse } from "@/lib/api/wire";
import { isoTime, jsonResponse, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeOwner } from "@/lib/server/auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/me/secrets";

function bodyOf(secret: OwnedSecret): MySecretBody {
  return {
    id: secret.id,
    state: secret.state,
    createdAt: isoTime(secret.createdAtMs),
    expiresAt: isoTime(secret.expiresAtMs),
    maxViews: secret.maxViews,
    viewsLeft: secret.viewsLeft,
  };
}

// GET /api/me/secrets – what the signed-in user (or the API token) created, newest first (issue 13 §5)
export const GET = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  const owner = await authorizeOwner(request, { changesState: false }, config);
  const answer: MySecretsResponse = { secrets: (await getStore().listOwned(owner, Date.now())).map(bodyOf) };
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
