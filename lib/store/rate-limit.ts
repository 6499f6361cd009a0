/**
 * Request counters for the rate limits (lib/server/rate-limit.ts decides which buckets a
 * request takes from; this module only counts).
 *
 * Guarantees:
 * - take() checks every bucket of one request and, only when all of them have room, takes
 *   the request's cost from each: ONE atomic step (one Lua script on Redis, Redis Cluster
 *   and Upstash; one synchronous step in memory). Two parallel requests can never both
 *   take the last unit, and a refused request counts in no bucket, so a request refused
 *   by its network's bucket does not also use up its own address's budget;
 * - give() hands a take's cost back (a reveal that turned out not to be a wrong
 *   passphrase), never below empty;
 * - two bucket shapes: "window", a fixed window (the first take starts a window of
 *   `windowMs`, the counter vanishes when it ends), and "drip", a leaky bucket (GCRA) that
 *   holds `limit` units and frees one every `windowMs / limit`, so a full bucket is open
 *   again for one request after that interval rather than after a whole window;
 * - all buckets of one take share one hash tag (`group`), so the script runs on one
 *   cluster slot; keys are `<prefix>:{<group>}:<bucket name>`;
 * - a store that cannot be reached rejects with StoreUnavailableError;
 * - a Redis that is full (maxmemory with noeviction) refuses the script's first write:
 *   the answer is `full` and nothing was counted (the caller decides; lib/server fails
 *   closed). The script reads every bucket before it writes, so a refusal needs no memory.
 * Bucket names hold a scope and a hex client address or network, nothing else.
 */
import "server-only";
import type { ScriptRunner } from "./scripted-store";
import { scriptOf } from "./scripts";
import { StoreUnavailableError, type SecretStore } from "./types";

export type BucketShape = "window" | "drip";

export interface RateLimitBucket {
  /** `<scope>:<level>:<client>`, for example `read:a:<32 hex>`; lower-case, digits, colons. */
  name: string;
  /** Units per window (at least 1; callers leave out buckets that are off). */
  limit: number;
  windowMs: number;
  /** Units this request takes (1 for a request, its size for a byte budget); at most `limit` is taken. */
  cost: number;
  shape: BucketShape;
}

export type RateLimitDecision =
  | { kind: "allowed" }
  /** `bucket` is the name of the first bucket without room; nothing was counted. */
  | { kind: "refused"; bucket: string; retryAfterMs: number }
  /** The store is full and could not count: nothing was counted. */
  | { kind: "full" };

export interface RateLimiter {
  /** Takes `cost` from every bucket when all have room, else from none. */
  take(
    group: string,
    buckets: readonly RateLimitBucket[],
    nowMs: number,
  ): Promise<RateLimitDecision>;
  /** Gives back what an allowed take() of the same buckets took. */
  give(group: string, buckets: readonly RateLimitBucket[], nowMs: number): Promise<void>;
}

const GROUP = /^[0-9a-z:]{1,48}$/;
const NAME = /^[0-9a-z:]{1,80}$/;

function assertBuckets(group: string, buckets: readonly RateLimitBucket[], nowMs: number): void {
  if (!GROUP.test(group) || buckets.length === 0 || !Number.isSafeInteger(nowMs))
    throw new TypeError("Invalid rate limit group");
  for (const bucket of buckets) {
    const whole = (value: number) => Number.isSafeInteger(value) && value >= 1;
    if (
      !NAME.test(bucket.name) ||
      !whole(bucket.limit) ||
      !whole(bucket.windowMs) ||
      !whole(bucket.cost)
    ) {
      throw new TypeError("Invalid rate limit bucket");
    }
    if (bucket.shape !== "window" && bucket.shape !== "drip")
      throw new TypeError("Invalid rate limit bucket shape");
  }
}

/** What a take charges: never more than the whole bucket, so one large request can pass an empty one. */
const chargeOf = (bucket: RateLimitBucket) => Math.min(bucket.cost, bucket.limit);

