/**
 * The high-level calls the web app and the CLI make (PROTOCOL.md §1–3 put together):
 * seal content into what POST /api/secrets needs, derive the proofs for check and reveal,
 * open a revealed ciphertext, and derive the manage token.
 * Guarantees: only ids, proofs, verifiers and ciphertext are meant to leave the client;
 * the keys returned here belong in links, never in a request body. Runs in the browser
 * and Node; never logs key material.
 */
import { openEnvelope, sealEnvelope } from "./box";
import { base64urlToBytes, bytesToBase64url } from "./encoding";
import { decodeEnvelope, encodeEnvelope, type SecretContent } from "./envelope";
import { DecryptError, EncodingError } from "./errors";
import {
  accessProofFromLinkKey,
  assertLength,
  encryptionKeyFromMaster,
  generateLinkKey,
  generateManageKey,
  KEY_BYTES,
  manageProofFromManageKey,
  masterKey,
  passphraseKey,
  saltFromLinkKey,
  secretIdFromLinkKey,
  unlockProofFromMaster,
  verifierOf,
} from "./keys";

/** Options of sealSecret. Keys and nonce are for tests and vectors; leave them out otherwise. */
export interface SealOptions {
  /** The passphrase; undefined or "" means none (the link then starts `#k`). */
  passphrase?: string;
  /** K, 32 bytes; drawn from the CSPRNG when omitted. */
  linkKey?: Uint8Array;
  /** M, 32 bytes; drawn from the CSPRNG when omitted. */
  manageKey?: Uint8Array;
  /** secretbox nonce, 24 bytes; drawn from the CSPRNG when omitted. Never reuse one. */
  nonce?: Uint8Array;
}

/** Everything the creator needs: keys for the two links, and the body of POST /api/secrets. */
export interface SealedSecret {
  /** K, 32 bytes: goes into the share link only */
  linkKey: Uint8Array;
  /** M, 32 bytes: goes into the manage link only */
  manageKey: Uint8Array;
  /** true when sealed with a passphrase (share link `#p`) */
  needsPassphrase: boolean;
  /** the secret's id, 22 base64url characters */
  id: string;
  /** nonce ‖ box, base64url */
  ciphertext: string;
  /** SHA512(access)[0..32], base64url (43 characters) */
  accessVerifier: string;
  /** SHA512(unlock)[0..32], base64url */
  unlockVerifier: string;
  /** SHA512(manage)[0..32], base64url */
  manageVerifier: string;
}

/** Proofs for check and reveal, and the key that opens the revealed ciphertext. */
export interface RevealProofs {
  /** the secret's id, 22 base64url characters */
  id: string;
  /** access proof, base64url */
  access: string;
  /** unlock proof, base64url */
  unlock: string;
  /** encKey, 32 bytes: stays on the client */
  encryptionKey: Uint8Array;
}

function hasPassphrase(passphrase: string | undefined): passphrase is string {
  return passphrase !== undefined && passphrase !== "";
}

async function masterFor(linkKey: Uint8Array, passphrase: string | undefined): Promise<Uint8Array> {
  if (!hasPassphrase(passphrase)) return masterKey(linkKey);
  return masterKey(linkKey, await passphraseKey(passphrase, saltFromLinkKey(linkKey)));
}

/**
 * Encrypts content for a new secret. With a passphrase this runs PBKDF2 (0.3–1 s).
 * @param content text, files or both
 * @param options passphrase, and fixed keys or nonce for tests
 * @returns keys for the links and the values POST /api/secrets takes
 * @throws EnvelopeError for content encodeEnvelope refuses; EncodingError if the passphrase
 *   holds a lone surrogate; KeyLengthError for fixed keys or nonce of the wrong length
 */
export async function sealSecret(
  content: SecretContent,
  options: SealOptions = {},
): Promise<SealedSecret> {
  const envelope = encodeEnvelope(content);
  const linkKey = options.linkKey ?? generateLinkKey();
  const manageKey = options.manageKey ?? generateManageKey();
  assertLength("The link key", linkKey, KEY_BYTES);
  assertLength("The manage key", manageKey, KEY_BYTES);
  const master = await masterFor(linkKey, options.passphrase);
  const ciphertext = sealEnvelope(envelope, encryptionKeyFromMaster(master), options.nonce);
  return {
    linkKey: linkKey.slice(),
    manageKey: manageKey.slice(),
    needsPassphrase: hasPassphrase(options.passphrase),
    id: secretIdFromLinkKey(linkKey),
    ciphertext: bytesToBase64url(ciphertext),
    accessVerifier: bytesToBase64url(verifierOf(accessProofFromLinkKey(linkKey))),
    unlockVerifier: bytesToBase64url(verifierOf(unlockProofFromMaster(master))),
    manageVerifier: bytesToBase64url(verifierOf(manageProofFromManageKey(manageKey))),
  };
}

/**
 * Derives what POST /api/secrets/{id}/reveal needs, and the key to open the answer. A
 * wrong passphrase is not detected here: the server answers `wrong_passphrase`.
 * @param linkKey K, 32 bytes
 * @param passphrase the passphrase for `#p` links; undefined or "" means none
 * @returns id, access and unlock (base64url) and encKey (32 bytes)
 * @throws KeyLengthError unless K is 32 bytes; EncodingError if the passphrase holds a
 *   lone surrogate
 */
export async function revealProofs(
  linkKey: Uint8Array,
  passphrase?: string,
): Promise<RevealProofs> {
  const master = await masterFor(linkKey, passphrase);
  return {
    id: secretIdFromLinkKey(linkKey),
    access: bytesToBase64url(accessProofFromLinkKey(linkKey)),
    unlock: bytesToBase64url(unlockProofFromMaster(master)),
    encryptionKey: encryptionKeyFromMaster(master),
  };
}

/**
 * Decrypts and decodes a revealed ciphertext.
 * @param ciphertextB64u nonce ‖ box, base64url, as the reveal call returned it
 * @param encryptionKey encKey from revealProofs, 32 bytes
 * @returns the content
 * @throws DecryptError when the text is not canonical base64url or does not open with this
 *   key; EnvelopeError when it opens but is not a valid v1 envelope; KeyLengthError unless
 *   the key is 32 bytes
 */
export function openSecret(ciphertextB64u: string, encryptionKey: Uint8Array): SecretContent {
  assertLength("The encryption key", encryptionKey, KEY_BYTES);
  let ciphertext: Uint8Array;
  try {
    ciphertext = base64urlToBytes(ciphertextB64u);
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new DecryptError("The encrypted secret is damaged (it is not valid base64url).", {
        cause: error,
      });
    }
    throw error;
  }
  return decodeEnvelope(openEnvelope(ciphertext, encryptionKey));
}

/**
 * The manage token for `Authorization: Bearer …` on status and burn.
 * @param manageKey M, 32 bytes
 * @returns base64url of derive("manage", M), 43 characters
 * @throws KeyLengthError unless M is 32 bytes
 */
export function manageToken(manageKey: Uint8Array): string {
  return bytesToBase64url(manageProofFromManageKey(manageKey));
}

/**
 * The id and access proof for POST /api/secrets/{id}/check, which needs no passphrase
 * (so it is synchronous and cheap).
 * @param linkKey K, 32 bytes
 * @returns id (22 characters) and access (base64url, 43 characters)
 * @throws KeyLengthError unless K is 32 bytes
 */
export function accessProof(linkKey: Uint8Array): { id: string; access: string } {
  return {
    id: secretIdFromLinkKey(linkKey),
    access: bytesToBase64url(accessProofFromLinkKey(linkKey)),
  };
}
