/**
 * Per-client request counters for the rate limits of issue 4 (lib/server/rate-limit.ts
 * decides the limits; this module only counts).
 *
 * Guarantees:
 * - a fixed window per counter: the first hit starts a window of `windowMs`, every hit in
 *   it adds one, and the counter vanishes when the window ends;
 * - on Redis, Redis Cluster and Upstash the counter is ONE Lua script (INCR, then PEXPIRE
 *   on the first hit), so every app instance sharing the store shares the limit and no
 *   two instances can both see "first hit"; the key is `<prefix>:rl:<scope>:<client>`,
 *   one key per script, so it works on a cluster; it shares the store's connection;
 * - the memory limiter counts in this process only (the memory store is single-instance
 *   anyway) and drops ended windows, so its size is bounded by the active clients;
 * - a store that cannot be reached rejects with StoreUnavailableError (the API answers
 *   503, like every other store call: the secret store is needed for the request anyway);
 * - a Redis that is full (maxmemory with noeviction) cannot count: the answer is
 *   `allowed` with `counted: false`. Refusing would turn a full Redis into a total outage,
 *   although reveals, status and burns need no memory and still work (lib/store/scripts.ts);
 *   creates are refused by the store itself with 503.
 * Counters are keyed by the 32-hex client address only; nothing else is stored.
 */
import "server-only";
import { ScriptedStore, type ScriptRunner } from "./scripted-store";
import { scriptOf } from "./scripts";
import { StoreUnavailableError, type SecretStore } from "./types";

export interface RateLimitDecision {
  /** False when this request is over the limit. */
  allowed: boolean;
  /** Hits in the current window, this one included (0 when nothing could be counted). */
  count: number;
  /** Until the window ends; 0 when there is no window. */
  retryAfterMs: number;
  /** False when the store could not count (full Redis): the request is let through. */
  counted: boolean;
}

export interface RateLimitRule {
  /** A short name in the key: `create`, `read`, `manage`, `passphrase`. */
  scope: string;
  /** Hits allowed per window (at least 1; callers skip limits that are off). */
  limit: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Counts one hit of `client` and says whether it is within the limit (count <= limit). */
  hit(rule: RateLimitRule, client: string, nowMs: number): Promise<RateLimitDecision>;
  /** Reads the counter without adding to it: allowed while count < limit. */
  peek(rule: RateLimitRule, client: string, nowMs: number): Promise<RateLimitDecision>;
}

const SCOPE = /^[a-z]{1,16}$/;
const CLIENT = /^[0-9a-z]{1,40}$/;

function assertRule(rule: RateLimitRule, client: string): void {
  if (!SCOPE.test(rule.scope) || !CLIENT.test(client) || !Number.isSafeInteger(rule.limit) || rule.limit < 1) {
    throw new TypeError("Invalid rate limit rule or client");
  }
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1) throw new TypeError("Invalid rate limit window");
}

function decide(count: number, limit: number, retryAfterMs: number, counting: boolean): RateLimitDecision {
  return { allowed: counting ? count <= limit : count < limit, count, retryAfterMs: Math.max(0, retryAfterMs), counted: true };
}

/** Sweep ended windows at most this often, so the map holds only live counters. */
const SWEEP_INTERVAL_MS = 10_000;

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; endsAtMs: number }>();
  private nextSweepMs = 0;

  private current(key: string, nowMs: number) {
    if (nowMs >= this.nextSweepMs) {
      for (const [name, window] of this.windows) if (window.endsAtMs <= nowMs) this.windows.delete(name);
      this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    }
    const window = this.windows.get(key);
    return window && window.endsAtMs > nowMs ? window : undefined;
  }

  async hit(rule: RateLimitRule, client: string, nowMs: number): Promise<RateLimitDecision> {
    assertRule(rule, client);
    const key = `${rule.scope}:${client}`;
    let window = this.current(key, nowMs);
    if (!window) {
      window = { count: 0, endsAtMs: nowMs + rule.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return decide(window.count, rule.limit, window.endsAtMs - nowMs, true);
  }

  async peek(rule: RateLimitRule, client: string, nowMs: number): Promise<RateLimitDecision> {
    assertRule(rule, client);
    const window = this.current(`${rule.scope}:${client}`, nowMs);
    return decide(window?.count ?? 0, rule.limit, window ? window.endsAtMs - nowMs : 0, false);
  }
}

/**
 * KEYS[1] = the counter; ARGV[1] = window in ms; ARGV[2] = "1" to count, "0" to read.
 * INCR and PEXPIRE happen in one script, so a counter can never be left without an
 * expiry by a crash between them; a counter found without one (PTTL -1) gets it again.
 * redis.pcall catches the OOM refusal of a full Redis, which the driver reports as
 * "full" instead of failing the request (see the header).
 */
const RATE_LIMIT = scriptOf(
  "rate-limit",
  `
local count
if ARGV[2] == "1" then
  local counted = redis.pcall("INCR", KEYS[1])
  if type(counted) == "table" and counted.err then
    if string.sub(counted.err, 1, 3) == "OOM" then return { "full" } end
    return redis.error_reply(counted.err)
  end
  count = counted
else
  count = tonumber(redis.call("GET", KEYS[1]) or "0")
end
local ttl = redis.call("PTTL", KEYS[1])
if count > 0 and ttl < 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { "ok", tostring(count), tostring(ttl) }
`,
);

export class ScriptedRateLimiter implements RateLimiter {
  constructor(
    private readonly runner: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  private async run(rule: RateLimitRule, client: string, counting: boolean): Promise<RateLimitDecision> {
    assertRule(rule, client);
    const reply = await this.runner.run(
      RATE_LIMIT,
      [`${this.keyPrefix}:rl:${rule.scope}:${client}`],
      [String(rule.windowMs), counting ? "1" : "0"],
    );
    if (Array.isArray(reply) && reply[0] === "full") return { allowed: true, count: 0, retryAfterMs: 0, counted: false };
    if (!Array.isArray(reply) || reply[0] !== "ok") {
      throw new StoreUnavailableError("The secret store gave an unexpected answer to rate-limit");
    }
    const count = Number(reply[1]);
    const ttl = Number(reply[2]);
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(ttl)) {
      throw new StoreUnavailableError("The secret store gave an unexpected answer to rate-limit");
    }
    return decide(count, rule.limit, ttl, counting);
  }

  hit(rule: RateLimitRule, client: string): Promise<RateLimitDecision> {
    return this.run(rule, client, true);
  }

  peek(rule: RateLimitRule, client: string): Promise<RateLimitDecision> {
    return this.run(rule, client, false);
  }
}

/** The limiter that matches a store: in the same Redis (same connection) or in process. */
export function rateLimiterFor(store: SecretStore): RateLimiter {
  if (store instanceof ScriptedStore) return new ScriptedRateLimiter(store.runner, store.keyPrefix);
  return new MemoryRateLimiter();
}
