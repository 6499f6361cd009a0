/**
 * A full Redis (issue 4): with `maxmemory` reached and `maxmemory-policy noeviction`,
 * creating a secret answers 503 store_unavailable with a message saying the store is
 * full, never a 500, and the log names the cause. Rate limits stay on at their defaults:
 * their counters cannot grow a full Redis, so checks, status and burns pass uncounted
 * and still work, while a reveal, whose passphrase attempt must be counted, is 503
 * (lib/server/rate-limit.ts; tests/security/rate-limits.test.ts has the rest).
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { makeSecret, type TestSecret } from "../api/support";

let redis: RedisServer;
let server: NextServer;
let kept: TestSecret;
let burnable: TestSecret;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.headers.get("cache-control")).toBe("no-store");
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

beforeAll(async () => {
  redis = await startRedisServer({ args: ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"] });
  server = await startNextServer({
    env: {
      REDIS_URL: redis.url,
      RATE_LIMIT_CREATE_PER_MINUTE: "30",
      RATE_LIMIT_READ_PER_MINUTE: "120",
      RATE_LIMIT_MANAGE_PER_MINUTE: "60",
      RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "20",
    },
  });
  kept = await makeSecret({ maxViews: 1 });
  burnable = await makeSecret();
  for (const secret of [kept, burnable]) expect((await call("POST", "/api/secrets", secret.request)).status).toBe(201);

  // Fill Redis to its limit with unrelated keys: one script keeps writing until refused.
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const refusal = await client.eval(
      `for i = 1, 1000000 do
         local reply = redis.pcall("SET", "filler:" .. i, string.rep("x", 1000))
         if type(reply) == "table" and reply.err then return reply.err end
       end
       return "never full"`,
      { keys: [], arguments: [] },
    );
    // The loop above may pass maxmemory once it started writing; a fresh write is refused.
    expect(String(refusal)).toMatch(/OOM|never full/);
    await expect(client.set("probe", "x")).rejects.toThrow(/OOM/);
  } finally {
    await client.close();
  }
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

describe("when Redis is full", () => {
  it("create answers 503 store_unavailable saying the store is full, and the log says why", async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await call("POST", "/api/secrets", (await makeSecret()).request);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        error: "store_unavailable",
        message: "The secret store is full and cannot take new secrets right now; try again later.",
      });
    }
    expect(server.output()).toMatch(/out of memory \(maxmemory reached\)/);
    expect(server.output()).not.toMatch(/"status":500/);
  });

  it("checks and a burn still work; a reveal is 503, since its passphrase attempt cannot be counted", async () => {
    const { access } = accessProof(kept.sealed.linkKey);
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).status).toBe(200);
    const proofs = await revealProofs(kept.sealed.linkKey);
    const revealed = await call("POST", `/api/secrets/${kept.sealed.id}/reveal`, { access, unlock: proofs.unlock });
    expect(revealed.status).toBe(503);
    expect(revealed.body.error).toBe("store_unavailable");
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).body).toMatchObject({ viewsLeft: 1 });
    const token = `Bearer ${manageToken(burnable.sealed.manageKey)}`;
    expect((await call("DELETE", `/api/secrets/${burnable.sealed.id}`, undefined, { authorization: token })).status).toBe(204);
  });
});
