/**
 * Authenticated encryption of an envelope, PROTOCOL.md §3:
 *   ciphertext = nonce (24 random bytes) ‖ nacl.secretbox(envelope, nonce, encKey)
 * Guarantees: openEnvelope returns the exact sealed bytes or throws DecryptError; it never
 * returns null, "" or unauthenticated bytes. Runs in the browser and Node; never logs keys.
 */
import nacl from "tweetnacl";

import { concatBytes } from "./encoding";
import { DecryptError } from "./errors";
import { assertLength, KEY_BYTES, NONCE_BYTES } from "./keys";

/** Poly1305 tag length of nacl.secretbox in bytes. */
export const BOX_OVERHEAD_BYTES = 16;

/**
 * Encrypts and authenticates an envelope with XSalsa20-Poly1305.
 * @param envelope the padded envelope (any length)
 * @param encKey 32 bytes, from encryptionKeyFromMaster
 * @param nonce 24 bytes; omit it to draw a random one (only tests pass a fixed nonce: a
 *   nonce reused with the same key breaks the encryption)
 * @returns nonce ‖ box, 24 + 16 + envelope.length bytes
 * @throws KeyLengthError unless the key is 32 and the nonce 24 bytes
 */
export function sealEnvelope(
  envelope: Uint8Array,
  encKey: Uint8Array,
  nonce: Uint8Array = nacl.randomBytes(NONCE_BYTES),
): Uint8Array {
  assertLength("The encryption key", encKey, KEY_BYTES);
  assertLength("The nonce", nonce, NONCE_BYTES);
  return concatBytes(nonce, nacl.secretbox(envelope, nonce, encKey));
}

/**
 * Checks and decrypts `nonce ‖ box`.
 * @param ciphertext nonce ‖ box as made by sealEnvelope
 * @param encKey 32 bytes
 * @returns the envelope, ciphertext.length − 40 bytes
 * @throws DecryptError when the ciphertext is shorter than 40 bytes or does not
 *   authenticate under this key (wrong link or passphrase, or damaged data);
 *   KeyLengthError unless the key is 32 bytes
 */
export function openEnvelope(ciphertext: Uint8Array, encKey: Uint8Array): Uint8Array {
  assertLength("The encryption key", encKey, KEY_BYTES);
  if (!(ciphertext instanceof Uint8Array)) {
    throw new DecryptError("The encrypted secret is not bytes.");
  }
  if (ciphertext.length < NONCE_BYTES + BOX_OVERHEAD_BYTES) {
    throw new DecryptError("The encrypted secret is incomplete, so it cannot be decrypted.");
  }
  const opened = nacl.secretbox.open(
    ciphertext.subarray(NONCE_BYTES),
    ciphertext.subarray(0, NONCE_BYTES),
    encKey,
  );
  if (!opened) {
    throw new DecryptError(
      "The secret could not be decrypted: the link or passphrase is wrong, or the data was damaged.",
    );
  }
  return opened;
}

/**
 * The ciphertext size for a padded envelope of n bytes: 24 + 16 + n.
 * @param paddedEnvelopeBytes n, in bytes
 * @returns bytes (before base64url)
 * @throws RangeError unless n is a non-negative safe integer
 */
export function ciphertextSize(paddedEnvelopeBytes: number): number {
  if (!Number.isSafeInteger(paddedEnvelopeBytes) || paddedEnvelopeBytes < 0) {
    throw new RangeError(`The envelope size must be a non-negative safe integer.`);
  }
  return NONCE_BYTES + BOX_OVERHEAD_BYTES + paddedEnvelopeBytes;
}
