/**
 * Byte conversions named by direction (bytes ↔ base64url, string ↔ UTF-8).
 * Guarantees: base64url is RFC 4648 §5 without padding, and decoding is canonical, so each
 * byte string has exactly one accepted text form (links and proofs compare as text).
 * UTF-8 is strict both ways: no lone surrogates in, no invalid sequences out.
 * Runs in the browser and Node without Buffer, atob or btoa; never logs its input.
 */
import { EncodingError } from "./errors";

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Character code → 6-bit value, or -1 for characters outside the alphabet. */
const BASE64URL_VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE64URL_ALPHABET.length; i++) {
    table[BASE64URL_ALPHABET.charCodeAt(i)] = i;
  }
  return table;
})();

const utf8Encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text: a secret that starts with one must round-trip.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes bytes as base64url without padding (PROTOCOL.md notation `b64u`).
 * @param bytes any number of bytes
 * @returns ceil(4 · n / 3) characters from A–Z a–z 0–9 - _
 */
export function bytesToBase64url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64URL_ALPHABET[(n >>> 18) & 63]! +
      BASE64URL_ALPHABET[(n >>> 12) & 63]! +
      BASE64URL_ALPHABET[(n >>> 6) & 63]! +
      BASE64URL_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64URL_ALPHABET[(n >>> 18) & 63]! + BASE64URL_ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out +=
      BASE64URL_ALPHABET[(n >>> 18) & 63]! +
      BASE64URL_ALPHABET[(n >>> 12) & 63]! +
      BASE64URL_ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes canonical unpadded base64url. Refuses `=` padding, `+` `/` and every other
 * character outside the alphabet (including whitespace), a length of 4k + 1 characters,
 * and set bits in the unused low bits of the last character, so that two different texts
 * never decode to the same bytes.
 * @param text base64url text
 * @param expectedLength if given, the exact number of decoded bytes required
 * @returns a new Uint8Array of floor(3 · chars / 4) bytes
 * @throws EncodingError on any of the above, or when the length differs from expectedLength
 */
export function base64urlToBytes(text: string, expectedLength?: number): Uint8Array {
  if (typeof text !== "string") {
    throw new EncodingError("Expected base64url text.");
  }
  if (text.length % 4 === 1) {
    throw new EncodingError("Base64url text has an impossible length.");
  }
  const byteLength = Math.floor((text.length * 3) / 4);
  if (expectedLength !== undefined && byteLength !== expectedLength) {
    throw new EncodingError(
      `Expected base64url text of ${expectedLength} bytes, got ${byteLength} bytes.`,
    );
  }
  const out = new Uint8Array(byteLength);
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? BASE64URL_VALUES[code]! : -1;
    if (value < 0) {
      throw new EncodingError("Base64url text contains a character outside A–Z a–z 0–9 - _.");
    }
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  // 2 or 4 bits are left over after the last full byte; a canonical encoder writes zeros there.
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new EncodingError("Base64url text is not canonical (its last character has stray bits).");
  }
  return out;
}

/**
 * Whether a string has no lone UTF-16 surrogate, i.e. has a UTF-8 form. (A loop rather
 * than String.prototype.isWellFormed or a look-behind regex, which older Safari lacks.)
 * @returns true when every surrogate in `text` is part of a pair
 */
export function isWellFormedUnicode(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Encodes a string as UTF-8.
 * @returns a new Uint8Array
 * @throws EncodingError when the string holds a lone UTF-16 surrogate, which has no UTF-8
 *   form (silently replacing it with U+FFFD would change a secret or a passphrase)
 */
export function utf8ToBytes(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new EncodingError("Expected a string.");
  }
  if (!isWellFormedUnicode(text)) {
    throw new EncodingError("Text contains a lone surrogate, which cannot be encoded as UTF-8.");
  }
  return utf8Encoder.encode(text);
}

/**
 * Decodes strict UTF-8 (a leading byte order mark is kept as U+FEFF).
 * @throws EncodingError on any invalid or truncated sequence
 */
export function bytesToUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new EncodingError("Bytes are not valid UTF-8.", { cause: error });
  }
}

/**
 * Concatenates byte arrays (PROTOCOL.md `‖`).
 * @returns a new Uint8Array; the inputs are not modified
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths.
 * @returns true when both hold the same bytes
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
