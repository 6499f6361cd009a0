import { getAuthStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { ApiFailure, refusedMethods, withApi } from "@/lib/server/http";
import {
  authPage,
  clearCookieHeader,
  cookieOf,
  finishSignIn,
  openCookieValue,
  signInRefusal,
  SIGN_IN_COOKIE,
  startSession,
} from "@/lib/server/auth";
import { auditRequest } from "@/lib/server/audit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/auth/callback";

function failed(status: number, title: string, message: string): Response {
  // The sign-in cookie is single-use: whatever happened, it goes.
  return authPage(status, title, message, new Headers({ "Set-Cookie": clearCookieHeader(SIGN_IN_COOKIE) }));
}

// GET /api/auth/callback – the provider sends the browser back here with a code (PROTOCOL.md §8)
export const GET = withApi(ROUTE, async (request: Request) => {
  const { auth } = getServerConfig();
  if (!auth.oidc || !auth.authSecret) throw new ApiFailure("not_found", "Sign-in is not configured on this server.");
  const sealed = cookieOf(request.headers, SIGN_IN_COOKIE);
  const checks = sealed ? await openCookieValue(sealed, auth.authSecret, "sign-in") : undefined;
  if (typeof checks?.state !== "string" || typeof checks.nonce !== "string" || typeof checks.verifier !== "string") {
    return failed(400, "Sign-in expired", "This sign-in was not started in this browser, or took too long. Start again.");
  }

  let result;
  try {
    result = await finishSignIn(auth.oidc, auth, new URL(request.url).search, {
      state: checks.state,
      nonce: checks.nonce,
      verifier: checks.verifier,
    });
  } catch (error) {
    // The class and code only: the message may quote the provider's answer.
    const code = (error as { code?: unknown } | null)?.code;
    console.error(JSON.stringify({ level: "warn", msg: "oidc callback refused", route: ROUTE, error: error instanceof Error ? error.name : typeof error, code: typeof code === "string" ? code : undefined }));
    auditRequest(request.headers, { action: "auth.sign_in", outcome: "failure", reason: "provider_refused" });
    return failed(400, "Sign-in failed", "The sign-in could not be completed. Start again.");
  }

  const refusal = signInRefusal(result.claims, auth);
  if (refusal) {
    const user = typeof result.claims.sub === "string" ? { user: { id: result.claims.sub } } : {};
    auditRequest(request.headers, { action: "auth.sign_in", outcome: "failure", reason: "not_allowed", ...user });
    return failed(403, "You may not sign in here", refusal);
  }

  const { claims } = result;
  const subject = typeof claims.sub === "string" ? claims.sub : "";
  // The email is shown as the sender only when the provider vouches for it.
  const email = typeof claims.email === "string" && claims.email_verified === true ? claims.email : "";
  const sessionCookie = await startSession({ issuer: result.issuer, subject, email }, auth, getAuthStore());
  auditRequest(request.headers, { action: "auth.sign_in", outcome: "success", user: { id: subject, ...(email ? { email } : {}) } });
  const headers = new Headers({ Location: `${auth.publicOrigin}/` });
  headers.append("Set-Cookie", clearCookieHeader(SIGN_IN_COOKIE));
  headers.append("Set-Cookie", sessionCookie);
  return new Response(null, { status: 303, headers });
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
