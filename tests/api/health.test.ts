/**
 * The health probes of issue 14 §5 on the real server over a real redis-server: live is
 * the process alone, ready (and the v1 /api/health, which follows it) needs the store.
 * The SIGTERM side of ready is in tests/reliability/sigterm.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, eventually } from "./support";

const STORE_UNAVAILABLE = { error: "store_unavailable", message: "The secret store is unavailable; try again shortly." };
const METRICS_TOKEN = "health-test-metrics-token";

describe("the health probes", () => {
  let redis: RedisServer;
  let server: NextServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startNextServer({ env: { REDIS_URL: redis.url, METRICS_TOKEN } });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  async function unreachableStoreErrors(): Promise<number> {
    const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await response.text();
    const match = /^burnlink_store_errors_total\{kind="(?:unreachable|timeout)"\} (\d+)$/gm;
    return [...text.matchAll(match)].reduce((sum, found) => sum + Number(found[1]), 0);
  }

  it("answer 200 while the store is up: live with its status, ready and /api/health with the v1 body", async () => {
    expect(await call(server.url, "GET", "/api/health/live")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await call(server.url, "GET", "/api/health/ready")).toMatchObject({ status: 200, body: { status: "ok", store: "redis" } });
    expect(await call(server.url, "GET", "/api/health")).toMatchObject({ status: 200, body: { status: "ok", store: "redis" } });
  });

  it("refuse other methods with 405 and Allow, like every route", async () => {
    for (const path of ["/api/health/live", "/api/health/ready"]) {
      const answer = await call(server.url, "POST", path);
      expect([answer.status, (answer.body as { error: string }).error, answer.headers.get("allow")]).toEqual([
        405,
        "method_not_allowed",
        "GET, HEAD, OPTIONS",
      ]);
    }
  });

  it("keep live at 200 while the store is down, ready and /api/health at 503, and recover with the store", async () => {
    const errorsBefore = await unreachableStoreErrors();
    await redis.stop();
    try {
      await eventually(async () => (await call(server.url, "GET", "/api/health/ready")).status === 503);
      expect(await call(server.url, "GET", "/api/health/ready")).toMatchObject({ status: 503, body: STORE_UNAVAILABLE });
      expect(await call(server.url, "GET", "/api/health")).toMatchObject({ status: 503, body: STORE_UNAVAILABLE });
      expect(await call(server.url, "GET", "/api/health/live")).toMatchObject({ status: 200, body: { status: "ok" } });
      // The failed pings are what the "store unavailable" alert counts, even with no user traffic.
      expect(await unreachableStoreErrors()).toBeGreaterThan(errorsBefore);
    } finally {
      await redis.start();
    }
    await eventually(async () => (await call(server.url, "GET", "/api/health/ready")).status === 200, 30_000);
    expect(await call(server.url, "GET", "/api/health")).toMatchObject({ status: 200, body: { status: "ok", store: "redis" } });
  });
});
