/**
 * A store outage as production sees it: the test's own redis-server is killed or frozen,
 * and every call that needs the store answers 503 store_unavailable quickly (never a 500,
 * never a hang), health included; when Redis is back, so is the service.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, eventually, makeSecret, type TestSecret } from "./support";

const STORE_UNAVAILABLE = { error: "store_unavailable", message: "The secret store is unavailable; try again shortly." };

describe("when the Redis store goes down", () => {
  let redis: RedisServer;
  let server: NextServer;
  let secret: TestSecret;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startNextServer({ env: { REDIS_URL: redis.url } });
    secret = await makeSecret();
    expect((await call(server.url, "POST", "/api/secrets", { json: secret.request })).status).toBe(201);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  async function everyStoreCall() {
    const fresh = await makeSecret();
    const proofs = await revealProofs(secret.sealed.linkKey);
    const bearer = { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` };
    const id = secret.request.id;
    return {
      health: await call(server.url, "GET", "/api/health"),
      create: await call(server.url, "POST", "/api/secrets", { json: fresh.request }),
      check: await call(server.url, "POST", `/api/secrets/${id}/check`, { json: { access: accessProof(secret.sealed.linkKey).access } }),
      reveal: await call(server.url, "POST", `/api/secrets/${id}/reveal`, { json: { access: proofs.access, unlock: proofs.unlock } }),
      status: await call(server.url, "GET", `/api/secrets/${id}`, { headers: bearer }),
      burn: await call(server.url, "DELETE", `/api/secrets/${id}`, { headers: bearer }),
    };
  }

  it("answers 503 store_unavailable on every call, health included, while Redis is killed", async () => {
    await redis.kill();
    const answers = await everyStoreCall();
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer.status, answer.body]).toEqual([name, 503, STORE_UNAVAILABLE]);
    }
    // What needs no store still works.
    expect((await call(server.url, "GET", "/api/config")).status).toBe(200);
  });

  it("answers 503 within a few seconds, not never, while Redis is frozen", async () => {
    await redis.start();
    await eventually(async () => (await call(server.url, "GET", "/api/health")).status === 200);
    redis.pause();
    try {
      const started = Date.now();
      const answers = await everyStoreCall();
      for (const [name, answer] of Object.entries(answers)) {
        expect([name, answer.status, answer.body]).toEqual([name, 503, STORE_UNAVAILABLE]);
      }
      expect(Date.now() - started).toBeLessThan(6 * 5000);
    } finally {
      redis.resume();
    }
  });

  it("serves again once Redis is back", async () => {
    await eventually(async () => (await call(server.url, "GET", "/api/health")).status === 200);
    expect((await call(server.url, "GET", "/api/health")).body).toEqual({ status: "ok", store: "redis" });
    const fresh = await makeSecret();
    expect((await call(server.url, "POST", "/api/secrets", { json: fresh.request })).status).toBe(201);
  });
});
