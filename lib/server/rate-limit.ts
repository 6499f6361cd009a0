/**
 * The rate limits of issue 4, per client address (lib/server/client-ip.ts decides the
 * address, so a forged X-Forwarded-For under TRUST_PROXY=0 changes nothing here).
 *
 * - create: RATE_LIMIT_CREATE_PER_MINUTE (default 30) on POST /api/secrets;
 * - read: RATE_LIMIT_READ_PER_MINUTE (default 120) on check and reveal together;
 * - manage: RATE_LIMIT_MANAGE_PER_MINUTE (default 60) on status and burn together;
 * - passphrase: RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR (default 20) wrong passphrases per
 *   client over all secrets. Each secret also burns itself after PASSPHRASE_ATTEMPTS
 *   (PROTOCOL.md §4); this one stops a client that holds many links (or many secrets'
 *   worth of attempts) from guessing at scale. It is read before a reveal and counted
 *   after a wrong_passphrase answer, so right passphrases never use it up.
 * 0 turns a limit off. Over a limit: 429 rate_limited with Retry-After in seconds.
 *
 * Counters live where the secrets do (lib/store/rate-limit.ts): in Redis or Upstash, so
 * all instances share them, or in process for the memory store. A store that cannot be
 * reached fails the request closed with 503 store_unavailable: the request needs the
 * store anyway, and failing open would let a flood through exactly when the store is
 * struggling. A full Redis (noeviction) is let through uncounted, see lib/store/rate-limit.ts.
 *
 * Clients are keyed by address: IPv4 by the full address, IPv6 by its /64, because one
 * IPv6 subscriber usually holds a whole /64 and could otherwise rotate through it. An
 * unknown address (no trusted socket address) is one shared bucket.
 */
import "server-only";
import { getRateLimiter, type RateLimiter, type RateLimitRule } from "@/lib/store";
import { ApiFailure } from "@/lib/server/http";
import type { RateLimits, ServerConfig } from "./config";
import { clientAddressOf } from "./client-ip";
import { ipAddressToHex, isIpv4 } from "@/lib/net/ip-address";

export type RateLimitScope = "create" | "read" | "manage" | "passphrase" | "token";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const RULES: Record<RateLimitScope, { windowMs: number; limitOf: (limits: RateLimits) => number }> = {
  create: { windowMs: MINUTE_MS, limitOf: (limits) => limits.createPerMinute },
  read: { windowMs: MINUTE_MS, limitOf: (limits) => limits.readPerMinute },
  manage: { windowMs: MINUTE_MS, limitOf: (limits) => limits.managePerMinute },
  passphrase: { windowMs: HOUR_MS, limitOf: (limits) => limits.wrongPassphrasePerHour },
  token: { windowMs: MINUTE_MS, limitOf: (limits) => limits.tokenCreatePerMinute },
};

type RateLimitConfig = Pick<ServerConfig, "rateLimits" | "trustProxy" | "peerHeaderTrusted" | "auditIp">;

/** The counter name of a client: 32 hex digits (IPv6 cut to its /64), or "unknown". */
export function rateLimitClientOf(headers: Headers, config: RateLimitConfig): string {
  const address = clientAddressOf(headers, config);
  if (!address) return "unknown";
  const hex = ipAddressToHex(address);
  return isIpv4(address) ? hex : `${hex.slice(0, 16)}${"0".repeat(16)}`;
}

function ruleFor(scope: RateLimitScope, config: RateLimitConfig): RateLimitRule | null {
  const { windowMs, limitOf } = RULES[scope];
  const limit = limitOf(config.rateLimits);
  return limit > 0 ? { scope, limit, windowMs } : null;
}

function refusal(retryAfterMs: number, scope: RateLimitScope): ApiFailure {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const message =
    scope === "passphrase"
      ? `Too many wrong passphrases from your network address; try again in ${seconds} s.`
      : `Too many requests; try again in ${seconds} s.`;
  return new ApiFailure("rate_limited", message, {}, { "Retry-After": String(seconds) });
}

/** Counts this request against `scope`; throws 429 rate_limited when over the limit. */
export async function enforceRateLimit(
  scope: Exclude<RateLimitScope, "passphrase" | "token">,
  headers: Headers,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  const rule = ruleFor(scope, config);
  if (!rule) return;
  const decision = await limiter.hit(rule, rateLimitClientOf(headers, config), Date.now());
  if (!decision.allowed) throw refusal(decision.retryAfterMs, scope);
}

/** Before a reveal: 429 when this client has used up its wrong passphrases. Counts nothing. */
export async function enforcePassphraseLimit(
  headers: Headers,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  const rule = ruleFor("passphrase", config);
  if (!rule) return;
  const decision = await limiter.peek(rule, rateLimitClientOf(headers, config), Date.now());
  if (!decision.allowed) throw refusal(decision.retryAfterMs, "passphrase");
}

/**
 * After a wrong_passphrase answer: one more failure for this client. The answer the
 * client gets is still wrong_passphrase (the store has already counted the attempt on the
 * secret); the next reveal is refused once the limit is reached.
 */
export async function countWrongPassphrase(
  headers: Headers,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  const rule = ruleFor("passphrase", config);
  if (!rule) return;
  await limiter.hit(rule, rateLimitClientOf(headers, config), Date.now());
}

/**
 * Creates per API token (RATE_LIMIT_TOKEN_CREATE_PER_MINUTE), on top of the per-address
 * limit: the counter is keyed by the token's kid (as hex, the limiter's key alphabet),
 * never by the token, so a leaked token cannot flood from many addresses.
 */
export async function enforceTokenRateLimit(
  kid: string,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  const rule = ruleFor("token", config);
  if (!rule) return;
  const decision = await limiter.hit(rule, Buffer.from(kid, "latin1").toString("hex"), Date.now());
  if (!decision.allowed) throw refusal(decision.retryAfterMs, "token");
}
