/**
 * PROTOCOL.md §8 sign-in against a real OpenID provider (oidc-provider, in-process) and
 * the real server on a real redis-server: the whole code + PKCE flow followed by hand with
 * cookies, the session cookie's attributes, creates under CREATE_POLICY=sso with their
 * creator, the allow rules (refused domain, unverified email, missing group), a tampered
 * state and a sign-in cookie from another sign-in, an expired session, logout and
 * server-side revocation, and the CSRF rule.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manageToken } from "@/lib/crypto";
import { openCookieValue, sealCookieValue } from "@/lib/server/auth/sessions";
import { freePort } from "../support/free-port";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { CookieJar, follow, startTestProvider, type TestProvider } from "../support/oidc-provider";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, eventually, makeSecret } from "./support";

const AUTH_SECRET = randomBytes(32).toString("base64url");
const SESSION_COOKIE = "__Host-burnlink-session";
const SIGN_IN_COOKIE = "__Host-burnlink-signin";
const SESSION_MAX_AGE_SECONDS = 3600;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let redis: RedisServer;
let inspector: ReturnType<typeof createClient>;
let provider: TestProvider;
let server: NextServer;
let app: string;

beforeAll(async () => {
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  redis = await startRedisServer();
  inspector = createClient({ url: redis.url, RESP: 2 });
  await inspector.connect();
  provider = await startTestProvider({ redirectUris: [`${app}/api/auth/callback`] });
  server = await startNextServer({
    port,
    env: {
      REDIS_URL: redis.url,
      CREATE_POLICY: "sso",
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      AUTH_SECRET,
      PUBLIC_URL: app,
      SESSION_MAX_AGE_SECONDS: String(SESSION_MAX_AGE_SECONDS),
      OIDC_ALLOWED_DOMAINS: "example.com",
      OIDC_REQUIRED_GROUPS: "eng,ops",
      API_TOKENS: `ci:secrets:create:${sha256("blt_CiToken1_" + "A".repeat(43))}`,
    },
  });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await provider?.close();
  await inspector?.close();
  await redis?.stop();
});

const isCallback = (url: string) => url.startsWith(`${app}/api/auth/callback`);

/** Login at the app, through the provider, up to (not into) the callback. */
async function toCallback(user: string, jar = new CookieJar()): Promise<{ jar: CookieJar; callbackUrl: string }> {
  provider.nextUser = user;
  const { next, hops } = await follow(`${app}/api/auth/login`, jar, isCallback);
  expect(hops[0]?.response.status).toBe(302);
  expect(new URL(hops[0]?.response.headers.get("location") ?? "").origin).toBe(provider.issuer);
  if (!next) throw new Error(`the provider did not send the browser back: ${hops.at(-1)?.response.status} ${hops.at(-1)?.body}`);
  return { jar, callbackUrl: next };
}

async function callback(url: string, jar: CookieJar) {
  const cookie = jar.header(url);
  const response = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
  jar.store(url, response);
  return { response, body: await response.text() };
}

