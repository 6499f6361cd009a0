/**
 * PROTOCOL.md §8 through the real server: CREATE_POLICY, API tokens (API_TOKENS bootstrap,
 * the admin API, revocation, expiry, scopes, per-token limits), the 401/403 answers of the
 * error table, the creator in status and the sender in check. Tokens live in a real
 * redis-server here, so the tests can look at exactly what is stored.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, sealRequest } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, makeSecret } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const randomToken = (kid = "Ab3dEf7h") => `blt_${kid}_${randomBytes(32).toString("base64url")}`;

const AUTH_REQUIRED = { error: "auth_required", message: "Creating here needs a valid API token or a signed-in session." };
const ADMIN_TOKEN = `admin-${randomBytes(24).toString("base64url")}`;
const CI_TOKEN = randomToken("CiToken1");
const REQUESTS_ONLY_TOKEN = randomToken("ReqOnly1");
const OPS_TOKEN = randomToken("OpsAdmin");
const TOKEN_LIMIT = 4;

let redis: RedisServer;
let inspector: ReturnType<typeof createClient>;
let server: NextServer;
let base: string;

async function createWith(authorization: string | undefined) {
  const { request } = await makeSecret();
  return call(base, "POST", "/api/secrets", { json: request, headers: authorization === undefined ? {} : { authorization } });
}

async function issueToken(body: Record<string, unknown>, authorization = `Bearer ${ADMIN_TOKEN}`) {
  return call(base, "POST", "/api/admin/tokens", { json: body, headers: { authorization } });
}

beforeAll(async () => {
  redis = await startRedisServer();
  inspector = createClient({ url: redis.url, RESP: 2 });
  await inspector.connect();
  server = await startNextServer({
    env: {
      REDIS_URL: redis.url,
      CREATE_POLICY: "token",
      API_TOKENS: `ci:secrets:create:${sha256(CI_TOKEN)},requests-bot:requests:create:${sha256(REQUESTS_ONLY_TOKEN)},ops:admin:${sha256(OPS_TOKEN)}`,
      ADMIN_TOKEN_SHA256: sha256(ADMIN_TOKEN),
      RATE_LIMIT_TOKEN_CREATE_PER_MINUTE: String(TOKEN_LIMIT),
    },
  });
  base = server.url;
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await inspector?.close();
  await redis?.stop();
});

describe("CREATE_POLICY=token", () => {
  it("reports the policy in /api/config, without a sign-in URL", async () => {
    const config = await call(base, "GET", "/api/config");
    expect(config.body).toMatchObject({ createPolicy: "token" });
    expect(config.body).not.toHaveProperty("signInUrl");
  });

  it("answers a create without any credential with 401 auth_required and WWW-Authenticate: Bearer", async () => {
    const answer = await createWith(undefined);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(AUTH_REQUIRED);
    expect(answer.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("gives every bad token the same 401 body, with error=invalid_token", async () => {
    const issued = await issueToken({ name: "soon-revoked", scopes: ["secrets:create"] });
    const revoked = (issued.body as { token: string; kid: string }).token;
    expect((await call(base, "DELETE", `/api/admin/tokens/${(issued.body as { kid: string }).kid}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(204);

    const expiring = await issueToken({ name: "expired", scopes: ["secrets:create"], expiresInSeconds: 3600 });
    const expired = expiring.body as { token: string; kid: string };
    // Moves the record's expiry into the past (Redis has not dropped the key yet).
    await inspector.hSet(`burnlink:{auth}:token:${expired.kid}`, "expiresAt", String(Date.now() - 1000));

    const cases: [string, string][] = [
      ["an empty header", ""],
      ["an empty bearer", "Bearer "],
      ["a wrong scheme", `Basic ${CI_TOKEN}`],
      ["a token without its prefix", `Bearer ${CI_TOKEN.slice(4)}`],
      ["a token with a short kid", `Bearer blt_abc_${randomBytes(32).toString("base64url")}`],
      ["a token with a non-canonical secret", `Bearer ${CI_TOKEN.slice(0, -1)}${CI_TOKEN.endsWith("B") ? "C" : "B"}`],
      ["an unknown token", `Bearer ${randomToken("Unknown1")}`],
      ["a bootstrap token with one character changed", `Bearer ${CI_TOKEN.slice(0, 20)}${CI_TOKEN[20] === "A" ? "Q" : "A"}${CI_TOKEN.slice(21)}`],
      ["a revoked token", `Bearer ${revoked}`],
      ["an expired token", `Bearer ${expired.token}`],
      ["the admin bearer, which is no create credential", `Bearer ${ADMIN_TOKEN}`],
    ];
    for (const [what, authorization] of cases) {
      const answer = await createWith(authorization);
      expect(answer.status, what).toBe(401);
      expect(answer.body, what).toEqual(AUTH_REQUIRED);
      expect(answer.headers.get("www-authenticate"), what).toBe('Bearer error="invalid_token"');
    }
  });

  it("never matches a stored record whose hash is empty", async () => {
    const kid = "EmptyHsh";
    const now = String(Date.now());
    await inspector.hSet(`burnlink:{auth}:token:${kid}`, { kid, hash: "", name: "empty", scopes: "secrets:create", createdAt: now, expiresAt: "", lastUsedAt: "" });
    const answer = await createWith(`Bearer ${randomToken(kid)}`);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(AUTH_REQUIRED);
  });

  it("creates with a bootstrap token, records it as the creator, and never writes that token or its hash to the store", async () => {
    const { request, sealed } = await makeSecret();
    const created = await call(base, "POST", "/api/secrets", { json: request, headers: { authorization: `Bearer ${CI_TOKEN}` } });
    expect(created.status).toBe(201);
    const status = await call(base, "GET", `/api/secrets/${request.id}`, {
      headers: { authorization: `Bearer ${manageToken(sealed.manageKey)}` },
    });
    expect(status.body).toMatchObject({ creator: { kind: "token", name: "ci" } });
    const keys = await inspector.keys("*");
    expect(keys.filter((key) => key.includes("CiToken1"))).toEqual([]);
    for (const key of keys.filter((name) => !name.includes(":rl:"))) {
      const type = await inspector.type(key);
      const values =
        type === "hash"
          ? Object.values(await inspector.hGetAll(key))
          : type === "string"
            ? [await inspector.get(key)]
            : type === "list"
              ? await inspector.lRange(key, 0, -1)
              : type === "zset"
                ? await inspector.zRange(key, 0, -1) // the creator index (issue 13 §5) and the event schedules
                : await inspector.sMembers(key);
      for (const value of values) {
        expect(value).not.toContain(sha256(CI_TOKEN));
        expect(value).not.toContain(CI_TOKEN.slice(13));
      }
    }
  });

  it("applies the same policy to requests: 401 without a credential, 403 without requests:create, 201 with it", async () => {
    const requestBody = () => {
      const sealed = sealRequest({ label: "send me the key" });
      return { id: sealed.id, writeVerifier: sealed.writeVerifier, collectVerifier: sealed.collectVerifier, ttlSeconds: 3600, maxResponses: 1 };
    };
    const anonymous = await call(base, "POST", "/api/requests", { json: requestBody() });
    expect([anonymous.status, (anonymous.body as { error: string }).error]).toEqual([401, "auth_required"]);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrongScope = await call(base, "POST", "/api/requests", { json: requestBody(), headers: { authorization: `Bearer ${CI_TOKEN}` } });
    expect([wrongScope.status, (wrongScope.body as { error: string }).error]).toEqual([403, "forbidden"]);
    const allowed = await call(base, "POST", "/api/requests", { json: requestBody(), headers: { authorization: `Bearer ${REQUESTS_ONLY_TOKEN}` } });
    expect(allowed.status).toBe(201);
  });

  it("answers a token without the secrets:create scope with 403 forbidden", async () => {
    const answer = await createWith(`Bearer ${REQUESTS_ONLY_TOKEN}`);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: "forbidden", message: "This token lacks the secrets:create scope." });
    expect(answer.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="secrets:create"');
  });

  it("limits creates per token by its kid, independently of other tokens", async () => {
    const a = (await issueToken({ name: "limited-a", scopes: ["secrets:create"] })).body as { token: string };
    const b = (await issueToken({ name: "limited-b", scopes: ["secrets:create"] })).body as { token: string };
    for (let i = 0; i < TOKEN_LIMIT; i++) expect((await createWith(`Bearer ${a.token}`)).status).toBe(201);
    const refused = await createWith(`Bearer ${a.token}`);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await createWith(`Bearer ${b.token}`)).status).toBe(201);
    // The counter is keyed by the kid, never by the token.
    const counters = await inspector.keys("burnlink:{rl:*}:token:*");
    expect(counters.length).toBeGreaterThanOrEqual(2);
    for (const counter of counters) expect(counter).not.toContain(a.token.slice(13));
  });
});

describe("the admin API", () => {
  it("refuses a call without a bearer (401) and a token without the admin scope (403)", async () => {
    const none = await call(base, "GET", "/api/admin/tokens");
    expect(none.status).toBe(401);
    expect(none.body).toEqual(AUTH_REQUIRED);
    const wrongScope = await call(base, "GET", "/api/admin/tokens", { headers: { authorization: `Bearer ${CI_TOKEN}` } });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.body).toEqual({ error: "forbidden", message: "This token lacks the admin scope." });
    const wrongAdmin = await call(base, "GET", "/api/admin/tokens", { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    expect(wrongAdmin.status).toBe(401);
  });

  it("issues a token once, lists it without the token or its hash, records its last use, and revokes it", async () => {
    const issued = await issueToken({ name: "deploy", scopes: ["secrets:create", "requests:create"], expiresInSeconds: 90 * 86400 }, `Bearer ${OPS_TOKEN}`);
    expect(issued.status).toBe(201);
    const body = issued.body as { token: string; kid: string; expiresAt: string; createdAt: string };
    expect(body.token).toMatch(/^blt_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(body.token.slice(4, 12)).toBe(body.kid);
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(90 * 86400 * 1000);
    const record = await inspector.hGetAll(`burnlink:{auth}:token:${body.kid}`);
    expect(record.hash).toBe(sha256(body.token));
    expect(Object.values(record).join(" ")).not.toContain(body.token.slice(13));
    const ttl = await inspector.pTTL(`burnlink:{auth}:token:${body.kid}`);
    expect(ttl).toBeGreaterThan(89 * 86400 * 1000);

    expect((await createWith(`Bearer ${body.token}`)).status).toBe(201);
    const listed = await call(base, "GET", "/api/admin/tokens", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(body.token.slice(13));
    expect(text).not.toContain(sha256(body.token));
    const tokens = (listed.body as { tokens: Record<string, unknown>[] }).tokens;
    const entry = tokens.find((token) => token.kid === body.kid);
    expect(entry).toMatchObject({ name: "deploy", scopes: ["secrets:create", "requests:create"], source: "store", expiresAt: body.expiresAt });
    expect(typeof entry?.lastUsedAt).toBe("string");
    expect(tokens).toContainEqual({ kid: null, name: "ci", scopes: ["secrets:create"], source: "environment", createdAt: null, expiresAt: null, lastUsedAt: null });

    const revoke = () => call(base, "DELETE", `/api/admin/tokens/${body.kid}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect((await revoke()).status).toBe(204);
    expect((await createWith(`Bearer ${body.token}`)).status).toBe(401);
    const again = await revoke();
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: "not_found", message: "No live token has this id." });
  });

  it("refuses a bad token request with 400 and the member's problem", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "x y", scopes: ["admin"] }, "name: must be 1 to 64 of A-Z a-z 0-9 . _ -"],
      [{ name: "x", scopes: [] }, "scopes: must hold at least one scope"],
      [{ name: "x", scopes: ["root"] }, "scopes.0: must be secrets:create, requests:create or admin"],
      [{ name: "x", scopes: ["admin", "admin"] }, "scopes: must not repeat a scope"],
      [{ name: "x", scopes: ["admin"], expiresInSeconds: 5 }, "expiresInSeconds: must be at least 60 seconds"],
      [{ name: "x", scopes: ["admin"], token: "mine" }, 'unknown member "token"'],
    ];
    for (const [body, message] of cases) {
      const answer = await issueToken(body);
      expect(answer.status, message).toBe(400);
      expect(answer.body, message).toEqual({ error: "invalid_request", message });
    }
  });
});

describe("what the server prints", () => {
  it("never logs a token, a token's secret part or its hash", () => {
    const output = server.output();
    expect(output).toContain('"route":"/api/admin/tokens"');
    for (const token of [CI_TOKEN, REQUESTS_ONLY_TOKEN, OPS_TOKEN]) {
      expect(output).not.toContain(token.slice(13));
      expect(output).not.toContain(sha256(token));
    }
    expect(output).not.toContain(ADMIN_TOKEN);
    expect(output).not.toMatch(/blt_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}/);
  });
});

describe("CREATE_POLICY=open with SHOW_SENDER=1", () => {
  let open: NextServer;
  const token = randomToken("OpenCi01");

  beforeAll(async () => {
    open = await startNextServer({ env: { SHOW_SENDER: "1", API_TOKENS: `ci-bot:secrets:create:${sha256(token)}` } });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await open?.stop();
  });

  it("creates anonymously, and check shows no sender for an anonymous secret", async () => {
    const { request, sealed } = await makeSecret();
    expect((await call(open.url, "POST", "/api/secrets", { json: request })).status).toBe(201);
    const check = await call(open.url, "POST", `/api/secrets/${request.id}/check`, { json: { access: accessProof(sealed.linkKey).access } });
    expect(check.status).toBe(200);
    expect(check.body).not.toHaveProperty("sender");
    expect((await call(open.url, "GET", "/api/config")).body).toMatchObject({ createPolicy: "open" });
  });

  it("records a token's name as the sender that check answers show", async () => {
    const { request, sealed } = await makeSecret();
    expect((await call(open.url, "POST", "/api/secrets", { json: request, headers: { authorization: `Bearer ${token}` } })).status).toBe(201);
    const check = await call(open.url, "POST", `/api/secrets/${request.id}/check`, { json: { access: accessProof(sealed.linkKey).access } });
    expect(check.body).toMatchObject({ sender: { name: "ci-bot" } });
  });

  it("still refuses a bad token under open, so a revoked CI token fails loudly", async () => {
    const { request } = await makeSecret();
    const answer = await call(open.url, "POST", "/api/secrets", { json: request, headers: { authorization: `Bearer ${randomToken()}` } });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(AUTH_REQUIRED);
  });
});
