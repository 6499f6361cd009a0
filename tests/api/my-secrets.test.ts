/**
 * Issue 13 §5 over HTTP: "My secrets" for a signed-in creator (a real OpenID provider) and
 * for an API token, burn one, burn all, the CSRF rule, and the admin revoke with
 * burnSecrets=1, against the real server on a real redis-server.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { accessProof, manageToken } from "@/lib/crypto";
import { ownerIndexKey } from "@/lib/store/owner-keys";
import { freePort } from "../support/free-port";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { CookieJar, follow, startTestProvider, type TestProvider } from "../support/oidc-provider";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, makeSecret, type TestSecret } from "./support";

const ADMIN_TOKEN = `operator-${randomBytes(24).toString("base64url")}`;
const SESSION_COOKIE = "__Host-burnlink-session";
const SAME_ORIGIN = { "sec-fetch-site": "same-origin" };

let redis: RedisServer;
let provider: TestProvider;
let server: NextServer;
let app: string;

beforeAll(async () => {
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  redis = await startRedisServer();
  provider = await startTestProvider({ redirectUris: [`${app}/api/auth/callback`] });
  server = await startNextServer({
    port,
    env: {
      REDIS_URL: redis.url,
      CREATE_POLICY: "sso+token",
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      PUBLIC_URL: app,
      ADMIN_TOKEN_SHA256: createHash("sha256").update(ADMIN_TOKEN).digest("hex"),
    },
  });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await provider?.close();
  await redis?.stop();
});

async function signIn(user: string): Promise<Record<string, string>> {
  provider.nextUser = user;
  const jar = new CookieJar();
  const isCallback = (url: string) => url.startsWith(`${app}/api/auth/callback`);
  const { next } = await follow(`${app}/api/auth/login`, jar, isCallback);
  if (!next) throw new Error("the provider did not send the browser back");
  const response = await fetch(next, { redirect: "manual", headers: { cookie: jar.header(next) ?? "" } });
  jar.store(next, response);
  expect(response.status).toBe(303);
  return { cookie: `${SESSION_COOKIE}=${jar.get(app, SESSION_COOKIE) ?? ""}` };
}

async function newToken(name: string): Promise<string> {
  const answer = await call(app, "POST", "/api/admin/tokens", {
    json: { name, scopes: ["secrets:create"] },
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(answer.status).toBe(201);
  return (answer.body as { token: string }).token;
}

async function create(headers: Record<string, string>, overrides: { maxViews?: number } = {}): Promise<TestSecret> {
  const secret = await makeSecret();
  const answer = await call(app, "POST", "/api/secrets", { json: { ...secret.request, ...overrides }, headers });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return secret;
}

const check = (secret: TestSecret) =>
  call(app, "POST", `/api/secrets/${secret.request.id}/check`, { json: { access: accessProof(secret.sealed.linkKey).access } });

const listOf = async (headers: Record<string, string>) => {
  const answer = await call(app, "GET", "/api/me/secrets", { headers });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return (answer.body as { secrets: { id: string; state: string }[] }).secrets;
};

describe("My secrets (issue 13 §5)", () => {
  it("lists only the signed-in user's secrets, newest first, with state, views and times and nothing to open them", async () => {
    const alice = await signIn("alice");
    const erin = await signIn("erin");
    const first = await create({ ...alice, ...SAME_ORIGIN }, { maxViews: 3 });
    const second = await create({ ...alice, ...SAME_ORIGIN });
    const erins = await create({ ...erin, ...SAME_ORIGIN });
    const answer = await call(app, "GET", "/api/me/secrets", { headers: alice });
    const { secrets } = answer.body as { secrets: Record<string, unknown>[] };
    expect(secrets.map((entry) => entry.id)).toEqual([second.request.id, first.request.id]);
    expect(secrets[1]).toEqual({
      id: first.request.id,
      state: "active",
      createdAt: expect.stringMatching(/Z$/),
      expiresAt: expect.stringMatching(/Z$/),
      maxViews: 3,
      viewsLeft: 3,
    });
    const text = JSON.stringify(answer.body);
    for (const secret of [first, second]) {
      for (const value of [secret.request.accessVerifier, secret.request.manageVerifier, secret.request.unlockVerifier, manageToken(secret.sealed.manageKey)]) {
        expect(text).not.toContain(value);
      }
    }
    expect((await listOf(erin)).map((entry) => entry.id)).toEqual([erins.request.id]);
  });

  it("lists what an API token created for that token only, and shows a token creator by name alone", async () => {
    const token = await newToken("deploy");
    const other = await newToken("deploy");
    const secret = await create({ authorization: `Bearer ${token}` });
    await create({ authorization: `Bearer ${other}` });
    expect((await listOf({ authorization: `Bearer ${token}` })).map((entry) => entry.id)).toEqual([secret.request.id]);
    const status = await call(app, "GET", `/api/secrets/${secret.request.id}`, {
      headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
    });
    expect((status.body as { creator: unknown }).creator).toEqual({ kind: "token", name: "deploy" });
  });

  it("burns one of mine (then 204 again), and answers 404 for another user's id or a malformed one", async () => {
    const alice = await signIn("alice");
    const erin = await signIn("erin");
    const mine = await create({ ...alice, ...SAME_ORIGIN });
    const erins = await create({ ...erin, ...SAME_ORIGIN });
    const burn = (id: string, headers: Record<string, string>) => call(app, "DELETE", `/api/me/secrets/${id}`, { headers });
    expect((await burn(mine.request.id, { ...alice, ...SAME_ORIGIN })).status).toBe(204);
    expect(await check(mine)).toMatchObject({ status: 410, body: { error: "gone", reason: "burned" } });
    expect((await burn(mine.request.id, { ...alice, ...SAME_ORIGIN })).status).toBe(204);
    const notMine = await burn(erins.request.id, { ...alice, ...SAME_ORIGIN });
    expect(notMine.status).toBe(404);
    expect(notMine.body).toMatchObject({ error: "not_found" });
    expect((await check(erins)).status).toBe(200);
    expect((await burn("not-an-id", { ...alice, ...SAME_ORIGIN })).body).toMatchObject({ error: "not_found" });
    expect((await listOf(alice)).find((entry) => entry.id === mine.request.id)?.state).toBe("burned");
  });

  it("burns all my active secrets in one call, reports how many, and their links then answer 410 burned", async () => {
    const erin = await signIn("erin");
    const alice = await signIn("alice");
    await call(app, "POST", "/api/me/secrets/burn", { headers: { ...erin, ...SAME_ORIGIN } });
    const active = [await create({ ...erin, ...SAME_ORIGIN }), await create({ ...erin, ...SAME_ORIGIN })];
    const alices = await create({ ...alice, ...SAME_ORIGIN });
    const answer = await call(app, "POST", "/api/me/secrets/burn", { headers: { ...erin, ...SAME_ORIGIN } });
    expect(answer).toMatchObject({ status: 200, body: { burned: 2 } });
    for (const secret of active) expect(await check(secret)).toMatchObject({ status: 410, body: { error: "gone", reason: "burned" } });
    expect((await check(alices)).status).toBe(200);
    expect((await call(app, "POST", "/api/me/secrets/burn", { headers: { ...erin, ...SAME_ORIGIN } })).body).toEqual({ burned: 0 });
  });

  it("refuses cookie-authenticated burns from elsewhere with 403 forbidden, and anonymous or invalid callers with 401", async () => {
    const alice = await signIn("alice");
    const mine = await create({ ...alice, ...SAME_ORIGIN });
    const elsewhere: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }, {}];
    for (const headers of elsewhere) {
      const one = await call(app, "DELETE", `/api/me/secrets/${mine.request.id}`, { headers: { ...alice, ...headers } });
      expect([one.status, (one.body as { error: string }).error]).toEqual([403, "forbidden"]);
      const all = await call(app, "POST", "/api/me/secrets/burn", { headers: { ...alice, ...headers } });
      expect([all.status, (all.body as { error: string }).error]).toEqual([403, "forbidden"]);
    }
    expect((await check(mine)).status).toBe(200);
    const anonymous = await call(app, "GET", "/api/me/secrets");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: "auth_required" });
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    const invalid = await call(app, "POST", "/api/me/secrets/burn", { headers: { authorization: `Bearer blt_Nobody00_${"A".repeat(43)}` } });
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect((await call(app, "PUT", "/api/me/secrets")).status).toBe(405);
  });

  it("still creates when the index write fails (best effort), logs that without the id, and the secret works", async () => {
    const token = await newToken("unindexed");
    const inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    try {
      // A value of the wrong type where the token's index goes: the index script fails with WRONGTYPE.
      await inspector.set(ownerIndexKey("burnlink", { kind: "token", kid: token.slice(4, 12) }), "not a sorted set");
      const secret = await create({ authorization: `Bearer ${token}` });
      expect((await check(secret)).status).toBe(200);
      await expect.poll(() => server.output().includes("creator index not written")).toBe(true);
      const line = server.output().split("\n").find((entry) => entry.includes("creator index not written")) ?? "";
      expect(line).not.toContain(secret.request.id);
      expect(line).not.toContain(token.slice(4, 12));
      // The list then fails closed with a 503, never a 500 or someone else's list.
      expect((await call(app, "GET", "/api/me/secrets", { headers: { authorization: `Bearer ${token}` } })).status).toBe(503);
    } finally {
      await inspector.close();
    }
  });

  it("revokes a token with burnSecrets=1, burning what it created and reporting how many", async () => {
    const token = await newToken("leaked");
    const kid = token.slice(4, 12);
    const made = [await create({ authorization: `Bearer ${token}` }), await create({ authorization: `Bearer ${token}` })];
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await call(app, "DELETE", `/api/admin/tokens/${kid}?burnSecrets=maybe`, { headers: admin })).status).toBe(400);
    const answer = await call(app, "DELETE", `/api/admin/tokens/${kid}?burnSecrets=1`, { headers: admin });
    expect(answer).toMatchObject({ status: 200, body: { revoked: true, burned: 2 } });
    for (const secret of made) expect(await check(secret)).toMatchObject({ status: 410, body: { reason: "burned" } });
    expect((await call(app, "POST", "/api/secrets", { json: (await makeSecret()).request, headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await call(app, "DELETE", `/api/admin/tokens/${kid}?burnSecrets=1`, { headers: admin })).status).toBe(404);
  });
});
