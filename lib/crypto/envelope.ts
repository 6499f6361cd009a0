/**
 * The plaintext envelope and its padding, PROTOCOL.md §3:
 *   envelope = u32be(len(header)) ‖ header ‖ file_0 ‖ … ‖ zero padding
 * Guarantees: encodeEnvelope only writes what decodeEnvelope accepts, and decodeEnvelope
 * either returns well-formed content or throws EnvelopeError, whatever the bytes. Every
 * secret under 1 KiB pads to the same 1024 bytes.
 * Runs in the browser and Node; never logs content.
 */
import { bytesToUtf8, isWellFormedUnicode, utf8ToBytes } from "./encoding";
import { EnvelopeError } from "./errors";

/** A file inside a secret. `type` is a media type as the browser reported it (may be ""). */
export interface SecretFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** What a secret holds: text, files, or both. `text: ""` counts as present. */
export interface SecretContent {
  text?: string;
  files?: SecretFile[];
}

/** The only envelope version this code writes and reads. */
export const ENVELOPE_VERSION = 1;
/** Smallest padded envelope in bytes: all secrets shorter than this look alike. */
export const MIN_PADDED_BYTES = 1024;
/** Bytes of the big-endian header length in front of the header. */
export const HEADER_LENGTH_BYTES = 4;

const HEADER_KEYS = new Set(["v", "text", "files"]);
const FILE_KEYS = new Set(["name", "type", "size"]);

/** Number of bits in the binary form of a positive safe integer (floor(log2 n) + 1). */
function bitLength(n: number): number {
  let bits = 0;
  while (2 ** bits <= n) bits++;
  return bits;
}

