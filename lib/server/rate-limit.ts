/**
 * The rate limits, per client address (lib/server/client-ip.ts decides the address, so a
 * forged X-Forwarded-For under TRUST_PROXY=0 changes nothing here). Each request takes
 * from all its buckets in ONE limiter call (lib/store/rate-limit.ts), all or nothing:
 *
 * - create: RATE_LIMIT_CREATE_PER_MINUTE (default 30) on POST /api/secrets, plus the
 *   global RATE_LIMIT_CREATE_BYTES_PER_MINUTE (default 64 MiB) over all clients;
 * - read: RATE_LIMIT_READ_PER_MINUTE (default 120) on check and reveal together;
 * - manage: RATE_LIMIT_MANAGE_PER_MINUTE (default 60) on status; burn: the same number in
 *   a bucket of its own, so a page polling status can never starve a burn (issue 10 item 9);
 * - passphrase: RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR (default 20) wrong passphrases per
 *   client over all secrets. Each secret also burns itself after PASSPHRASE_ATTEMPTS
 *   (PROTOCOL.md §4); this one stops a client that holds many links from guessing at
 *   scale. It is counted BEFORE the reveal, in the same call as the read limit, and given
 *   back when the reveal was not a wrong passphrase: parallel guesses cannot all pass a
 *   check that has not counted them yet (issue 10 item 2). It is a drip bucket: once full
 *   it frees one attempt every hour / N, so other people's failures behind a shared
 *   address close it for minutes, not for the rest of an hour (SECURITY.md).
 * A check, a reveal, a status and a burn take theirs inside their own store call
 * (admissionFor, revealAdmission; lib/store/admission.ts): one script on Redis and Upstash.
 * Every limit also applies per network (IPv4 /24, IPv6 /48), RATE_LIMIT_NETWORK_MULTIPLIER
 * (default 8) times larger: one /48 holds 65,536 /64s (issue 10 item 8).
 * 0 turns a limit off. Over a limit: 429 rate_limited with Retry-After in seconds.
 *
 * Counters live where the secrets do: in Redis or Upstash, so all instances share them,
 * or in process for the memory store. A store that cannot be reached fails the request
 * closed with 503 store_unavailable. A store that is full (Redis at maxmemory with
 * noeviction) cannot count (issue 10 item 1):
 * - a create and a reveal (which holds a passphrase attempt) fail closed: 503 with the
 *   "store is full" message. So while the store is full a right and a wrong passphrase get
 *   the same answer, and nothing can be guessed uncounted;
 * - a check, a status and a burn are let through uncounted. They need no new memory, take
 *   nothing a guesser can use (a 256-bit proof or token decides them, counted or not), and
 *   refusing them would let whoever fills the store also blind every recipient and stop
 *   every creator from burning a leaked secret, exactly when it matters.
 *
 * Clients are keyed by address: IPv4 by the full address, IPv6 by its /64, because one
 * IPv6 subscriber usually holds a whole /64 and could otherwise rotate through it. An
 * unknown address (no trusted socket address) is one shared bucket, with no network.
 */
import "server-only";
import { getRateLimiter, type RateLimitBucket, type RateLimitDecision, type RateLimiter } from "@/lib/store";
import { AdmissionRefusedError, admitThen, type Admission } from "@/lib/store/admission";
import { StoreUnavailableError } from "@/lib/store/types";
import { ApiFailure } from "@/lib/server/http";
import type { RateLimits, ServerConfig } from "./config";
import { clientAddressOf } from "./client-ip";
import { recordRateLimited } from "./metrics";
import { ipAddressToHex, isIpv4 } from "@/lib/net/ip-address";

export type RateLimitScope = "create" | "read" | "manage" | "burn";

/** Bucket name prefixes as metric labels (lib/server/metrics.ts RATE_LIMIT_BUCKETS). */
const METRIC_BUCKET: Record<string, string> = { pass: "passphrase", burn: "manage" };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const LIMIT_OF: Record<RateLimitScope | "passphrase", (limits: RateLimits) => number> = {
  create: (limits) => limits.createPerMinute,
  read: (limits) => limits.readPerMinute,
  manage: (limits) => limits.managePerMinute,
  burn: (limits) => limits.managePerMinute,
  passphrase: (limits) => limits.wrongPassphrasePerHour,
};

/** Short bucket names: `pass` fits the store's key layout next to the request scopes. */
const BUCKET_SCOPE: Record<RateLimitScope | "passphrase", string> = {
  create: "create",
  read: "read",
  manage: "manage",
  burn: "burn",
  passphrase: "pass",
};

/** The message the API gives for a full store (lib/server/http.ts maps it to its 503). */
const FULL = "The store is out of memory (maxmemory reached): the rate limiter cannot count";
const FULL_REVEAL_MESSAGE =
  "The secret store is full and cannot count passphrase attempts right now; try again later.";

type RateLimitConfig = Pick<
  ServerConfig,
  "rateLimits" | "trustProxy" | "peerHeaderTrusted" | "auditIp"
>;

