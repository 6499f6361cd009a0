/**
 * A real OpenID provider for the tests: `oidc-provider` (the certified Node
 * implementation) in-process on a free port, with one confidential test client and
 * test users. Its login and consent screens are replaced by an interaction that signs in
 * whichever user the test picked (`nextUser`), so a flow can be followed by hand (API
 * tests) or by Chromium (e2e) without typing; everything else (authorization, PKCE,
 * state, nonce, code exchange, ID token, UserInfo) is the provider's own.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { freePort } from "./free-port";

export interface TestUser {
  email: string;
  email_verified: boolean;
  groups?: string[];
  tid?: string;
  hd?: string;
}

export const TEST_USERS: Record<string, TestUser> = {
  alice: { email: "alice@example.com", email_verified: true, groups: ["eng"] },
  bob: { email: "bob@other.example", email_verified: true, groups: ["eng"] },
  carol: { email: "carol@example.com", email_verified: false, groups: ["eng"] },
  dave: { email: "dave@example.com", email_verified: true, groups: ["sales"] },
  erin: { email: "erin@example.com", email_verified: true, groups: ["ops"] },
};

export interface TestProvider {
  /** `http://127.0.0.1:<port>`, also the issuer. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The account the next interaction signs in (a key of TEST_USERS). */
  nextUser: string;
  close(): Promise<void>;
}

export async function startTestProvider(options: { redirectUris: string[] }): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "burnlink-test";
  const clientSecret = "burnlink-test-client-secret-0123456789";
  const state = { nextUser: "alice" };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["groups", "tid", "hd"] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["burnlink-test-provider-cookie-key"] },
    async findAccount(_ctx, id) {
      const user = TEST_USERS[id];
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...user }) };
    },
  });

  async function interact(req: http.IncomingMessage, res: http.ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: state.nextUser } }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = details.session?.accountId ?? state.nextUser;
    const clientIdOf = String(details.params.client_id);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: clientIdOf });
    if (!grant) throw new Error("grant not found");
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  if (bound !== port) throw new Error("provider bound another port");

  return {
    issuer,
    clientId,
    clientSecret,
    get nextUser() {
      return state.nextUser;
    },
    set nextUser(user: string) {
      state.nextUser = user;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A cookie jar per origin, enough to follow a sign-in by hand. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/max-age=0/i.test(line) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }

  header(url: string): string {
    const jar = this.jars.get(new URL(url).origin);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join("; ") : "";
  }

  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).origin)?.get(name);
  }

  set(url: string, name: string, value: string): void {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(origin, jar);
  }
}

export interface Hop {
  url: string;
  response: Response;
  body: string;
}

/**
 * GETs `url` and follows redirects by hand with the jar (like a browser), stopping at the
 * first non-redirect answer, or before requesting a URL for which `stopBefore` is true.
 */
export async function follow(url: string, jar: CookieJar, stopBefore?: (next: string) => boolean, maxHops = 15): Promise<{ hops: Hop[]; next?: string }> {
  const hops: Hop[] = [];
  let current = url;
  for (let i = 0; i < maxHops; i++) {
    const cookie = jar.header(current);
    const response = await fetch(current, { redirect: "manual", headers: cookie ? { cookie } : {} });
    jar.store(current, response);
    const body = await response.text();
    hops.push({ url: current, response, body });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return { hops };
    const next = new URL(location, current).href;
    if (stopBefore?.(next)) return { hops, next };
    current = next;
  }
  throw new Error("too many redirects");
}
