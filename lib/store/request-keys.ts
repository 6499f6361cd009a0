/**
 * Key names and input checks for requests (PROTOCOL.md §7 storage), shared by every driver.
 *
 * Guarantees: every key of one request carries the hash tag `{rid}`, so one Lua script may
 * touch them all on Redis Cluster and Upstash; a rid that could break out of that tag, or a
 * NewRequest the API should never have passed, is refused before it reaches a key name.
 */
import "server-only";
import { isSecretId, isVerifier } from "./keys";
import type { NewRequest, NewResponse } from "./request-types";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `<prefix>:{rid}:request`, `:responses` and `:delivered`, in the order the scripts take them. */
export function requestKeys(prefix: string, id: string): [string, string, string] {
  return [
    `${prefix}:{${id}}:request`,
    `${prefix}:{${id}}:responses`,
    `${prefix}:{${id}}:delivered`,
  ];
}

/** b64u of a 32-byte X25519 public key (43 characters, the same shape as a verifier). */
export function isPublicKeyText(value: unknown): value is string {
  return isVerifier(value);
}

export function isBase64urlText(value: unknown): value is string {
  return typeof value === "string" && BASE64URL.test(value);
}

function isWholeNumber(value: number, min: number): boolean {
  return Number.isSafeInteger(value) && value >= min;
}

/**
 * Refuses a NewRequest the API layer should never have passed: a programming error
 * (TypeError, a 500), not a user input error.
 */
export function assertNewRequest(request: NewRequest): void {
  const problems: string[] = [];
  if (!isSecretId(request.id)) problems.push("id must be 22 base64url characters");
  if (!isVerifier(request.writeVerifier))
    problems.push("writeVerifier must be 43 base64url characters");
  if (!isVerifier(request.collectVerifier))
    problems.push("collectVerifier must be 43 base64url characters");
  if (request.label !== undefined && !isBase64urlText(request.label))
    problems.push("label must be non-empty base64url");
  if (!isWholeNumber(request.ttlSeconds, 1))
    problems.push("ttlSeconds must be a whole number >= 1");
  if (!isWholeNumber(request.maxResponses, 1))
    problems.push("maxResponses must be a whole number >= 1");
  if (!isWholeNumber(request.collectWindowSeconds, 0))
    problems.push("collectWindowSeconds must be a whole number >= 0");
  if (!isWholeNumber(request.retentionSeconds, 0))
    problems.push("retentionSeconds must be a whole number >= 0");
  if (!isWholeNumber(request.nowMs, 0))
    problems.push("nowMs must be a whole number of milliseconds");
  if (problems.length > 0)
    throw new TypeError(`Invalid request for the store: ${problems.join("; ")}`);
}

/** The epk and ciphertext of a response, as the API validated them; anything else is a TypeError. */
export function assertResponseShape(response: NewResponse): void {
  if (!isPublicKeyText(response.epk) || !isBase64urlText(response.ciphertext)) {
    throw new TypeError(
      "Invalid response for the store: epk must be 43 and ciphertext non-empty base64url characters",
    );
  }
}
