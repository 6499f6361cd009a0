import { getServerConfig } from "@/lib/server/config";
import { ApiFailure, refusedMethods, withApi } from "@/lib/server/http";
import { authPage, beginSignIn, sealCookieValue, setCookieHeader, SIGN_IN_COOKIE, SIGN_IN_MAX_AGE_SECONDS } from "@/lib/server/auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/auth/login";

// GET /api/auth/login – start OpenID Connect sign-in: redirect to the provider (PROTOCOL.md §8)
export const GET = withApi(ROUTE, async () => {
  const { auth } = getServerConfig();
  if (!auth.oidc || !auth.authSecret) throw new ApiFailure("not_found", "Sign-in is not configured on this server.");
  let begun;
  try {
    begun = await beginSignIn(auth.oidc, auth);
  } catch (error) {
    console.error(JSON.stringify({ level: "warn", msg: "oidc discovery failed", route: ROUTE, error: error instanceof Error ? error.name : typeof error }));
    return authPage(503, "Sign-in is unavailable", "The sign-in provider cannot be reached right now. Try again shortly.");
  }
  const checks = await sealCookieValue({ ...begun.checks }, auth.authSecret, "sign-in", SIGN_IN_MAX_AGE_SECONDS);
  return new Response(null, {
    status: 302,
    headers: { Location: begun.url.href, "Set-Cookie": setCookieHeader(SIGN_IN_COOKIE, checks, SIGN_IN_MAX_AGE_SECONDS) },
  });
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
