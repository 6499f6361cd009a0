/**
 * Who may create (PROTOCOL.md §8): the one decision every create route calls.
 *
 *   const creator = await authorizeCreate(request, "secrets");   // or "requests"
 *
 * CREATE_POLICY decides which credentials count: `open` (anyone; a credential, when
 * sent, is still checked and recorded), `token` (an API token), `sso` (a signed-in
 * session), `sso+token` (either). An Authorization header always means "this is my
 * credential": a bad one is refused even under `open`, so a CI job with a revoked token
 * fails loudly instead of creating anonymous secrets.
 *
 * Answers: 401 auth_required with `WWW-Authenticate: Bearer` (plus error="invalid_token"
 * when a token was presented) for a missing, empty, malformed, wrong-scheme, unknown,
 * revoked or expired token, all with the same body; 403 forbidden for a token without
 * the scope and for a session request that fails the CSRF check. Per-token creates are
 * counted by the rate limiter under the token's kid.
 */
import "server-only";
import { getAuthStore } from "@/lib/store";
import type { AuthStore, Creator } from "@/lib/store/types";
import { getServerConfig, type ServerConfig, type TokenScope } from "@/lib/server/config";
import { ApiFailure } from "@/lib/server/http";
import { enforceTokenRateLimit } from "@/lib/server/rate-limit";
import { passesCsrfCheck } from "./csrf";
import { sessionOf } from "./sessions";
import { bearerOf, sameHashHex, sha256Hex, verifyApiToken } from "./tokens";

export type CreateKind = "secrets" | "requests";

const SCOPE_OF: Record<CreateKind, TokenScope> = { secrets: "secrets:create", requests: "requests:create" };

const AUTH_REQUIRED_MESSAGE = "Creating here needs a valid API token or a signed-in session.";

/** The one 401 of §8; `presented` adds error="invalid_token" (RFC 6750). */
export function authRequired(presented: boolean): ApiFailure {
  return new ApiFailure("auth_required", AUTH_REQUIRED_MESSAGE, {}, {
    "WWW-Authenticate": presented ? 'Bearer error="invalid_token"' : "Bearer",
  });
}

function missingScope(scope: TokenScope): ApiFailure {
  return new ApiFailure("forbidden", `This token lacks the ${scope} scope.`, {}, {
    "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${scope}"`,
  });
}

const CSRF_MESSAGE = "This request did not come from this site's pages, so the session cookie cannot authorise it.";

/**
 * Decides whether this request may create a secret (or request) and who its creator is:
 * undefined for an anonymous create under `open`. Throws ApiFailure 401/403 otherwise.
 */
export async function authorizeCreate(
  request: Request,
  kind: CreateKind,
  config: ServerConfig = getServerConfig(),
  store: AuthStore = getAuthStore(),
): Promise<Creator | undefined> {
  const policy = config.auth.createPolicy;
  const nowMs = Date.now();
  const bearer = bearerOf(request.headers);

  if (bearer !== undefined) {
    const verified = await verifyApiToken(bearer, config.auth, store, nowMs);
    // Under sso a token is no credential at all: the same 401 as a wrong one.
    if (verified.kind !== "ok" || policy === "sso") throw authRequired(true);
    const scope = SCOPE_OF[kind];
    if (!verified.scopes.includes(scope)) throw missingScope(scope);
    await enforceTokenRateLimit(verified.kid, config);
    // The kid is recorded for the owner's burns (issue 13 §5); the wire shows the name only.
    return { kind: "token", name: verified.name, kid: verified.kid };
  }

  if (policy !== "token" && config.auth.oidc) {
    const active = await sessionOf(request.headers, config.auth, store, nowMs);
    if (active) {
      if (!passesCsrfCheck(request.headers, config.auth.publicOrigin)) throw new ApiFailure("forbidden", CSRF_MESSAGE);
      const { issuer, subject, email } = active.session;
      return { kind: "sso", issuer, subject, email };
    }
  }

  if (policy === "open") return undefined;
  throw authRequired(false);
}

/**
 * The admin API's guard (/api/admin/tokens): a bearer whose SHA-256 is ADMIN_TOKEN_SHA256,
 * or an API token with the `admin` scope. 401 as for creates, 403 without the scope.
 */
export async function authorizeAdmin(
  request: Request,
  config: ServerConfig = getServerConfig(),
  store: AuthStore = getAuthStore(),
): Promise<{ name: string }> {
  const bearer = bearerOf(request.headers);
  if (bearer === undefined) throw authRequired(false);
  if (config.auth.adminTokenSha256 !== undefined && bearer !== "" && sameHashHex(sha256Hex(bearer), config.auth.adminTokenSha256)) {
    return { name: "ADMIN_TOKEN" };
  }
  const verified = await verifyApiToken(bearer, config.auth, store, Date.now());
  if (verified.kind !== "ok") throw authRequired(true);
  if (!verified.scopes.includes("admin")) throw missingScope("admin");
  return { name: verified.name };
}
