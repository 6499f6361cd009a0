/**
 * Key generation and derivation, PROTOCOL.md §1. Every function is deterministic except
 * the two generators, and checks the length of every key it is given.
 * Guarantees: the server-facing values (id, proofs, verifiers) are one-way functions of
 * K, M and the passphrase; nothing here sends, stores or logs key material.
 * Runs in the browser (WebCrypto needs a secure context for passphrases) and Node ≥ 20.
 */
import nacl from "tweetnacl";

import { bytesToBase64url, concatBytes, utf8ToBytes } from "./encoding";
import { BurnlinkCryptoError, KeyLengthError } from "./errors";

/** Length of K, M, P, master, encKey in bytes. */
export const KEY_BYTES = 32;
/** Length of the secret id in bytes (22 base64url characters). */
export const ID_BYTES = 16;
/** Length of the PBKDF2 salt in bytes. */
export const SALT_BYTES = 16;
/** Length of the access, unlock and manage proofs in bytes. */
export const PROOF_BYTES = 32;
/** Length of a verifier (what the server stores) in bytes. */
export const VERIFIER_BYTES = 32;
/** Length of the secretbox nonce in bytes. */
export const NONCE_BYTES = 24;
/** PBKDF2-HMAC-SHA-256 iterations for the passphrase (OWASP 2023 figure). */
export const PBKDF2_ITERATIONS = 600_000;

/** Length of a secret id in base64url characters. */
export const ID_CHARS = 22;

const DERIVE_PREFIX = "burnlink/v1/";

/**
 * Checks a key, nonce, salt or proof handed in by a caller.
 * @param what how to name the value in the message, e.g. "The link key" (never its contents)
 * @param bytes the value to check
 * @param length the required length in bytes
 * @throws KeyLengthError unless `bytes` is a Uint8Array of exactly `length` bytes
 */
export function assertLength(what: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new KeyLengthError(`${what} must be a Uint8Array of ${length} bytes.`);
  }
  if (bytes.length !== length) {
    throw new KeyLengthError(`${what} must be ${length} bytes, got ${bytes.length}.`);
  }
}

/**
 * Domain-separated derivation: `SHA512(utf8("burnlink/v1/" + label) ‖ 0x00 ‖ input)[0..32]`
 * (PROTOCOL.md §1). The 0x00 ends the label, so no (label, input) pair collides with another.
 * @param label a protocol label such as "id" or "access"; must not contain U+0000
 * @param input any bytes
 * @returns 32 new bytes
 * @throws BurnlinkCryptoError if the label is empty or contains U+0000
 */
export function derive(label: string, input: Uint8Array): Uint8Array {
  if (label.length === 0 || label.includes("\u0000")) {
    throw new BurnlinkCryptoError("A derivation label must be non-empty and contain no U+0000.");
  }
  const message = concatBytes(utf8ToBytes(DERIVE_PREFIX + label), new Uint8Array([0]), input);
  return nacl.hash(message).slice(0, 32);
}

/**
 * Makes a new link key K from the CSPRNG.
 * @returns 32 random bytes
 */
export function generateLinkKey(): Uint8Array {
  return nacl.randomBytes(KEY_BYTES);
}

/**
 * Makes a new manage key M from the CSPRNG, independent of K.
 * @returns 32 random bytes
 */
export function generateManageKey(): Uint8Array {
  return nacl.randomBytes(KEY_BYTES);
}

/**
 * The secret's id, `b64u(derive("id", K)[0..16])`. It names the secret to the server; since
 * it is derived, the share link carries no id of its own (PROTOCOL.md §2).
 * @param linkKey K, 32 bytes
 * @returns 22 base64url characters
 * @throws KeyLengthError unless K is 32 bytes
 */
export function secretIdFromLinkKey(linkKey: Uint8Array): string {
  assertLength("The link key", linkKey, KEY_BYTES);
  return bytesToBase64url(derive("id", linkKey).slice(0, ID_BYTES));
}

/**
 * The access proof `derive("access", K)`, which shows the server that the caller holds K.
 * @param linkKey K, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless K is 32 bytes
 */
