/**
 * A full Redis (issue 4, issue 10 item 1): with `maxmemory` reached and
 * `maxmemory-policy noeviction`, creating a secret answers 503 store_unavailable with a
 * message saying the store is full, never a 500, and the log names the cause. What needs
 * no new memory still works: a check and a burn. A reveal answers 503 whatever the
 * passphrase: its failure count is written before the unlock is compared, so a full Redis
 * can never tell a right guess (200) from a wrong one (503).
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { createRedisStore } from "@/lib/store/redis-store";
import { createUpstashStore } from "@/lib/store/upstash-store";
import type { RevealResult, SecretStore } from "@/lib/store/types";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridge } from "../support/upstash-bridge";
import { makeSecret, type TestSecret } from "../api/support";
import { makeSecret as makeStoreSecret, requester } from "../store/helpers";

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

  it("a check and a burn still work, and a reveal answers 503 with the right passphrase as with a wrong one", async () => {
    const { access } = accessProof(kept.sealed.linkKey);
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).status).toBe(200);
    const proofs = await revealProofs(kept.sealed.linkKey);
    const right = await call("POST", `/api/secrets/${kept.sealed.id}/reveal`, { access, unlock: proofs.unlock });
    const wrong = await call("POST", `/api/secrets/${kept.sealed.id}/reveal`, { access, unlock: access });
    expect(right).toEqual(wrong);
    expect(right.status).toBe(503);
    expect(right.body).toMatchObject({ error: "store_unavailable" });
    expect((await call("POST", `/api/secrets/${kept.sealed.id}/check`, { access })).body).toMatchObject({ viewsLeft: 1 });
    const token = `Bearer ${manageToken(burnable.sealed.manageKey)}`;
    expect((await call("DELETE", `/api/secrets/${burnable.sealed.id}`, undefined, { authorization: token })).status).toBe(204);
  });
});

/**
 * The oracle of issue 10 item 1, at the store, on a real redis-server and through the
 * Upstash bridge (the real @upstash/redis client; the bridge forwards to real Redis, so
 * this shows Redis's rules behind an Upstash-shaped client, not Upstash's own engine).
 */
const drivers: [string, (redisUrl: string) => Promise<{ store: SecretStore; close(): Promise<void> }>][] = [
  [
    "redis",
    async (redisUrl) => {
      const store = createRedisStore({ url: redisUrl, keyPrefix: "burnlink-full" });
      return { store, close: () => store.close() };
    },
  ],
  [
    "upstash",
    async (redisUrl) => {
      const bridge = await startUpstashBridge({ redisUrl });
      const store = createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix: "burnlink-full", commandTimeoutMs: 10_000 });
      return {
        store,
        async close() {
          await store.close();
          await bridge.close();
        },
      };
    },
  ],
];

for (const [name, open] of drivers) {
  describe(`a full Redis behind the ${name} driver`, () => {
    let own: RedisServer;
    let admin: ReturnType<typeof createClient>;
    let connected: { store: SecretStore; close(): Promise<void> };

    beforeAll(async () => {
      own = await startRedisServer({ args: ["--maxmemory-policy", "noeviction"] });
      admin = createClient({ url: own.url });
      await admin.connect();
      connected = await open(own.url);
    });

    afterAll(async () => {
      await connected?.close();
      await admin?.close();
      await own?.stop();
    });

    /** The outcome as an attacker sees it: the answer, or the error's class and message. */
    async function outcome(reveal: Promise<RevealResult>): Promise<string> {
      return reveal.then(
        (result) => JSON.stringify(result),
        (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
      );
    }

    it("gives the right and the wrong passphrase the same answer while full, and counts every guess once there is room", async () => {
      const { store } = connected;
      const secret = makeStoreSecret({ maxViews: 1, attemptsLimit: 3 });
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      const wrongUnlock = makeStoreSecret().unlock.verifier;
      const attempt = (unlockVerifier: string) =>
        outcome(
          store.reveal({
            id: secret.input.id,
            accessVerifier: secret.access.verifier,
            unlockVerifier,
            nowMs: Date.now(),
            requester: requester(),
          }),
        );

      // Any used memory is over 1 byte: Redis now refuses every first write that would grow it.
      await admin.configSet("maxmemory", "1");
      const whileFull: string[] = [];
      try {
        for (let i = 0; i < 5; i++) whileFull.push(await attempt(wrongUnlock));
        whileFull.push(await attempt(secret.unlock.verifier));
        for (let i = 0; i < 5; i++) whileFull.push(await attempt(wrongUnlock));
        whileFull.push(await attempt(secret.unlock.verifier));
      } finally {
        await admin.configSet("maxmemory", "0");
      }
      // Twelve answers, one distinct value: a 503 that says the store is full.
      expect(new Set(whileFull).size).toBe(1);
      expect(whileFull[0]).toMatch(/^StoreUnavailableError: .*out of memory/);
      expect(whileFull.join("\n")).not.toContain(secret.ciphertext);

      // With room again, guesses count: past the limit the right passphrase is too late.
      await admin.configSet("maxmemory", "0");
      const counted: string[] = [];
      for (let i = 0; i < 4; i++) counted.push(await attempt(wrongUnlock));
      expect(counted.map((answer) => JSON.parse(answer) as RevealResult)).toEqual([
        { kind: "wrong_passphrase", attemptsLeft: 2 },
        { kind: "wrong_passphrase", attemptsLeft: 1 },
        { kind: "wrong_passphrase", attemptsLeft: 0 },
        expect.objectContaining({ kind: "gone", reason: "attempts" }),
      ]);
      const last = await attempt(secret.unlock.verifier);
      expect(JSON.parse(last)).toMatchObject({ kind: "gone", reason: "attempts" });
      expect(last).not.toContain(secret.ciphertext);
    });
  });
}
