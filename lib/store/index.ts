/**
 * The secret store: one SecretStore interface (./types.ts) and the driver the
 * environment selects (PROTOCOL.md §5).
 *
 * Precedence, the same as lib/server/config.ts: UPSTASH_REDIS_REST_URL + _TOKEN
 * (or Vercel's KV_REST_API_URL + _TOKEN) -> Upstash; REDIS_CLUSTER_NODES (comma-
 * separated seed nodes) -> Redis Cluster; REDIS_URL -> Redis; otherwise the
 * in-memory store, announced with one log line. KEY_PREFIX names the keys
 * (default "burnlink").
 *
 * getStore() returns one store per process (kept on globalThis so that Next's
 * dev-mode module reloads do not open a new Redis connection each time).
 */
import "server-only";
import { serverEnvironment } from "@/lib/server/env-files";
import { authStoreFor } from "./auth-store";
import { DEFAULT_KEY_PREFIX } from "./keys";
import { createMemoryStore, type MemoryStoreOptions } from "./memory-store";
import { rateLimiterFor, type RateLimiter } from "./rate-limit";
import { createRedisClusterStore, type RedisClusterStoreOptions } from "./redis-cluster-store";
import { createRedisStore, type RedisStoreOptions } from "./redis-store";
import type { AuthStore, SecretStore } from "./types";
import type { RequestStore } from "./request-types";
import { requestStoreFor } from "./request-store";
import { ScriptedStore, type Durability } from "./scripted-store";
import { createUpstashStore, type UpstashStoreOptions, type UpstashTransport } from "./upstash-store";

export * from "./types";
export * from "./request-types";
export { requestStoreFor } from "./request-store";
export { ownerOfCreator } from "./owner-keys";
export { MemoryRateLimiter, rateLimiterFor, ScriptedRateLimiter } from "./rate-limit";
export type { BucketShape, RateLimitBucket, RateLimitDecision, RateLimiter } from "./rate-limit";

export { authStoreFor, MemoryAuthStore, ScriptedAuthStore, TOUCH_INTERVAL_MS } from "./auth-store";
export { createMemoryStore, createRedisClusterStore, createRedisStore, createUpstashStore };
export type { MemoryStoreOptions, RedisClusterStoreOptions, RedisStoreOptions, UpstashStoreOptions };

export interface StoreOptions {
  /** transport: UPSTASH_TRANSPORT, only when set ("pool" when absent). */
  upstash?: { url: string; token: string; transport?: UpstashTransport };
  /** Seed nodes (`host:port` or `redis://` URLs); comma-separated in the environment. */
  redisClusterNodes?: string[];
  redisUrl?: string;
  /** Default "burnlink". */
  keyPrefix?: string;
  /** STORE_TIMEOUT_MS: deadline of one operation (default 1500 ms); past it the command is aborted. */
  commandTimeoutMs?: number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS (Redis and Redis Cluster only). */
  durability?: Durability;
}

export const MEMORY_STORE_NOTICE =
  "burnlink: using the in-memory store (single instance; nothing survives a restart). Set REDIS_URL or UPSTASH_REDIS_REST_URL for production.";

