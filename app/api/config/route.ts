import { getServerConfig } from "@/lib/server/config";
import type { ServerConfigResponse } from "@/lib/api/wire";
import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";
import { LOGIN_PATH } from "@/lib/server/auth";

export const runtime = "nodejs";
// The answer follows the environment of the running server, never of the build.
export const dynamic = "force-dynamic";

const ROUTE = "/api/config";

// GET /api/config – the limits a client must respect before encrypting (PROTOCOL.md §4, §6)
export const GET = withApi(ROUTE, async () => {
  const config = getServerConfig();
  const answer: ServerConfigResponse = {
    maxCiphertextBytes: config.maxCiphertextBytes,
    minTtlSeconds: config.minTtlSeconds,
    maxTtlSeconds: config.maxTtlSeconds,
    maxViews: config.maxViews,
    maxAllowedIps: config.maxAllowedIps,
    passphraseAttempts: config.passphraseAttempts,
    maxRequestResponses: config.maxRequestResponses,
    maxLabelBytes: config.maxLabelBytes,
    collectWindowSeconds: config.collectWindowSeconds,
    createPolicy: config.auth.createPolicy,
    protocol: "1.1",
    revealGraceSeconds: config.revealGraceSeconds,
  };
  if (config.auth.createPolicy === "sso" || config.auth.createPolicy === "sso+token") answer.signInUrl = LOGIN_PATH;
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
