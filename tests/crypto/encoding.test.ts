import { describe, expect, it } from "vitest";

import {
  base64urlToBytes,
  bytesToBase64url,
  bytesToUtf8,
  concatBytes,
  EncodingError,
  equalBytes,
  isWellFormedUnicode,
  utf8ToBytes,
} from "@/lib/crypto";

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

describe("base64url", () => {
  it("matches Node's base64url encoder for every length from 0 to 64 bytes", () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = allBytes.slice(256 - n);
      const expected = Buffer.from(bytes).toString("base64url");
      expect(bytesToBase64url(bytes)).toBe(expected);
      expect(base64urlToBytes(expected)).toEqual(bytes);
    }
  });

  it("uses - and _ where standard base64 uses + and /", () => {
    expect(bytesToBase64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });

  it("encodes RFC 4648 test strings", () => {
    const cases: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of cases) {
      expect(bytesToBase64url(utf8ToBytes(plain))).toBe(encoded);
      expect(bytesToUtf8(base64urlToBytes(encoded))).toBe(plain);
    }
  });

  it("returns a plain Uint8Array of the expected length when asked for one", () => {
    const decoded = base64urlToBytes("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 32);
    expect(decoded).toBeInstanceOf(Uint8Array);
    expect(decoded.length).toBe(32);
    expect(decoded[31]).toBe(31);
  });

  it.each([
    ["padding", "Zg=="],
    ["a single padding character", "Zm8="],
    ["standard base64 plus", "+w"],
    ["standard base64 slash", "/w"],
    ["a space", "Zm9v Yg"],
    ["a trailing newline", "Zm9\n"],
    ["a leading tab", "\tZm9v"],
    ["a percent escape", "Zm9v%3D"],
    ["a non-ASCII letter", "Zm9é"],
    ["a full-width letter", "Ｚm9v"],
    ["a dot", "Zm9v.g"],
    ["an impossible length of 4k+1 characters", "Zm9vY"],
    ["a lone character", "Z"],
    ["stray bits after one byte", "Zh"],
    ["stray bits after two bytes", "Zm9"],
    [
      "stray bits in the last character of a 32-byte key",
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",
    ],
  ])("refuses text with %s", (_name, text) => {
    expect(() => base64urlToBytes(text)).toThrow(EncodingError);
  });

  it("accepts the canonical neighbour of each non-canonical ending", () => {
    expect(base64urlToBytes("Zg")).toEqual(new Uint8Array([0x66]));
    expect(base64urlToBytes("Zm8")).toEqual(new Uint8Array([0x66, 0x6f]));
  });

  it("refuses text that decodes to the wrong number of bytes", () => {
    const key = bytesToBase64url(new Uint8Array(32));
    expect(() => base64urlToBytes(key, 31)).toThrow(EncodingError);
    expect(() => base64urlToBytes(key, 33)).toThrow(EncodingError);
    expect(() => base64urlToBytes(key.slice(0, 42), 32)).toThrow(EncodingError);
    expect(() => base64urlToBytes(`${key}A`, 32)).toThrow(EncodingError);
    expect(() => base64urlToBytes(`${key}AA`, 32)).toThrow(EncodingError);
    expect(base64urlToBytes(key, 32)).toEqual(new Uint8Array(32));
  });

  it("refuses values that are not strings", () => {
    expect(() => base64urlToBytes(undefined as unknown as string)).toThrow(EncodingError);
    expect(() => base64urlToBytes(42 as unknown as string)).toThrow(EncodingError);
  });
});

describe("UTF-8", () => {
  it("round-trips non-ASCII text, astral characters and a leading byte order mark", () => {
    for (const text of ["", "Ångström ✓", "🔥 burn after reading", "\uFEFFbom first", "a\u0000b"]) {
      expect(bytesToUtf8(utf8ToBytes(text))).toBe(text);
    }
    expect(utf8ToBytes("\uFEFF")).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });

  it("tells well-formed strings from strings with a lone surrogate at any position", () => {
    for (const text of ["", "abc", "\uD83D\uDD25", "a\uD83D\uDD25b\uD83D\uDD25"]) {
      expect(isWellFormedUnicode(text)).toBe(true);
    }
    for (const text of [
      "\uD800",
      "\uDC00",
      "a\uD800",
      "\uDC00\uD800",
      "\uD800\uD800\uDC00x\uDFFF",
    ]) {
      expect(isWellFormedUnicode(text)).toBe(false);
    }
  });

  it("refuses strings with a lone surrogate instead of replacing it with U+FFFD", () => {
    expect(() => utf8ToBytes("\uD800")).toThrow(EncodingError);
    expect(() => utf8ToBytes("a\uDC00b")).toThrow(EncodingError);
    expect(() => utf8ToBytes("\uDBFF\uDBFF\uDC00")).toThrow(EncodingError);
    expect(utf8ToBytes("\uD83D\uDD25")).toEqual(new Uint8Array([0xf0, 0x9f, 0x94, 0xa5]));
  });

  it.each([
    ["a lone continuation byte", [0x80]],
    ["a truncated two-byte sequence", [0xc3]],
    ["an overlong encoding of /", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a byte that never occurs in UTF-8", [0xff]],
  ])("refuses bytes with %s", (_name, bytes) => {
    expect(() => bytesToUtf8(new Uint8Array(bytes))).toThrow(EncodingError);
  });
});

describe("byte helpers", () => {
  it("concatenates in order into a new array without touching the inputs", () => {
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([]);
    const c = new Uint8Array([3]);
    const joined = concatBytes(a, b, c);
    expect(joined).toEqual(new Uint8Array([1, 2, 3]));
    joined[0] = 9;
    expect(a[0]).toBe(1);
    expect(concatBytes()).toEqual(new Uint8Array(0));
  });

  it("compares bytes for equality, including length", () => {
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});