/** Sweep ended windows at most this often, so the map holds only live counters. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * In process, for the memory store (single instance anyway). "window" entries hold a count
 * and when the window ends; "drip" entries hold the GCRA's theoretical arrival time in
 * `value` and expire at it.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly entries = new Map<string, { value: number; endsAtMs: number }>();
  private nextSweepMs = 0;

  private current(key: string, nowMs: number) {
    if (nowMs >= this.nextSweepMs) {
      for (const [name, entry] of this.entries)
        if (entry.endsAtMs <= nowMs) this.entries.delete(name);
      this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    }
    const entry = this.entries.get(key);
    return entry && entry.endsAtMs > nowMs ? entry : undefined;
  }

  async take(
    group: string,
    buckets: readonly RateLimitBucket[],
    nowMs: number,
  ): Promise<RateLimitDecision> {
    assertBuckets(group, buckets, nowMs);
    const plans: Array<() => void> = [];
    for (const bucket of buckets) {
      const key = `${group}:${bucket.name}`;
      const entry = this.current(key, nowMs);
      const cost = chargeOf(bucket);
      if (bucket.shape === "window") {
        const count = entry?.value ?? 0;
        if (count + cost > bucket.limit)
          return {
            kind: "refused",
            bucket: bucket.name,
            retryAfterMs: (entry?.endsAtMs ?? nowMs + bucket.windowMs) - nowMs,
          };
        plans.push(() => {
          if (entry) entry.value += cost;
          else this.entries.set(key, { value: cost, endsAtMs: nowMs + bucket.windowMs });
        });
      } else {
        const arrival =
          Math.max(entry?.value ?? nowMs, nowMs) + (cost * bucket.windowMs) / bucket.limit;
        if (arrival - nowMs > bucket.windowMs + 0.5)
          return {
            kind: "refused",
            bucket: bucket.name,
            retryAfterMs: Math.ceil(arrival - nowMs - bucket.windowMs),
          };
        plans.push(() => this.entries.set(key, { value: arrival, endsAtMs: Math.ceil(arrival) }));
      }
    }
    for (const apply of plans) apply();
    return { kind: "allowed" };
  }

  async give(group: string, buckets: readonly RateLimitBucket[], nowMs: number): Promise<void> {
    assertBuckets(group, buckets, nowMs);
    for (const bucket of buckets) {
      const key = `${group}:${bucket.name}`;
      const entry = this.current(key, nowMs);
      if (!entry) continue;
      const cost = chargeOf(bucket);
      entry.value -= bucket.shape === "window" ? cost : (cost * bucket.windowMs) / bucket.limit;
      if (entry.value <= (bucket.shape === "window" ? 0 : nowMs)) this.entries.delete(key);
      else if (bucket.shape === "drip") entry.endsAtMs = Math.ceil(entry.value);
    }
  }
}

/**
 * KEYS = the buckets (one hash tag); ARGV[1] = "take" or "give", ARGV[2] = now in ms, then
 * four values per key: shape ("w" window, "d" drip), limit, window in ms, cost.
 * take reads every bucket first and writes only when all have room, so a refusal writes
 * nothing; the first write goes through redis.pcall, because a full Redis refuses a
 * script's first memory-growing write (and only that one): an OOM there means nothing
 * was written and the answer is "full". A counter found without an expiry gets one.
 * Drip buckets store their theoretical arrival time as whole milliseconds.
 */
export const RATE_LIMIT_SCRIPT = scriptOf(
  "rate-limit",
  `
local now = tonumber(ARGV[2])
local function spec(i)
  local base = 2 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 4])
  if cost > limit then cost = limit end
  return ARGV[base + 1], limit, tonumber(ARGV[base + 3]), cost
end
local function int(x) return string.format("%.0f", math.ceil(x)) end
local function write(...)
  local reply = redis.pcall(...)
  if type(reply) == "table" and reply.err then return reply.err end
  return nil
end

if ARGV[1] == "take" then
  local plans = {}
  for i = 1, #KEYS do
    local shape, limit, window, cost = spec(i)
    local value = tonumber(redis.call("GET", KEYS[i]) or "0")
    if shape == "w" then
      if value + cost > limit then
        local ttl = redis.call("PTTL", KEYS[i])
        if ttl < 0 then ttl = window end
        return { "refused", tostring(i), tostring(ttl) }
      end
      plans[i] = cost
    else
      local arrival = math.max(value, now) + cost * window / limit
      if arrival - now > window + 0.5 then
        return { "refused", tostring(i), int(arrival - now - window) }
      end
      plans[i] = arrival
    end
  end
  for i = 1, #KEYS do
    local shape, limit, window = spec(i)
    local err
    if shape == "w" then
      err = write("INCRBY", KEYS[i], plans[i])
      if not err and redis.call("PTTL", KEYS[i]) < 0 then redis.call("PEXPIRE", KEYS[i], window) end
    else
      err = write("SET", KEYS[i], int(plans[i]), "PX", int(plans[i] - now))
    end
    if err then
      if string.sub(err, 1, 3) == "OOM" then return { "full" } end
      return redis.error_reply(err)
    end
  end
  return { "ok" }
end

for i = 1, #KEYS do
  local shape, limit, window, cost = spec(i)
  local value = tonumber(redis.call("GET", KEYS[i]) or "0")
  local left = value - cost
  if shape == "d" then left = value - cost * window / limit end
  if value > 0 then
    local err
    if (shape == "w" and left <= 0) or (shape == "d" and left <= now) then
      redis.call("DEL", KEYS[i])
    elseif shape == "w" then
      err = write("DECRBY", KEYS[i], cost)
    else
      err = write("SET", KEYS[i], int(left), "PX", int(left - now))
    end
    if err then
      if string.sub(err, 1, 3) == "OOM" then return { "full" } end
      return redis.error_reply(err)
    end
  end
end
return { "ok" }
`,
);

