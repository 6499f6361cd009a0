/**
 * Reveal claims, PROTOCOL.md §6 (v1.1). A claim is 32 CSPRNG bytes a client makes once per
 * reveal attempt and sends, unchanged, with every retry of that attempt; the server stores
 * only its verifier, so a leak of the store yields no claim that would be accepted.
 * Pure: tweetnacl only; runs in the browser, Node and the CLI. Never logs a claim.
 */
import nacl from "tweetnacl";

import { base64urlToBytes, bytesToBase64url } from "./encoding";
import { VERIFIER_BYTES } from "./keys";

/** Length of a claim in bytes (43 base64url characters). */
export const CLAIM_BYTES = 32;

/**
 * A new claim for one reveal attempt: keep it in memory only, and reuse it for the retries
 * of that attempt (never for another click of Reveal).
 * @returns b64u of 32 random bytes, 43 characters
 */
export function newClaim(): string {
  return bytesToBase64url(nacl.randomBytes(CLAIM_BYTES));
}

/**
 * The claim's verifier `SHA512(claim)[0..32]`, what the server records.
 * @param claim b64u of 32 bytes, 43 characters
 * @returns b64u of 32 bytes, 43 characters
 * @throws EncodingError unless `claim` is canonical base64url of exactly 32 bytes
 */
export function claimVerifier(claim: string): string {
  const bytes = base64urlToBytes(claim, CLAIM_BYTES);
  return bytesToBase64url(nacl.hash(bytes).slice(0, VERIFIER_BYTES));
}