async function signIn(user: string): Promise<{ jar: CookieJar; setCookie: string }> {
  const { jar, callbackUrl } = await toCallback(user);
  const { response, body } = await callback(callbackUrl, jar);
  expect(response.status, body).toBe(303);
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`)) ?? "";
  return { jar, setCookie };
}

function withSession(jar: CookieJar, extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: `${SESSION_COOKIE}=${jar.get(app, SESSION_COOKIE) ?? ""}`, ...extra };
}

async function createWith(headers: Record<string, string>) {
  const secret = await makeSecret();
  return { secret, answer: await call(app, "POST", "/api/secrets", { json: secret.request, headers }) };
}

describe("OIDC sign-in (CREATE_POLICY=sso)", () => {
  it("reports the policy and the sign-in path in /api/config", async () => {
    expect((await call(app, "GET", "/api/config")).body).toMatchObject({ createPolicy: "sso", signInUrl: "/api/auth/login" });
  });

  it("keeps state, nonce and the PKCE verifier in a short-lived encrypted __Host- cookie and asks for S256", async () => {
    const response = await fetch(`${app}/api/auth/login`, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("redirect_uri")).toBe(`${app}/api/auth/callback`);
    const state = location.searchParams.get("state") ?? "";
    const nonce = location.searchParams.get("nonce") ?? "";
    expect(state.length).toBeGreaterThan(20);
    expect(nonce.length).toBeGreaterThan(20);
    const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SIGN_IN_COOKIE}=`)) ?? "";
    expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=600$/);
    expect(line).not.toContain(state);
    expect(line).not.toContain(nonce);
  });

  it("signs in through the provider, sets the session cookie as §8 says, and answers /api/auth/me", async () => {
    const { jar, setCookie } = await signIn("alice");
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_SECONDS}$`));
    const me = await call(app, "GET", "/api/auth/me", { headers: withSession(jar) });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ issuer: provider.issuer, subject: "alice", email: "alice@example.com" });
    // The store keeps the session under a hash of its id, never the cookie.
    const cookieValue = jar.get(app, SESSION_COOKIE) ?? "";
    const keys = await inspector.keys("burnlink:session:*");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(cookieValue);
      expect(await inspector.get(key)).not.toContain(cookieValue);
      expect(await inspector.pTTL(key)).toBeLessThanOrEqual(SESSION_MAX_AGE_SECONDS * 1000);
    }
  });

  it("creates with a session from this site's pages and records the signed-in creator", async () => {
    const { jar } = await signIn("alice");
    const { secret, answer } = await createWith(withSession(jar, { "sec-fetch-site": "same-origin" }));
    expect(answer.status).toBe(201);
    const status = await call(app, "GET", `/api/secrets/${secret.request.id}`, {
      headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
    });
    expect(status.body).toMatchObject({ creator: { kind: "sso", issuer: provider.issuer, subject: "alice", email: "alice@example.com" } });
  });

  it("refuses a create without a session, and an API token under sso, with 401 auth_required", async () => {
    const none = await createWith({ "sec-fetch-site": "same-origin" });
    expect(none.answer.status).toBe(401);
    expect(none.answer.body).toEqual({ error: "auth_required", message: "Creating here needs a valid API token or a signed-in session." });
    expect(none.answer.headers.get("www-authenticate")).toBe("Bearer");
    const token = await createWith({ authorization: `Bearer blt_CiToken1_${"A".repeat(43)}` });
    expect(token.answer.status).toBe(401);
  });

  it("applies the CSRF rule of §8 to cookie-authenticated creates", async () => {
    const { jar } = await signIn("alice");
    const cases: [string, Record<string, string>, number][] = [
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }, 403],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }, 403],
      ["Sec-Fetch-Site: none", { "sec-fetch-site": "none" }, 403],
      ["Sec-Fetch-Site cross-site even with the right Origin", { "sec-fetch-site": "cross-site", origin: app }, 403],
      ["no Sec-Fetch-Site and a foreign Origin", { origin: "https://evil.example" }, 403],
      ["no Sec-Fetch-Site and Origin null", { origin: "null" }, 403],
      ["neither header", {}, 403],
      ["no Sec-Fetch-Site and Origin = PUBLIC_URL", { origin: app }, 201],
    ];
    for (const [what, headers, status] of cases) {
      const { answer } = await createWith(withSession(jar, headers));
      expect(answer.status, what).toBe(status);
      if (status === 403) expect(answer.body, what).toMatchObject({ error: "forbidden" });
    }
  });

  it("refuses a user outside the allowed domains, with an unverified email, or in no required group: a 403 page and no session", async () => {
    for (const [user, reason] of [
      ["bob", "Your email domain may not sign in here."],
      ["carol", "Your provider has not verified your email address."],
      ["dave", "You are not in a group that may sign in here."],
    ]) {
      const { jar, callbackUrl } = await toCallback(user as string);
      const { response, body } = await callback(callbackUrl, jar);
      expect(response.status, user).toBe(403);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(body).toContain(reason);
      expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`)), user).toBe(false);
      expect(jar.get(app, SESSION_COOKIE)).toBeUndefined();
    }
  });

  it("refuses a callback with a tampered state, a sign-in cookie of another sign-in, or none, and makes no session", async () => {
    const tampered = await toCallback("alice");
    const url = new URL(tampered.callbackUrl);
    url.searchParams.set("state", `${url.searchParams.get("state")}x`);
    const refused = await callback(url.href, tampered.jar);
    expect(refused.response.status).toBe(400);
    expect(refused.body).toContain("Sign-in failed");
    expect(tampered.jar.get(app, SESSION_COOKIE)).toBeUndefined();

    // Two sign-ins in two browsers: the second's cookie (other state, nonce, verifier) with the first's code.
    const first = await toCallback("alice");
    const second = await toCallback("alice");
    first.jar.set(app, SIGN_IN_COOKIE, second.jar.get(app, SIGN_IN_COOKIE) ?? "");
    const crossed = await callback(first.callbackUrl, first.jar);
    expect(crossed.response.status).toBe(400);
    expect(first.jar.get(app, SESSION_COOKIE)).toBeUndefined();

    const bare = await toCallback("alice");
    const noCookie = await fetch(bare.callbackUrl, { redirect: "manual" });
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toContain("Sign-in expired");
  });

  it("refuses a sign-in cookie whose nonce was changed (re-sealed with the server's own key), so the ID token's nonce does not match", async () => {
    const { jar, callbackUrl } = await toCallback("alice");
    const checks = await openCookieValue(jar.get(app, SIGN_IN_COOKIE) ?? "", AUTH_SECRET, "sign-in");
    expect(typeof checks?.nonce).toBe("string");
    const forged = await sealCookieValue({ state: checks?.state, nonce: `${String(checks?.nonce)}x`, verifier: checks?.verifier }, AUTH_SECRET, "sign-in", 600);
    jar.set(app, SIGN_IN_COOKIE, forged);
    const { response } = await callback(callbackUrl, jar);
    expect(response.status).toBe(400);
    expect(jar.get(app, SESSION_COOKIE)).toBeUndefined();
  });

  it("ends an expired session: a cookie past its expiry is no session even while the store still has it", async () => {
    const { jar } = await signIn("alice");
    const payload = await openCookieValue(jar.get(app, SESSION_COOKIE) ?? "", AUTH_SECRET, "session");
    expect(typeof payload?.sid).toBe("string");
    const expired = await sealCookieValue({ sid: payload?.sid }, AUTH_SECRET, "session", -10);
    const me = await call(app, "GET", "/api/auth/me", { headers: { cookie: `${SESSION_COOKIE}=${expired}` } });
    expect(me.status).toBe(401);
    expect(me.body).toMatchObject({ error: "auth_required" });
    // The same session id in a fresh cookie still works: only the expiry was refused.
    const fresh = await sealCookieValue({ sid: payload?.sid }, AUTH_SECRET, "session", 60);
    expect((await call(app, "GET", "/api/auth/me", { headers: { cookie: `${SESSION_COOKIE}=${fresh}` } })).status).toBe(200);
  });

  it("logs out on the server: the old cookie no longer works, and logout needs a same-origin request", async () => {
    const { jar } = await signIn("alice");
    const cookie = withSession(jar);
    const crossSite = await call(app, "POST", "/api/auth/logout", { headers: { ...cookie, "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    expect((await call(app, "GET", "/api/auth/me", { headers: cookie })).status).toBe(200);
    const logout = await call(app, "POST", "/api/auth/logout", { headers: { ...cookie, "sec-fetch-site": "same-origin" } });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()).toContain(`${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);
    expect((await call(app, "GET", "/api/auth/me", { headers: cookie })).status).toBe(401);
    const { answer } = await createWith({ ...cookie, "sec-fetch-site": "same-origin" });
    expect(answer.status).toBe(401);
  });

  it("ends a session the operator revokes in the store", async () => {
    const { jar } = await signIn("alice");
    const cookie = withSession(jar);
    expect((await call(app, "GET", "/api/auth/me", { headers: cookie })).status).toBe(200);
    const payload = await openCookieValue(jar.get(app, SESSION_COOKIE) ?? "", AUTH_SECRET, "session");
    const key = `burnlink:session:{${sha256(String(payload?.sid))}}`;
    expect(await inspector.del(key)).toBe(1);
    expect((await call(app, "GET", "/api/auth/me", { headers: cookie })).status).toBe(401);
  });

  it("audits sign-ins, refused sign-ins and sign-outs as ECS lines (issue 14 §3), never with a cookie", async () => {
    type Line = { log: string; event: { action: string; outcome: string; reason?: string }; user?: { id?: string } };
    const audits = () =>
      server
        .output()
        .split("\n")
        .filter((line) => line.startsWith('{"log":"audit"'))
        .map((line) => JSON.parse(line) as Line);
    const refused = await toCallback("bob");
    expect((await callback(refused.callbackUrl, refused.jar)).response.status).toBe(403);
    const { jar } = await signIn("alice");
    const session = jar.get(app, SESSION_COOKIE) ?? "";
    expect(session.length).toBeGreaterThan(20);
    const signOuts = audits().filter((line) => line.event.action === "auth.sign_out").length;
    await call(app, "POST", "/api/auth/logout", { headers: { ...withSession(jar), "sec-fetch-site": "same-origin" } });
    await eventually(async () => audits().filter((line) => line.event.action === "auth.sign_out").length === signOuts + 1);
    await eventually(async () => audits().some((line) => line.event.reason === "not_allowed"));
    const lines = audits();
    expect(lines.some((line) => line.event.action === "auth.sign_in" && line.event.outcome === "success" && typeof line.user?.id === "string")).toBe(true);
    expect(lines.some((line) => line.event.action === "auth.sign_in" && line.event.outcome === "failure" && line.event.reason === "not_allowed")).toBe(true);
    expect(server.output()).not.toContain(session);
  });
});