export interface RateLimitClient {
  /** 32 hex digits (IPv6 cut to its /64), or "unknown". */
  address: string;
  /** 32 hex digits of the IPv4 /24 or IPv6 /48; null when the address is unknown. */
  network: string | null;
}

/** Who counts: the address bucket and the network bucket of this request's client. */
export function rateLimitClientOf(headers: Headers, config: RateLimitConfig): RateLimitClient {
  const address = clientAddressOf(headers, config);
  if (!address) return { address: "unknown", network: null };
  const hex = ipAddressToHex(address);
  if (isIpv4(address)) return { address: hex, network: `${hex.slice(0, 30)}00` };
  return {
    address: `${hex.slice(0, 16)}${"0".repeat(16)}`,
    network: `${hex.slice(0, 12)}${"0".repeat(20)}`,
  };
}

/** The hash tag of a client's buckets: per network, so clients spread over cluster slots. */
function groupOf(client: RateLimitClient): string {
  return `rl:${client.network ?? client.address}`;
}

/** Creates share one tag with the global byte budget, which all creates take from. */
const CREATE_GROUP = "rl";

function bucketsFor(
  scope: RateLimitScope | "passphrase",
  client: RateLimitClient,
  limits: RateLimits,
): RateLimitBucket[] {
  const limit = LIMIT_OF[scope](limits);
  if (limit <= 0) return [];
  const windowMs = scope === "passphrase" ? HOUR_MS : MINUTE_MS;
  const shape = scope === "passphrase" ? "drip" : "window";
  const name = BUCKET_SCOPE[scope];
  const buckets: RateLimitBucket[] = [
    { name: `${name}:a:${client.address}`, limit, windowMs, cost: 1, shape },
  ];
  if (client.network && limits.networkMultiplier > 0) {
    buckets.push({
      name: `${name}:n:${client.network}`,
      limit: limit * limits.networkMultiplier,
      windowMs,
      cost: 1,
      shape,
    });
  }
  return buckets;
}

function refusal(retryAfterMs: number, bucket: string): ApiFailure {
  const prefix = bucket.slice(0, bucket.indexOf(":"));
  recordRateLimited(METRIC_BUCKET[prefix] ?? prefix);
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const from = bucket.includes(":n:") ? "your network" : "your network address";
  const message = bucket.startsWith("pass:")
    ? `Too many wrong passphrases from ${from}; try again in ${seconds} s.`
    : bucket.startsWith("create:g:")
      ? `This server takes no more new secrets this minute; try again in ${seconds} s.`
      : `Too many requests; try again in ${seconds} s.`;
  return new ApiFailure("rate_limited", message, {}, { "Retry-After": String(seconds) });
}

/** What a full store means for a request: let it through uncounted, or which 503. */
type WhenFull = "pass" | "create" | "reveal";

/** Throws what a limiter's decision means for the request: 429, a 503, or nothing. */
function settle(decision: RateLimitDecision, whenFull: WhenFull): void {
  if (decision.kind === "refused") throw refusal(decision.retryAfterMs, decision.bucket);
  if (decision.kind !== "full" || whenFull === "pass") return;
  // The same answer whatever the passphrase: the store compared nothing.
  if (whenFull === "reveal") throw new ApiFailure("store_unavailable", FULL_REVEAL_MESSAGE);
  throw new StoreUnavailableError(FULL);
}

async function take(
  limiter: RateLimiter,
  group: string,
  buckets: RateLimitBucket[],
  whenFull: WhenFull,
): Promise<void> {
  if (buckets.length === 0) return;
  settle(await limiter.take(group, buckets, Date.now()), whenFull);
}

export interface CreateCost {
  /** The body size the client declared (Content-Length), or null when it sent none. */
  declaredBytes: number | null;
  /** The create body cap: what a body without Content-Length is charged. */
  maxBodyBytes: number;
}

/**
 * Counts this request against `scope` (and its network, and for a create the global byte
 * budget) in one store call; throws 429 rate_limited when any bucket is full.
 */
export async function enforceRateLimit(
  scope: RateLimitScope,
  headers: Headers,
  config: RateLimitConfig,
  options: { createCost?: CreateCost; limiter?: RateLimiter } = {},
): Promise<void> {
  const client = rateLimitClientOf(headers, config);
  const buckets = bucketsFor(scope, client, config.rateLimits);
  const bytesPerMinute = config.rateLimits.createBytesPerMinute;
  if (scope === "create" && options.createCost && bytesPerMinute > 0) {
    const { declaredBytes, maxBodyBytes } = options.createCost;
    // A declared size over the cap is answered 413 before the body is read: charge what is read at most.
    const cost = Math.max(1, Math.min(declaredBytes ?? maxBodyBytes, maxBodyBytes));
    buckets.push({
      name: "create:g:bytes",
      limit: bytesPerMinute,
      windowMs: MINUTE_MS,
      cost,
      shape: "window",
    });
  }
  const group = scope === "create" ? CREATE_GROUP : groupOf(client);
  await take(
    options.limiter ?? getRateLimiter(),
    group,
    buckets,
    scope === "create" ? "create" : "pass",
  );
}