function unexpected(): StoreUnavailableError {
  return new StoreUnavailableError("The secret store gave an unexpected answer to rate-limit");
}

/** The keys RATE_LIMIT_SCRIPT takes for these buckets: `<prefix>:{<group>}:<bucket name>`. */
export function bucketKeys(keyPrefix: string, group: string, buckets: readonly RateLimitBucket[]): string[] {
  return buckets.map((bucket) => `${keyPrefix}:{${group}}:${bucket.name}`);
}

/** RATE_LIMIT_SCRIPT's ARGV for these buckets; throws TypeError on a malformed bucket. */
export function bucketArgs(
  mode: "take" | "give",
  group: string,
  buckets: readonly RateLimitBucket[],
  nowMs: number,
): string[] {
  assertBuckets(group, buckets, nowMs);
  const args = [mode, String(nowMs)];
  for (const bucket of buckets)
    args.push(
      bucket.shape === "window" ? "w" : "d",
      String(bucket.limit),
      String(bucket.windowMs),
      String(bucket.cost),
    );
  return args;
}

/** RATE_LIMIT_SCRIPT's answer to a take, as a decision; an unexpected shape is StoreUnavailableError. */
export function takeDecisionOf(reply: unknown, buckets: readonly RateLimitBucket[]): RateLimitDecision {
  if (!Array.isArray(reply)) throw unexpected();
  if (reply[0] === "ok") return { kind: "allowed" };
  if (reply[0] === "full") return { kind: "full" };
  const index = Number(reply[1]);
  const retryAfterMs = Number(reply[2]);
  const bucket = buckets[index - 1];
  if (reply[0] !== "refused" || !bucket || !Number.isSafeInteger(retryAfterMs))
    throw unexpected();
  return { kind: "refused", bucket: bucket.name, retryAfterMs: Math.max(0, retryAfterMs) };
}

export class ScriptedRateLimiter implements RateLimiter {
  constructor(
    private readonly runner: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  private run(
    mode: "take" | "give",
    group: string,
    buckets: readonly RateLimitBucket[],
    nowMs: number,
  ): Promise<unknown> {
    const args = bucketArgs(mode, group, buckets, nowMs);
    return this.runner.run(RATE_LIMIT_SCRIPT, bucketKeys(this.keyPrefix, group, buckets), args);
  }

  async take(
    group: string,
    buckets: readonly RateLimitBucket[],
    nowMs: number,
  ): Promise<RateLimitDecision> {
    return takeDecisionOf(await this.run("take", group, buckets, nowMs), buckets);
  }

  async give(group: string, buckets: readonly RateLimitBucket[], nowMs: number): Promise<void> {
    const reply = await this.run("give", group, buckets, nowMs);
    if (!Array.isArray(reply) || (reply[0] !== "ok" && reply[0] !== "full")) throw unexpected();
  }
}

/**
 * The limiter that matches a store: in the same Redis (same connection) or, for the memory
 * store, the store's own in-process counters, which its admitted operations take from too
 * (./admission.ts).
 */
export function rateLimiterFor(store: SecretStore): RateLimiter {
  return store.rateLimiter;
}
