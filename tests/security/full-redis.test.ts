/**
 * A full Redis (issue 4): with `maxmemory` reached and `maxmemory-policy noeviction`,
 * creating a secret answers 503 store_unavailable with a message saying the store is
 * full, never a 500, and the log names the cause. Rate limits stay on at their defaults:
 * their counters cannot grow a full Redis, so they let requests through uncounted
 * (lib/store/rate-limit.ts), and what needs no new memory still works: a check, the last
 * view of a secret (which deletes its ciphertext) and a burn.
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

  it("checks, the last view and a burn still work", async () => {
    const { access } = accessProof(kept.sealed.linkKey);
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).status).toBe(200);
    const proofs = await revealProofs(kept.sealed.linkKey);
    const revealed = await call("POST", `/api/secrets/${kept.sealed.id}/reveal`, { access, unlock: proofs.unlock });
    expect(revealed.status).toBe(200);
    expect(revealed.body.viewsLeft).toBe(0);
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).body).toMatchObject({ error: "gone", reason: "viewed" });
    const token = `Bearer ${manageToken(burnable.sealed.manageKey)}`;
    expect((await call("DELETE", `/api/secrets/${burnable.sealed.id}`, undefined, { authorization: token })).status).toBe(204);
  });
});
