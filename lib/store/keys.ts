/**
 * Key names and input checks shared by every driver (PROTOCOL.md §5).
 *
 * Guarantees: every key of one secret carries the hash tag `{id}`, so one Lua
 * script may touch them all on Redis Cluster and Upstash; an id or prefix that
 * could break out of that tag is refused before it reaches a key name.
 */
import "server-only";
import { timingSafeEqual } from "node:crypto";
import type { IpPrefix, NewSecret, RevealRequest } from "./types";

/** b64u of 16 bytes (PROTOCOL.md §1). */
const SECRET_ID = /^[A-Za-z0-9_-]{22}$/;
/** b64u of a 32-byte verifier. */
const VERIFIER = /^[A-Za-z0-9_-]{43}$/;
const CIPHERTEXT = /^[A-Za-z0-9_-]+$/;
const IP_HEX = /^[0-9a-f]{32}$/;
/** Braces would move the hash tag; whitespace and colons would blur the key layout. */
const KEY_PREFIX = /^[^{}\s:]{1,64}$/;

/**
 * Entries of refused-address events kept per secret (issue 10 item 3). Repeats from one
 * network coalesce into one entry with a count; past this many entries the oldest
 * `ip_blocked` entry goes. No other event is ever evicted: `created`, `viewed`,
 * `wrong_passphrase` (coalesced likewise) and `burned` are bounded by the secret itself
 * (1 + maxViews + attempts limit + 1), and claim retries record nothing.
 */
/** The most events a request's timeline keeps (PROTOCOL.md §7; its events are bounded by maxResponses). */
export const MAX_EVENTS = 100;
export const MAX_IP_BLOCKED_EVENTS = 20;

export const DEFAULT_KEY_PREFIX = "burnlink";

/**
 * True for a well-formed verifier (43 base64url characters). Anything else never
 * matches a stored verifier: an empty, missing or wrong-length value is refused before
 * any comparison (the empty-token-matches-empty-token bug of Password Pusher's
 * CVE-2026-62382 cannot happen even if a stored field were empty).
 */
export function isVerifier(value: unknown): value is string {
  return typeof value === "string" && VERIFIER.test(value);
}

/**
 * Compares two verifiers in constant time. Verifiers are SHA-512(proof)[0..32]
 * (PROTOCOL.md §1): an attacker who learns from timing how many leading characters of
 * a guess's hash match learns nothing about the proof, since steering a hash prefix
 * needs preimages. The constant-time compare is defence in depth on top of that.
 */
export function sameVerifier(given: string, stored: string): boolean {
  if (!isVerifier(given) || !isVerifier(stored)) return false;
  return timingSafeEqual(Buffer.from(given, "latin1"), Buffer.from(stored, "latin1"));
}

export function isSecretId(id: string): boolean {
  return SECRET_ID.test(id);
}

export function assertKeyPrefix(prefix: string): void {
  if (!KEY_PREFIX.test(prefix)) {
    throw new TypeError("The store key prefix must be 1 to 64 characters without braces, colons or spaces");
  }
}

export function secretKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:secret`;
}

export function metaKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:meta`;
}

/** The claim verifiers of PROTOCOL.md §6: a hash claimVerifier → "claimedAtMs:viewsLeft". */
export function claimsKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:claims`;
}

/**
 * The id tombstone (issue 10 item 10): an empty string whose only content is its name.
 * It outlives the metadata (ID_TOMBSTONE_SECONDS after expiresAt) so that create keeps
 * answering id_taken; it holds no ciphertext, verifier or time.
 */
export function idKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:id`;
}

/**
 * The client address as the allowlist compares it. Anything but 32 lowercase hex
 * digits becomes "", which matches no allowlist entry at all (not even /0): an
 * address the caller could not determine fails closed.
 */
export function normalizeIpHex(ipHex: string): string {
  return IP_HEX.test(ipHex) ? ipHex : "";
}

function isWholeNumber(value: number, min: number): boolean {
  return Number.isSafeInteger(value) && value >= min;
}

function isIpPrefix(prefix: IpPrefix): boolean {
  return IP_HEX.test(prefix.network) && Number.isInteger(prefix.prefixLength) && prefix.prefixLength >= 0 && prefix.prefixLength <= 128;
}

/**
 * Refuses a NewSecret the API layer should never have passed. These are
 * programming errors (TypeError, a 500), not user input errors: the API has
 * validated the request before it calls the store.
 */
export function assertNewSecret(secret: NewSecret): void {
  const problems: string[] = [];
  if (!isSecretId(secret.id)) problems.push("id must be 22 base64url characters");
  if (!CIPHERTEXT.test(secret.ciphertext)) problems.push("ciphertext must be non-empty base64url");
  for (const name of ["accessVerifier", "unlockVerifier", "manageVerifier"] as const) {
    if (!VERIFIER.test(secret[name])) problems.push(`${name} must be 43 base64url characters`);
  }
  if (!isWholeNumber(secret.ttlSeconds, 1)) problems.push("ttlSeconds must be a whole number >= 1");
  if (!isWholeNumber(secret.maxViews, 1)) problems.push("maxViews must be a whole number >= 1");
  if (!isWholeNumber(secret.attemptsLimit, 1)) problems.push("attemptsLimit must be a whole number >= 1");
  if (!isWholeNumber(secret.retentionSeconds, 0)) problems.push("retentionSeconds must be a whole number >= 0");
  if (secret.idTombstoneSeconds !== undefined && !isWholeNumber(secret.idTombstoneSeconds, 0)) {
    problems.push("idTombstoneSeconds must be a whole number >= 0");
  }
  if (!isWholeNumber(secret.nowMs, 0)) problems.push("nowMs must be a whole number of milliseconds");
  if (!secret.allowedPrefixes.every(isIpPrefix)) problems.push("allowedPrefixes must be 32 hex digits with a length 0..128");
  if (secret.allowedIps.length !== secret.allowedPrefixes.length) {
    problems.push("allowedIps and allowedPrefixes must have the same length");
  }
  if (problems.length > 0) throw new TypeError(`Invalid secret for the store: ${problems.join("; ")}`);
}

/**
 * The claim a reveal may use, or undefined: none sent, grace off, or a verifier of the
 * wrong shape (which could never match a recorded one). Throws on a grace that is not a
 * whole number of seconds ≥ 1: a programming error, not user input.
 */
export function claimOf(request: RevealRequest): { verifier: string; graceMs: number } | undefined {
  if (request.claim === undefined || !isVerifier(request.claim.verifier)) return undefined;
  const { graceSeconds } = request.claim;
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 1) {
    throw new TypeError("A reveal claim's graceSeconds must be a whole number >= 1");
  }
  return { verifier: request.claim.verifier, graceMs: graceSeconds * 1000 };
}
