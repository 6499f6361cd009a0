import { getAuthStore } from "@/lib/store";
import type { StoredToken } from "@/lib/store/types";
import { getServerConfig, type TokenScope } from "@/lib/server/config";
import { createTokenBodySchema } from "@/lib/api/schemas";
import type { CreateTokenResponse, ListTokensResponse, TokenInfoBody } from "@/lib/api/wire";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { isoTime, jsonResponse, parseWith, readJsonBody, SMALL_BODY_MAX_BYTES, refusedMethods, withApi } from "@/lib/server/http";
import { authorizeAdmin, generateApiToken } from "@/lib/server/auth";
import { auditRequest } from "@/lib/server/audit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/admin/tokens";

function infoOf(token: StoredToken): TokenInfoBody {
  return {
    kid: token.kid,
    name: token.name,
    scopes: token.scopes as TokenScope[],
    source: "store",
    createdAt: isoTime(token.createdAtMs),
    expiresAt: token.expiresAtMs === null ? null : isoTime(token.expiresAtMs),
    lastUsedAt: token.lastUsedAtMs === null ? null : isoTime(token.lastUsedAtMs),
  };
}

// POST /api/admin/tokens – issue an API token; the answer is the only time it is shown (PROTOCOL.md §8)
export const POST = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  await authorizeAdmin(request, config);
  const body = parseWith(createTokenBodySchema, await readJsonBody(request, SMALL_BODY_MAX_BYTES));
  const store = getAuthStore();
  const nowMs = Date.now();
  // 62^8 kids: a collision is rare, and a taken kid is simply drawn again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const { token, kid, hashHex } = generateApiToken();
    const record: StoredToken = {
      kid,
      hashHex,
      name: body.name,
      scopes: body.scopes,
      createdAtMs: nowMs,
      expiresAtMs: body.expiresInSeconds === undefined ? null : nowMs + body.expiresInSeconds * 1000,
      lastUsedAtMs: null,
    };
    if ((await store.putToken(record, nowMs)) === "created") {
      // The token's name and kid (its public part), never the token or its hash.
      auditRequest(request.headers, { action: "token.created", outcome: "success", user: { name: "admin" }, burnlink: { token: body.name, kid } });
      const answer: CreateTokenResponse = { ...infoOf(record), token };
      return jsonResponse(answer, 201);
    }
  }
  throw new Error("No free token id after five draws");
});

// GET /api/admin/tokens – every live token (stored and API_TOKENS), never a token or a hash
export const GET = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  await authorizeAdmin(request, config);
  const stored = (await getAuthStore().listTokens(Date.now())).map(infoOf);
  const bootstrap: TokenInfoBody[] = config.auth.bootstrapTokens.map((entry) => ({
    kid: null,
    name: entry.name,
    scopes: entry.scopes,
    source: "environment",
    createdAt: null,
    expiresAt: null,
    lastUsedAt: null,
  }));
  const answer: ListTokensResponse = { tokens: [...bootstrap, ...stored] };
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET", "POST"]);
