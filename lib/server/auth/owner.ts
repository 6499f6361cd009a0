/**
 * Who is asking for "my secrets" (issue 13 §5, /api/me/**): the owner the per-creator index
 * is keyed by. An API token (`Authorization: Bearer blt_…`) is its own owner, by kid; a
 * signed-in session is its user, by issuer + subject (never the email).
 *
 * Answers: 401 auth_required for no credential, an invalid token (the one 401 of §8) or no
 * session; 403 forbidden for a cookie-authenticated state change that fails the §8 CSRF
 * check (a token is not a cookie: a page on another site cannot make a browser send one).
 */
import "server-only";
import { getAuthStore } from "@/lib/store";
import type { AuthStore, Creator, Owner } from "@/lib/store/types";
import { getServerConfig, type ServerConfig } from "@/lib/server/config";
import { ApiFailure } from "@/lib/server/http";
import { authRequired } from "./policy";
import { passesCsrfCheck } from "./csrf";
import { sessionOf } from "./sessions";
import { bearerOf, verifyApiToken } from "./tokens";

const SIGN_IN_MESSAGE = "Sign in (or send an API token) to see and burn the secrets you created.";
const CSRF_MESSAGE = "This request did not come from this site's pages, so the session cookie cannot authorise it.";

export interface OwnerOptions {
  /** A burn: with a session cookie it must pass the CSRF check of PROTOCOL.md §8. */
  changesState: boolean;
}

export async function authorizeOwner(
  request: Request,
  options: OwnerOptions,
  config: ServerConfig = getServerConfig(),
  store: AuthStore = getAuthStore(),
): Promise<Owner> {
  const nowMs = Date.now();
  const bearer = bearerOf(request.headers);
  if (bearer !== undefined) {
    const verified = await verifyApiToken(bearer, config.auth, store, nowMs);
    if (verified.kind !== "ok") throw authRequired(true);
    return { kind: "token", kid: verified.kid };
  }
  const active = config.auth.oidc ? await sessionOf(request.headers, config.auth, store, nowMs) : undefined;
  if (!active) throw new ApiFailure("auth_required", SIGN_IN_MESSAGE, {}, { "WWW-Authenticate": "Bearer" });
  if (options.changesState && !passesCsrfCheck(request.headers, config.auth.publicOrigin)) {
    throw new ApiFailure("forbidden", CSRF_MESSAGE);
  }
  return { kind: "sso", issuer: active.session.issuer, subject: active.session.subject };
}

/** What the wire shows of a creator (PROTOCOL.md §8): never the token's kid. */
export function creatorBodyOf(creator: Creator): Creator {
  if (creator.kind === "token") return { kind: "token", name: creator.name };
  return { kind: "sso", issuer: creator.issuer, subject: creator.subject, email: creator.email };
}