/** The Content-Length a create declared, for its byte budget; null when absent or not a number. */
export function declaredBodyBytes(headers: Headers): number | null {
  const declared = headers.get("content-length");
  return declared !== null && /^\d{1,15}$/.test(declared.trim()) ? Number(declared) : null;
}

/**
 * One per-minute bucket keyed by a record's id (never by a proof or a token), for limits
 * that follow a credential or a request rather than an address.
 */
async function enforceKeyedLimit(
  kind: "respond" | "token",
  keyHex: string,
  limit: number,
  message: (seconds: number) => string,
  limiter: RateLimiter,
): Promise<void> {
  if (limit <= 0) return;
  const bucket: RateLimitBucket = { name: `${kind}:k:${keyHex}`, limit, windowMs: MINUTE_MS, cost: 1, shape: "window" };
  const decision = await limiter.take(`rl:${keyHex}`, [bucket], Date.now());
  if (decision.kind === "full") throw new StoreUnavailableError(FULL);
  if (decision.kind === "refused") {
    recordRateLimited("other");
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new ApiFailure("rate_limited", message(seconds), {}, { "Retry-After": String(seconds) });
  }
}

/**
 * Before a response is stored (PROTOCOL.md §7): counts it against the request itself, so
 * holders of one request link, from however many addresses, cannot flood it. The route
 * also counts it against the responder's own create budget (enforceRateLimit("create")).
 * Keyed by the rid's 16 bytes in hex; its size is the create limit.
 * @param requestId a rid already checked to be 22 base64url characters
 */
export async function enforceRequestResponseLimit(
  requestId: string,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  await enforceKeyedLimit(
    "respond",
    Buffer.from(requestId, "base64url").toString("hex"),
    config.rateLimits.createPerMinute,
    (seconds) => `This request is receiving too many answers at once; try again in ${seconds} s.`,
    limiter,
  );
}

/**
 * Creates per API token (RATE_LIMIT_TOKEN_CREATE_PER_MINUTE), on top of the per-address
 * limit: keyed by the token's kid as hex, never by the token, so a leaked token cannot
 * flood from many addresses.
 */
export async function enforceTokenRateLimit(
  kid: string,
  config: RateLimitConfig,
  limiter: RateLimiter = getRateLimiter(),
): Promise<void> {
  await enforceKeyedLimit(
    "token",
    Buffer.from(kid, "latin1").toString("hex"),
    config.rateLimits.tokenCreatePerMinute,
    (seconds) => `Too many secrets created with this token; try again in ${seconds} s.`,
    limiter,
  );
}

/**
 * Issue 15 item 3: a check's, a reveal's, a status's and a burn's limits travel with its
 * store call (lib/store/admission.ts), one script on Redis and Upstash instead of two or
 * three. A check, a status and a burn take their scope's bucket and run uncounted when the
 * store is full (admissionFor), as enforceRateLimit does. A reveal, in the same step,
 * counts the read and holds one wrong passphrase, per address and per network; 429 when
 * either is used up. The store keeps the hold when the reveal answers wrong_passphrase and
 * gives it back otherwise, so only wrong passphrases stay counted, and N parallel guesses
 * from one client get at most as many wrong_passphrase answers as it has attempts left:
 * each took its attempt before the store compared anything. A full store fails a reveal
 * closed when passphrases are limited (the same 503 whatever the passphrase).
 */
export function admissionFor(scope: "read" | "manage" | "burn", headers: Headers, config: RateLimitConfig): Admission | undefined {
  const client = rateLimitClientOf(headers, config);
  const buckets = bucketsFor(scope, client, config.rateLimits);
  return buckets.length === 0 ? undefined : { group: groupOf(client), buckets, runWhenFull: true, held: 0 };
}

export function revealAdmission(headers: Headers, config: RateLimitConfig): Admission | undefined {
  const client = rateLimitClientOf(headers, config);
  const passphrase = bucketsFor("passphrase", client, config.rateLimits);
  const buckets = [...bucketsFor("read", client, config.rateLimits), ...passphrase];
  if (buckets.length === 0) return undefined;
  return { group: groupOf(client), buckets, runWhenFull: passphrase.length === 0, held: passphrase.length };
}

/** The admitted store call's result; its refusal answered as the limiter's own call is (429, 503). */
export async function admitted<T>(operation: Promise<T>, admission: Admission | undefined): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (!(error instanceof AdmissionRefusedError)) throw error;
    settle(error.decision, admission?.runWhenFull === false ? "reveal" : "pass");
    throw new StoreUnavailableError(FULL);
  }
}

/**
 * The request's input, parsed before its admitted store call. Input that does not parse
 * never reaches the store, but its admission is still counted, in a limiter call of its
 * own with the same buckets (a reveal's hold given back), so a client over its limit gets
 * 429 for bad input too, as when the limiter ran first.
 */
export async function parsedOrCounted<T>(
  parse: () => Promise<T>,
  admission: Admission | undefined,
  limiter: RateLimiter = getRateLimiter(),
): Promise<T> {
  try {
    return await parse();
  } catch (error) {
    await admitted(admitThen(limiter, admission, async () => "counted", () => "counted"), admission);
    throw error;
  }
}
