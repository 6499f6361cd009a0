/**
 * OpenID Connect sign-in for creators (PROTOCOL.md §8) with openid-client: authorization
 * code flow with PKCE (S256), state and nonce, kept between login and callback in the
 * short-lived encrypted `__Host-burnlink-signin` cookie.
 *
 * Guarantees: the provider is found by discovery at OIDC_ISSUER (https, with a private CA
 * through NODE_EXTRA_CA_CERTS; plain http only for a loopback issuer, as in tests); the
 * redirect URI is always PUBLIC_URL + /api/auth/callback, never the request's Host; a
 * callback whose state, nonce or PKCE verifier does not match is refused by
 * openid-client and makes no session; identity is issuer + subject.
 */
import "server-only";
import * as client from "openid-client";
import type { AuthConfig, OidcConfig } from "@/lib/server/config";
import type { Claims } from "./allow-rules";

export const CALLBACK_PATH = "/api/auth/callback";
export const LOGIN_PATH = "/api/auth/login";

const holder = globalThis as typeof globalThis & { __burnlinkOidc?: { key: string; configuration: Promise<client.Configuration> } };

function isLoopbackHttp(issuer: URL): boolean {
  return issuer.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(issuer.hostname);
}

/** The discovered provider, cached per issuer + client; a failed discovery is retried next time. */
export function providerOf(oidc: OidcConfig): Promise<client.Configuration> {
  const key = `${oidc.issuer}\n${oidc.clientId}`;
  if (holder.__burnlinkOidc?.key !== key) {
    const issuer = new URL(oidc.issuer);
    const configuration = client
      .discovery(issuer, oidc.clientId, undefined, client.ClientSecretBasic(oidc.clientSecret), {
        execute: isLoopbackHttp(issuer) ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        if (holder.__burnlinkOidc?.configuration === configuration) holder.__burnlinkOidc = undefined;
        throw error;
      });
    holder.__burnlinkOidc = { key, configuration };
  }
  return holder.__burnlinkOidc.configuration;
}

export interface SignInChecks {
  state: string;
  nonce: string;
  verifier: string;
}

export function redirectUriOf(auth: Pick<AuthConfig, "publicOrigin">): string {
  return `${auth.publicOrigin}${CALLBACK_PATH}`;
}

/** Where to send the browser, and the checks to keep in the sign-in cookie. */
export async function beginSignIn(oidc: OidcConfig, auth: Pick<AuthConfig, "publicOrigin">): Promise<{ url: URL; checks: SignInChecks }> {
  const configuration = await providerOf(oidc);
  const checks: SignInChecks = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUriOf(auth),
    scope: oidc.scopes,
    response_type: "code",
    code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
    code_challenge_method: "S256",
    state: checks.state,
    nonce: checks.nonce,
  });
  return { url, checks };
}

/**
 * Redeems the callback's code; returns the ID token claims merged over the UserInfo
 * answer (for providers that put email or groups only there). Throws on any mismatch.
 */
export async function finishSignIn(
  oidc: OidcConfig,
  auth: Pick<AuthConfig, "publicOrigin">,
  search: string,
  checks: SignInChecks,
): Promise<{ issuer: string; claims: Claims }> {
  const configuration = await providerOf(oidc);
  const currentUrl = new URL(`${redirectUriOf(auth)}${search}`);
  const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
    pkceCodeVerifier: checks.verifier,
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (!idClaims) throw new Error("The provider returned no ID token");
  let userInfo: Claims = {};
  if (tokens.access_token && configuration.serverMetadata().userinfo_endpoint) {
    userInfo = (await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)) as Claims;
  }
  return { issuer: idClaims.iss, claims: { ...userInfo, ...idClaims } };
}
