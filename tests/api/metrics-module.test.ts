/**
 * lib/server/metrics.ts and the store observer on their own (issue 14 §4): one registry per
 * process, labels from closed sets only, prom-client's `_total` gauges left out, and every
 * Lua script of a real Redis store timed and its failures counted by kind.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedisStore } from "@/lib/store/redis-store";
import {
  getMetrics,
  methodLabel,
  observeHttpRequest,
  recordRateLimited,
  recordRequestOperation,
  recordReveal,
  statusClassOf,
  storeErrorKind,
} from "@/lib/server/metrics";
import { metricsAuthorized } from "@/lib/server/metrics-auth";
import { StoreUnavailableError } from "@/lib/store/types";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { makeSecret } from "../store/helpers";

async function valueOf(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = getMetrics().registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted));
  return match?.value ?? 0;
}

describe("the metrics registry", () => {
  it("is one per process: a second copy of the module (as Next's bundles load it) shares it", async () => {
    const first = getMetrics();
    vi.resetModules();
    const copy = await import("@/lib/server/metrics");
    expect(copy.getMetrics()).toBe(first);
    expect(copy.getMetrics().registry).toBe(first.registry);
  });

  it("leaves out prom-client's three gauges named *_total but keeps their per-type gauges", async () => {
    const names = getMetrics().registry.getMetricsAsArray().map((metric) => metric.name);
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      expect(names).not.toContain(name);
    }
    expect(names).toEqual(expect.arrayContaining(["nodejs_active_handles", "process_resident_memory_bytes", "burnlink_build_info"]));
    const exposition = await getMetrics().registry.metrics();
    expect(exposition).not.toMatch(/^# TYPE \S+_total gauge$/m);
  });

  it("turns outcomes, methods and buckets outside their closed sets into one fallback label", async () => {
    const before = await valueOf("burnlink_reveals_total", { outcome: "error" });
    recordReveal("an-id-that-must-not-become-a-label");
    expect(await valueOf("burnlink_reveals_total", { outcome: "error" })).toBe(before + 1);
    recordRequestOperation("collect", "Cq9-some_request_id");
    expect(await valueOf("burnlink_requests_total", { op: "collect", outcome: "error" })).toBe(1);
    recordRequestOperation("collect", "gone");
    expect(await valueOf("burnlink_requests_total", { op: "collect", outcome: "gone" })).toBe(1);
    recordRateLimited("whatever");
    expect(await valueOf("burnlink_rate_limited_total", { bucket: "other" })).toBe(1);
    expect([methodLabel("propfind"), methodLabel("get"), methodLabel("TRACE")]).toEqual(["OTHER", "GET", "OTHER"]);
    expect([statusClassOf(201), statusClassOf(404), statusClassOf(503), statusClassOf(999)]).toEqual(["2xx", "4xx", "5xx", "other"]);
    observeHttpRequest("/api/secrets/[id]", "BREW", 418, 0.01);
    const exposition = await getMetrics().registry.metrics();
    expect(exposition).toContain('route="/api/secrets/[id]",method="OTHER",status_class="4xx"');
    expect(exposition).not.toContain("an-id-that-must-not-become-a-label");
    expect(exposition).not.toContain("Cq9-some_request_id");
  });

  it.each([
    ["Redis did not answer reveal within 1500 ms", "timeout"],
    ["Upstash did not answer within 1500 ms", "timeout"],
    ["Redis is out of memory (maxmemory reached): it refuses new secrets until memory is freed", "full"],
    ["The in-memory secret store is full (maxBytes reached); it accepts new secrets again as old ones go", "full"],
    ["The secret store gave an unexpected answer to reveal", "bad_reply"],
    ["Upstash gave an answer that is not JSON", "bad_reply"],
    ["Redis refused the operation: NOPERM", "refused"],
    ["Redis is unreachable", "unreachable"],
    ["Redis is unreachable; reconnecting in the background", "unreachable"],
    ["The Redis Cluster store is closed", "closed"],
    ["something new", "other"],
  ])("classifies the store failure %j as %s", (message, kind) => {
    expect(storeErrorKind(new StoreUnavailableError(message))).toBe(kind);
  });
});

describe("the /api/metrics bearer check", () => {
  const token = "a-metrics-token-of-some-length";

  it("accepts exactly the configured token, in any case of the scheme", () => {
    expect(metricsAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(metricsAuthorized(`bearer ${token}`, token)).toBe(true);
  });

  it.each([[null], [""], ["Bearer"], ["Bearer "], [`Basic ${token}`], [`Bearer ${token}x`], [`Bearer ${token.slice(1)}`], [`Bearer ${token} extra`]])(
    "refuses %j",
    (header) => {
      expect(metricsAuthorized(header, token)).toBe(false);
    },
  );
});

describe("store commands on a real Redis", () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it("are timed per script, and a failed command is counted by kind", async () => {
    getMetrics();
    const store = createRedisStore({ url: redis.url, keyPrefix: "metrics-test", commandTimeoutMs: 500 });
    try {
      const { input: secret } = makeSecret();
      expect((await store.create(secret)).kind).toBe("created");
      await store.ping();
      // Histogram values are listed bucket by bucket; the _count series is the last of each label set.
      const exposition = await getMetrics().registry.metrics();
      expect(exposition).toMatch(/^burnlink_store_command_duration_seconds_count\{script="create"\} [1-9]/m);
      expect(exposition).toMatch(/^burnlink_store_command_duration_seconds_count\{script="ping"\} [1-9]/m);

      const unreachableBefore = await valueOf("burnlink_store_errors_total", { kind: "unreachable" });
      const timeoutBefore = await valueOf("burnlink_store_errors_total", { kind: "timeout" });
      await redis.stop();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      const after =
        (await valueOf("burnlink_store_errors_total", { kind: "unreachable" })) +
        (await valueOf("burnlink_store_errors_total", { kind: "timeout" }));
      expect(after).toBe(unreachableBefore + timeoutBefore + 1);
      expect(await getMetrics().registry.metrics()).not.toContain(secret.id);
    } finally {
      await store.close();
      await redis.start();
    }
  });
});

describe("loading the route wrapper", () => {
  it("installs the store observer before any request has been answered", async () => {
    const holder = globalThis as typeof globalThis & { __burnlinkMetrics?: unknown; __burnlinkStoreObserver?: unknown };
    delete holder.__burnlinkMetrics;
    delete holder.__burnlinkStoreObserver;
    vi.resetModules();
    await import("@/lib/server/http");
    expect(holder.__burnlinkStoreObserver).toBeDefined();
    expect(holder.__burnlinkMetrics).toBeDefined();
  });
});
