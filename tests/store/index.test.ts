import { afterEach, describe, expect, it, vi } from "vitest";
import { createStore, getStore, MEMORY_STORE_NOTICE, storeFromEnv, storeOptionsFromEnv } from "@/lib/store";
import { startRedisServer } from "../support/redis-server";

const holder = globalThis as typeof globalThis & { __burnlinkStore?: unknown };

describe("store selection from the environment", () => {
  afterEach(() => {
    delete holder.__burnlinkStore;
    vi.restoreAllMocks();
  });

  it("prefers Upstash, then Vercel KV's names for it, then REDIS_URL, then memory", () => {
    expect(
      storeOptionsFromEnv({
        UPSTASH_REDIS_REST_URL: "https://u.example",
        UPSTASH_REDIS_REST_TOKEN: "t",
        REDIS_URL: "redis://r.example:6379",
      }),
    ).toEqual({ keyPrefix: "burnlink", upstash: { url: "https://u.example", token: "t" }, redisUrl: "redis://r.example:6379" });
    expect(storeOptionsFromEnv({ KV_REST_API_URL: "https://kv.example", KV_REST_API_TOKEN: "k" }).upstash).toEqual({
      url: "https://kv.example",
      token: "k",
    });
    expect(storeOptionsFromEnv({ REDIS_URL: "redis://r.example:6379", KEY_PREFIX: "bl" })).toEqual({
      keyPrefix: "bl",
      redisUrl: "redis://r.example:6379",
    });
    expect(storeOptionsFromEnv({ REDIS_URL: "", UPSTASH_REDIS_REST_URL: "" })).toEqual({ keyPrefix: "burnlink" });
    expect(storeOptionsFromEnv({ UPSTASH_REDIS_REST_URL: "https://u.example", UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_TRANSPORT: "fetch" }).upstash).toEqual({
      url: "https://u.example",
      token: "t",
      transport: "fetch",
    });
  });

  it("takes the deadline of one store operation from STORE_TIMEOUT_MS, and waits that long for a silent Redis", async () => {
    expect(storeOptionsFromEnv({ STORE_TIMEOUT_MS: "3000" }).commandTimeoutMs).toBe(3000);
    expect(storeOptionsFromEnv({}).commandTimeoutMs).toBeUndefined();
    const redis = await startRedisServer();
    const store = storeFromEnv({ REDIS_URL: redis.url, STORE_TIMEOUT_MS: "3000" });
    try {
      await store.ping();
      redis.pause();
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow(/within 3000 ms/);
      // Not the 1500 ms default: timers never fire early, so this holds on a loaded machine too.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_990);
    } finally {
      redis.resume();
      await store.close();
      await redis.stop();
    }
  });

  it("builds the driver the options name", async () => {
    const upstash = createStore({ upstash: { url: "https://u.example", token: "t" }, redisUrl: "redis://127.0.0.1:1" });
    expect(upstash.kind).toBe("upstash");
    const redis = storeFromEnv({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(redis.kind).toBe("redis");
    await redis.close();
    expect(storeFromEnv({}).kind).toBe("memory");
  });

  it("reads REDIS_CLUSTER_NODES as seed nodes and prefers it to REDIS_URL", async () => {
    const env = { REDIS_CLUSTER_NODES: "127.0.0.1:1, redis://127.0.0.1:2", REDIS_URL: "redis://127.0.0.1:3" };
    expect(storeOptionsFromEnv(env).redisClusterNodes).toEqual(["127.0.0.1:1", "redis://127.0.0.1:2"]);
    const cluster = storeFromEnv(env);
    expect(cluster.kind).toBe("redis-cluster");
    await cluster.close();
  });

  it("gives one store per process and announces the in-memory store in one line", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const first = getStore({});
    expect(getStore()).toBe(first);
    expect(first.kind).toBe("memory");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(MEMORY_STORE_NOTICE);
  });
});
