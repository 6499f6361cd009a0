import { getAuthStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { ApiFailure, emptyResponse, refusedMethods, withApi } from "@/lib/server/http";
import { clearCookieHeader, passesCsrfCheck, SESSION_COOKIE, sessionOf } from "@/lib/server/auth";
import { auditRequest } from "@/lib/server/audit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/auth/logout";

// POST /api/auth/logout – end the session here and in the store (PROTOCOL.md §8)
export const POST = withApi(ROUTE, async (request: Request) => {
  const { auth } = getServerConfig();
  if (!passesCsrfCheck(request.headers, auth.publicOrigin)) {
    throw new ApiFailure("forbidden", "Sign out from this site's pages.");
  }
  const store = getAuthStore();
  const active = await sessionOf(request.headers, auth, store);
  if (active) {
    await store.deleteSession(active.idHash);
    auditRequest(request.headers, { action: "auth.sign_out", outcome: "success", user: { id: active.session.subject } });
  }
  return emptyResponse(204, { "Set-Cookie": clearCookieHeader(SESSION_COOKIE) });
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