/** Empty and unset mean the same thing: `.env` files often carry `NAME=`. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** Reads the store settings from an environment (process.env with `_FILE` variants resolved, by default). */
export function storeOptionsFromEnv(env: Record<string, string | undefined> = serverEnvironment()): StoreOptions {
  const options: StoreOptions = { keyPrefix: present(env.KEY_PREFIX) ?? DEFAULT_KEY_PREFIX };
  const upstashUrl = present(env.UPSTASH_REDIS_REST_URL) ?? present(env.KV_REST_API_URL);
  const upstashToken = present(env.UPSTASH_REDIS_REST_TOKEN) ?? present(env.KV_REST_API_TOKEN);
  if (upstashUrl !== undefined && upstashToken !== undefined) {
    options.upstash = { url: upstashUrl, token: upstashToken };
    // Validated by lib/server/config.ts at start-up; only the one other value is taken here.
    if (present(env.UPSTASH_TRANSPORT)?.trim() === "fetch") options.upstash.transport = "fetch";
  }
  const clusterNodes = present(env.REDIS_CLUSTER_NODES);
  if (clusterNodes !== undefined) {
    options.redisClusterNodes = clusterNodes.split(",").map((node) => node.trim()).filter((node) => node !== "");
  }
  const redisUrl = present(env.REDIS_URL);
  if (redisUrl !== undefined) options.redisUrl = redisUrl;
  // lib/server/config.ts validates the range at start-up; here only a clean number is taken.
  const timeout = present(env.STORE_TIMEOUT_MS);
  if (timeout !== undefined && /^\d{1,6}$/.test(timeout.trim()) && Number(timeout) > 0) options.commandTimeoutMs = Number(timeout);
  // Validated (with its message) by lib/server/config.ts at start-up; only read here.
  const waitReplicas = Number(present(env.REDIS_WAIT_REPLICAS) ?? "0");
  if (Number.isSafeInteger(waitReplicas) && waitReplicas > 0) {
    const waitTimeoutMs = Number(present(env.REDIS_WAIT_TIMEOUT_MS) ?? "500");
    options.durability = { waitReplicas, waitTimeoutMs: Number.isSafeInteger(waitTimeoutMs) ? waitTimeoutMs : 500 };
  }
  return options;
}

function durabilityOf(options: StoreOptions): { durability?: Durability } {
  return options.durability ? { durability: options.durability } : {};
}

/** A new store for these options; the caller owns it and closes it. */
export function createStore(options: StoreOptions): SecretStore {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const timeout = options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs };
  if (options.upstash) return createUpstashStore({ ...options.upstash, keyPrefix, ...timeout });
  if (options.redisClusterNodes && options.redisClusterNodes.length > 0) {
    return createRedisClusterStore({ nodes: options.redisClusterNodes, keyPrefix, ...timeout, ...durabilityOf(options) });
  }
  if (options.redisUrl) return createRedisStore({ url: options.redisUrl, keyPrefix, ...timeout, ...durabilityOf(options) });
  return createMemoryStore();
}

/** createStore(storeOptionsFromEnv(env)). */
export function storeFromEnv(env: Record<string, string | undefined> = serverEnvironment()): SecretStore {
  return createStore(storeOptionsFromEnv(env));
}

const holder = globalThis as typeof globalThis & {
  __burnlinkStore?: SecretStore;
  __burnlinkRateLimiter?: RateLimiter;
  __burnlinkAuthStore?: AuthStore;
};

/**
 * The process-wide store, created on first use from `options` (default: the
 * environment). Later calls return the same store whatever they pass.
 */
export function getStore(options?: StoreOptions): SecretStore {
  if (!holder.__burnlinkStore) {
    const store = createStore(options ?? storeOptionsFromEnv());
    if (store.kind === "memory") console.warn(MEMORY_STORE_NOTICE);
    // Issue 11 §3: say at start-up what a Redis restart or failover can undo.
    if (store instanceof ScriptedStore && store.kind !== "upstash") {
      void store.durabilityReport().then((report) =>
        console.warn(report ?? "burnlink: Redis durability not read (CONFIG GET refused, or a cluster): check appendonly, appendfsync and save on every node yourself."),
      );
    }
    holder.__burnlinkStore = store;
  }
  return holder.__burnlinkStore;
}

/** The process-wide rate limiter, counting where getStore() keeps its secrets. */
export function getRateLimiter(): RateLimiter {
  holder.__burnlinkRateLimiter ??= rateLimiterFor(getStore());
  return holder.__burnlinkRateLimiter;
}

/** The process-wide request store (PROTOCOL.md §7), kept where getStore() keeps secrets. */
export function getRequestStore(): RequestStore {
  return requestStoreFor(getStore());
}

/** The process-wide token and session store (PROTOCOL.md §8), where getStore() keeps its secrets. */
export function getAuthStore(): AuthStore {
  holder.__burnlinkAuthStore ??= authStoreFor(getStore());
  return holder.__burnlinkAuthStore;
}