export function accessProofFromLinkKey(linkKey: Uint8Array): Uint8Array {
  assertLength("The link key", linkKey, KEY_BYTES);
  return derive("access", linkKey);
}

/**
 * The PBKDF2 salt `derive("salt", K)[0..16]`; unique per secret because K is.
 * @param linkKey K, 32 bytes
 * @returns 16 bytes
 * @throws KeyLengthError unless K is 32 bytes
 */
export function saltFromLinkKey(linkKey: Uint8Array): Uint8Array {
  assertLength("The link key", linkKey, KEY_BYTES);
  return derive("salt", linkKey).slice(0, SALT_BYTES);
}

/**
 * The passphrase key P = PBKDF2-HMAC-SHA-256(utf8(NFC(passphrase)), salt, 600 000, 32 bytes)
 * via WebCrypto. NFC first, so "Å" typed as one code point or as A + ring gives the same P.
 * Takes roughly 0.3–1 s.
 * @param passphrase any string without lone surrogates (the empty string is accepted here;
 *   sealSecret and revealProofs treat "" as "no passphrase")
 * @param salt 16 bytes, from saltFromLinkKey
 * @returns a promise of 32 bytes
 * @throws EncodingError if the passphrase holds a lone surrogate; KeyLengthError unless the
 *   salt is 16 bytes; BurnlinkCryptoError when WebCrypto is unavailable (a browser page
 *   served over plain http from a host other than localhost)
 */
export async function passphraseKey(passphrase: string, salt: Uint8Array): Promise<Uint8Array> {
  assertLength("The salt", salt, SALT_BYTES);
  const password = utf8ToBytes(passphrase.normalize("NFC"));
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new BurnlinkCryptoError(
      "This page cannot use passphrases: the browser only allows it over https.",
    );
  }
  const baseKey = await subtle.importKey("raw", password as BufferSource, "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations: PBKDF2_ITERATIONS },
    baseKey,
    KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/**
 * The master key: K itself without a passphrase, `derive("master", K ‖ P)` with one.
 * @param linkKey K, 32 bytes
 * @param passphraseKeyBytes P, 32 bytes, or undefined when the secret has no passphrase
 * @returns 32 new bytes (a copy of K in the first case)
 * @throws KeyLengthError unless K (and P, if given) are 32 bytes
 */
export function masterKey(linkKey: Uint8Array, passphraseKeyBytes?: Uint8Array): Uint8Array {
  assertLength("The link key", linkKey, KEY_BYTES);
  if (passphraseKeyBytes === undefined) return linkKey.slice();
  assertLength("The passphrase key", passphraseKeyBytes, KEY_BYTES);
  return derive("master", concatBytes(linkKey, passphraseKeyBytes));
}

/**
 * The unlock proof `derive("unlock", master)`: shows the server that the caller holds K
 * and, if there is one, the passphrase.
 * @param master 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless master is 32 bytes
 */
export function unlockProofFromMaster(master: Uint8Array): Uint8Array {
  assertLength("The master key", master, KEY_BYTES);
  return derive("unlock", master);
}

/**
 * The secretbox key `derive("enc", master)`. Never leaves the client.
 * @param master 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless master is 32 bytes
 */
export function encryptionKeyFromMaster(master: Uint8Array): Uint8Array {
  assertLength("The master key", master, KEY_BYTES);
  return derive("enc", master);
}

/**
 * The manage proof `derive("manage", M)`, sent as the Bearer token for status and burn.
 * @param manageKey M, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless M is 32 bytes
 */
export function manageProofFromManageKey(manageKey: Uint8Array): Uint8Array {
  assertLength("The manage key", manageKey, KEY_BYTES);
  return derive("manage", manageKey);
}

/**
 * The verifier of a proof, `SHA512(proof)[0..32]`: what the server stores, so a leak of
 * the store reveals no proof that would be accepted.
 * @param proof 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless the proof is 32 bytes
 */
export function verifierOf(proof: Uint8Array): Uint8Array {
  assertLength("The proof", proof, PROOF_BYTES);
  return nacl.hash(proof).slice(0, VERIFIER_BYTES);
}
