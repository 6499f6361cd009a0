/**
 * The error classes of lib/crypto. Every failure this module reports on purpose is a
 * BurnlinkCryptoError, so callers can tell "this link or ciphertext is bad" (show the
 * message to the user) from a bug (anything else). Messages never contain key material,
 * proofs or plaintext: they may end up in a log or on screen.
 * Runs in the browser and Node.
 */

/** Base class of every error lib/crypto throws deliberately. */
export class BurnlinkCryptoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BurnlinkCryptoError";
  }
}

/** Bad base64url or UTF-8 text, or bytes of the wrong length where an exact length is required. */
export class EncodingError extends BurnlinkCryptoError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EncodingError";
  }
}

/**
 * Why a link was refused (PROTOCOL.md §2), for callers that want to react differently
 * than by showing `message` (for example a manage link pasted into the share page).
 */
export type LinkFormatReason =
  | "empty"
  | "whitespace"
  | "not_a_url"
  | "wrong_page"
  | "query"
  | "wrong_kind"
  | "invalid_characters"
  | "truncated"
  | "too_long"
  | "altered";

/** A share or manage link of any shape other than PROTOCOL.md §2's. `message` is meant for users. */
export class LinkFormatError extends BurnlinkCryptoError {
  readonly reason: LinkFormatReason;

  constructor(reason: LinkFormatReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LinkFormatError";
    this.reason = reason;
  }
}

/** Content that cannot be encoded, or decrypted bytes that are not a valid v1 envelope (PROTOCOL.md §3). */
export class EnvelopeError extends BurnlinkCryptoError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EnvelopeError";
  }
}

/** A ciphertext that does not open with the given key: wrong key, damaged or truncated data. */
export class DecryptError extends BurnlinkCryptoError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DecryptError";
  }
}

/**
 * A key, nonce, salt or proof of the wrong length handed in by the caller. This is a
 * programming error, not bad user input: links and ciphertexts are checked by their parsers
 * (LinkFormatError, EncodingError, DecryptError) before any key reaches these functions.
 */
export class KeyLengthError extends BurnlinkCryptoError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyLengthError";
  }
}