function assertByteCount(what: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${length}.`);
  }
}

/**
 * Padmé (Nikitin et al., "Reducing metadata leakage from encrypted files", 2019): rounds L
 * up so that only about log2(log2 L) bits of L remain. For L ≥ 2: E = floor(log2 L),
 * S = floor(log2 E) + 1, z = E − S, result = L rounded up to a multiple of 2^z.
 * For L < 2 (where log2 is undefined or 0) the result is L: there is nothing to hide.
 * Computed without 32-bit bitwise operators, so it is exact up to 2^53.
 * @param length L in bytes
 * @returns the padded length in bytes, ≥ L
 * @throws RangeError unless L is a non-negative safe integer
 */
export function padme(length: number): number {
  assertByteCount("The length", length);
  if (length < 2) return length;
  const e = bitLength(length) - 1;
  const s = bitLength(e);
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

/**
 * The padded envelope length `max(1024, padme(L))` (PROTOCOL.md §3).
 * @param length L, the envelope length in bytes without padding
 * @returns bytes
 * @throws RangeError unless L is a non-negative safe integer
 */
export function paddedLength(length: number): number {
  return Math.max(MIN_PADDED_BYTES, padme(length));
}

/** Checks content at run time (callers may be plain JavaScript) and builds the header bytes. */
function encodeHeader(content: SecretContent): { header: Uint8Array; files: SecretFile[] } {
  if (typeof content !== "object" || content === null) {
    throw new EnvelopeError("A secret must be an object with text or files.");
  }
  const { text, files } = content;
  if (text !== undefined && typeof text !== "string") {
    throw new EnvelopeError("The secret's text must be a string.");
  }
  if (files !== undefined && !Array.isArray(files)) {
    throw new EnvelopeError("The secret's files must be a list.");
  }
  const fileList = files ?? [];
  if (text === undefined && fileList.length === 0) {
    throw new EnvelopeError("A secret needs text or at least one file.");
  }
  if (text !== undefined && !isWellFormedUnicode(text)) {
    throw new EnvelopeError("The secret's text contains a lone surrogate (invalid Unicode).");
  }
  const headerFiles = fileList.map((file, index) => {
    if (typeof file !== "object" || file === null) {
      throw new EnvelopeError(`File ${index + 1} is not an object.`);
    }
    if (typeof file.name !== "string" || !isWellFormedUnicode(file.name)) {
      throw new EnvelopeError(`File ${index + 1} needs a name that is valid Unicode text.`);
    }
    if (typeof file.type !== "string" || !isWellFormedUnicode(file.type)) {
      throw new EnvelopeError(`File ${index + 1} needs a type that is valid Unicode text.`);
    }
    if (!(file.bytes instanceof Uint8Array)) {
      throw new EnvelopeError(`File ${index + 1} needs its contents as a Uint8Array.`);
    }
    return { name: file.name, type: file.type, size: file.bytes.length };
  });
  // Fixed key order and no `files: []`, so one content has exactly one encoding.
  const header: { v: number; text?: string; files?: typeof headerFiles } = {
    v: ENVELOPE_VERSION,
  };
  if (text !== undefined) header.text = text;
  if (headerFiles.length > 0) header.files = headerFiles;
  // Every string was checked above, so this cannot meet a lone surrogate.
  const headerBytes = utf8ToBytes(JSON.stringify(header));
  if (headerBytes.length > 0xffffffff) {
    throw new EnvelopeError("The secret's header is too large.");
  }
  return { header: headerBytes, files: fileList };
}

/**
 * The padded envelope size for `content`, without building the envelope, so a caller can
 * check it against the server's limit (ciphertext = 24 + 16 + this) before reading files
 * into one buffer.
 * @returns bytes
 * @throws EnvelopeError on the same content encodeEnvelope refuses
 */
export function envelopeSize(content: SecretContent): number {
  const { header, files } = encodeHeader(content);
  let length = HEADER_LENGTH_BYTES + header.length;
  for (const file of files) length += file.bytes.length;
  return paddedLength(length);
}

/**
 * Builds the padded v1 envelope (PROTOCOL.md §3). Keeps `text` exactly, including "" and a
 * leading U+FEFF; drops an empty `files` list.
 * @param content text, files, or both
 * @returns a new Uint8Array of paddedLength(L) bytes, zero-padded
 * @throws EnvelopeError when there is neither text nor a file, when a field has the wrong
 *   type, or when a string holds a lone surrogate
 */
export function encodeEnvelope(content: SecretContent): Uint8Array {
  const { header, files } = encodeHeader(content);
  let length = HEADER_LENGTH_BYTES + header.length;
  for (const file of files) length += file.bytes.length;
  const out = new Uint8Array(paddedLength(length));
  new DataView(out.buffer).setUint32(0, header.length, false);
  out.set(header, HEADER_LENGTH_BYTES);
  let offset = HEADER_LENGTH_BYTES + header.length;
  for (const file of files) {
    out.set(file.bytes, offset);
    offset += file.bytes.length;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a v1 envelope. Strict: the header must be UTF-8 JSON of an object with `v: 1`, an
 * optional string `text`, an optional non-empty `files` list of `{name, type, size}`
 * (strings, and a non-negative integer size), at least one of text and files, and no other
 * members: v1 is frozen (PROTOCOL.md preamble), so a member this reader does not know
 * means a newer or forged format, and guessing at it could show the wrong thing.
 * Bytes after the last file (the padding) are ignored.
 * @param bytes the decrypted envelope
 * @returns the content; file bytes are copies, not views into `bytes`
 * @throws EnvelopeError on any malformed input
 */
export function decodeEnvelope(bytes: Uint8Array): SecretContent {
  if (!(bytes instanceof Uint8Array)) {
    throw new EnvelopeError("The secret's contents are not bytes.");
  }
  if (bytes.length < HEADER_LENGTH_BYTES) {
    throw new EnvelopeError("The secret's contents are too short to hold a header.");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    0,
    false,
  );
  if (headerLength === 0 || headerLength > bytes.length - HEADER_LENGTH_BYTES) {
    throw new EnvelopeError("The secret's header length is out of bounds.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      bytesToUtf8(bytes.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength)),
    );
  } catch (error) {
    throw new EnvelopeError("The secret's header is not valid UTF-8 JSON.", { cause: error });
  }
  if (!isPlainObject(parsed)) {
    throw new EnvelopeError("The secret's header is not a JSON object.");
  }
  for (const key of Object.keys(parsed)) {
    if (!HEADER_KEYS.has(key)) {
      throw new EnvelopeError("The secret's header has a member this version does not know.");
    }
  }
  if (parsed.v !== ENVELOPE_VERSION) {
    throw new EnvelopeError("The secret was made by an unknown version of Burnlink.");
  }
  const content: SecretContent = {};
  if ("text" in parsed) {
    if (typeof parsed.text !== "string" || !isWellFormedUnicode(parsed.text)) {
      throw new EnvelopeError("The secret's text is not a valid string.");
    }
    content.text = parsed.text;
  }
  let offset = HEADER_LENGTH_BYTES + headerLength;
  if ("files" in parsed) {
    const files = parsed.files;
    if (!Array.isArray(files) || files.length === 0) {
      throw new EnvelopeError("The secret's file list is not a non-empty list.");
    }
    content.files = files.map((entry: unknown, index) => {
      const n = index + 1;
      if (!isPlainObject(entry)) throw new EnvelopeError(`File ${n} is not an object.`);
      for (const key of Object.keys(entry)) {
        if (!FILE_KEYS.has(key)) {
          throw new EnvelopeError(`File ${n} has a member this version does not know.`);
        }
      }
      const { name, type, size } = entry;
      if (typeof name !== "string" || !isWellFormedUnicode(name)) {
        throw new EnvelopeError(`File ${n} has no valid name.`);
      }
      if (typeof type !== "string" || !isWellFormedUnicode(type)) {
        throw new EnvelopeError(`File ${n} has no valid type.`);
      }
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
        throw new EnvelopeError(`File ${n} has no valid size.`);
      }
      if (size > bytes.length - offset) {
        throw new EnvelopeError(`File ${n} runs past the end of the secret.`);
      }
      const fileBytes = bytes.slice(offset, offset + size);
      offset += size;
      return { name, type, bytes: fileBytes };
    });
  }
  if (content.text === undefined && content.files === undefined) {
    throw new EnvelopeError("The secret has neither text nor files.");
  }
  return content;
}
