import { describe, expect, it } from "vitest";

import {
  concatBytes,
  decodeEnvelope,
  encodeEnvelope,
  envelopeSize,
  EnvelopeError,
  padme,
  paddedLength,
  utf8ToBytes,
  type SecretContent,
} from "@/lib/crypto";

/** PROTOCOL.md §3's padme, literally, in BigInt so no 32-bit shortcut can hide a bug. */
function referencePadme(length: number): number {
  const l = BigInt(length);
  const e = BigInt(length.toString(2).length - 1);
  const s = BigInt(e.toString(2).length);
  const mask = (1n << (e - s)) - 1n;
  return Number((l + mask) & ~mask);
}

/** An envelope with a raw header text, then `rest` (files and padding). */
function rawEnvelope(header: string, rest: number[] = [], headerLength?: number): Uint8Array {
  const headerBytes = utf8ToBytes(header);
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, headerLength ?? headerBytes.length, false);
  return concatBytes(prefix, headerBytes, new Uint8Array(rest), new Uint8Array(1024));
}

const binary = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);

describe("padme and paddedLength", () => {
  it("follow PROTOCOL.md §3's formula for every length from 2 to 70 000", () => {
    const mismatches: number[] = [];
    for (let length = 2; length <= 70_000; length++) {
      if (padme(length) !== referencePadme(length)) mismatches.push(length);
    }
    expect(mismatches).toEqual([]);
  });

  it("match hand-computed values", () => {
    // 9: E=3, S=2, z=1 → even; 1025: E=10, S=4, z=6 → multiple of 64;
    // 100 000: E=16, S=5, z=11 → multiple of 2048.
    expect([padme(9), padme(1024), padme(1025), padme(4095), padme(100_000)]).toEqual([
      10, 1024, 1088, 4096, 100_352,
    ]);
  });

  it("leave 0 and 1 unchanged, where log2 gives no exponent", () => {
    expect(padme(0)).toBe(0);
    expect(padme(1)).toBe(1);
  });

  it("stay exact beyond 32-bit integers", () => {
    expect(padme(2 ** 40 + 1)).toBe(referencePadme(2 ** 40 + 1));
    expect(padme(2 ** 33 + 12_345)).toBe(referencePadme(2 ** 33 + 12_345));
  });

  it("pad everything under 1 KiB to exactly 1024 bytes", () => {
    for (let length = 0; length <= 1024; length++) expect(paddedLength(length)).toBe(1024);
    expect(paddedLength(1025)).toBe(1088);
  });

  it("refuse lengths that are not non-negative integers", () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => padme(bad)).toThrow(RangeError);
      expect(() => paddedLength(bad)).toThrow(RangeError);
    }
  });
});

describe("encodeEnvelope", () => {
  it("writes u32be(header length), the header JSON, the files in order, then zeros", () => {
    const envelope = encodeEnvelope({
      text: "hi",
      files: [
        { name: "a.bin", type: "application/octet-stream", bytes: new Uint8Array([1, 2, 3]) },
        { name: "b", type: "", bytes: new Uint8Array([4]) },
      ],
    });
    const header =
      '{"v":1,"text":"hi","files":[{"name":"a.bin","type":"application/octet-stream","size":3},{"name":"b","type":"","size":1}]}';
    expect(envelope.length).toBe(1024);
    expect(new DataView(envelope.buffer).getUint32(0, false)).toBe(header.length);
    expect(new TextDecoder().decode(envelope.subarray(4, 4 + header.length))).toBe(header);
    const afterHeader = 4 + header.length;
    expect([...envelope.subarray(afterHeader, afterHeader + 4)]).toEqual([1, 2, 3, 4]);
    expect(envelope.subarray(afterHeader + 4).every((byte) => byte === 0)).toBe(true);
  });

  it("round-trips text of every length from 0 to 4096 characters at the padded size", () => {
    for (let n = 0; n <= 4096; n++) {
      const text = "x".repeat(n);
      const envelope = encodeEnvelope({ text });
      const unpadded = 4 + `{"v":1,"text":""}`.length + n;
      expect(envelope.length).toBe(Math.max(1024, padme(unpadded)));
      expect(envelopeSize({ text })).toBe(envelope.length);
      if (unpadded <= 1024) expect(envelope.length).toBe(1024);
      expect(decodeEnvelope(envelope)).toEqual({ text });
    }
  });

  it("round-trips non-ASCII text, JSON-special characters and a leading byte order mark", () => {
    const samples = [
      "Ångström ✓ — naïve café",
      "日本語のテキスト",
      "🔥🗝️ emoji and ZWJ 👩‍👩‍👧",
      'quotes " and backslashes \\ and </script>',
      "line\nbreaks\r\nand\ttabs\u0000nul\u2028\u2029",
      "\uFEFFstarts with a byte order mark",
      "A\u030Angstro\u0308m stays decomposed",
    ];
    for (const text of samples) {
      expect(decodeEnvelope(encodeEnvelope({ text }))).toEqual({ text });
    }
  });

  it("round-trips several files, including empty ones and every byte value", () => {
    const content: SecretContent = {
      text: "see attached",
      files: [
        { name: "empty.txt", type: "text/plain", bytes: new Uint8Array(0) },
        { name: "all-bytes.bin", type: "application/octet-stream", bytes: binary },
        { name: "résumé 📄.pdf", type: "application/pdf", bytes: new Uint8Array(3000).fill(7) },
        { name: "", type: "", bytes: new Uint8Array(0) },
      ],
    };
    const envelope = encodeEnvelope(content);
    expect(envelope.length).toBe(envelopeSize(content));
    expect(envelope.length).toBe(paddedLength(envelope.length - countTrailingZeros(envelope)));
    expect(decodeEnvelope(envelope)).toEqual(content);
  });

  it("round-trips files without text", () => {
    const content = { files: [{ name: "key.pem", type: "", bytes: binary }] };
    expect(decodeEnvelope(encodeEnvelope(content))).toEqual(content);
  });

  it("keeps empty text and drops an empty file list, so each content has one encoding", () => {
    expect(decodeEnvelope(encodeEnvelope({ text: "" }))).toEqual({ text: "" });
    expect(encodeEnvelope({ text: "a", files: [] })).toEqual(encodeEnvelope({ text: "a" }));
  });

  it("returns file bytes that do not alias the envelope", () => {
    const envelope = encodeEnvelope({ files: [{ name: "f", type: "", bytes: binary }] });
    const decoded = decodeEnvelope(envelope);
    envelope.fill(0);
    expect(decoded.files?.[0]?.bytes).toEqual(binary);
  });

  it.each<[string, unknown]>([
    ["neither text nor files", {}],
    ["only an empty file list", { files: [] }],
    ["text that is not a string", { text: 42 }],
    ["files that are not a list", { files: "a.txt" }],
    ["a file that is null", { files: [null] }],
    ["a file without a name", { files: [{ type: "", bytes: new Uint8Array(1) }] }],
    ["a file without a type", { files: [{ name: "a", bytes: new Uint8Array(1) }] }],
    ["file contents that are not bytes", { files: [{ name: "a", type: "", bytes: [1, 2] }] }],
    ["text with a lone surrogate", { text: "broken \uD800" }],
    ["a file name with a lone surrogate", { files: [{ name: "\uDC00", type: "", bytes: binary }] }],
    [
      "a file type with a lone surrogate",
      { files: [{ name: "a", type: "\uD800", bytes: binary }] },
    ],
    ["null instead of content", null],
  ])("refuses content with %s", (_name, content) => {
    expect(() => encodeEnvelope(content as SecretContent)).toThrow(EnvelopeError);
    expect(() => envelopeSize(content as SecretContent)).toThrow(EnvelopeError);
  });
});

function countTrailingZeros(bytes: Uint8Array): number {
  let count = 0;
  while (count < bytes.length && bytes[bytes.length - 1 - count] === 0) count++;
  return count;
}

describe("decodeEnvelope", () => {
  it("ignores whatever follows the last file, zeros or not", () => {
    const envelope = rawEnvelope(
      '{"v":1,"files":[{"name":"a","type":"","size":2}]}',
      [9, 8, 0xff, 0xee],
    );
    expect(decodeEnvelope(envelope)).toEqual({
      files: [{ name: "a", type: "", bytes: new Uint8Array([9, 8]) }],
    });
  });

  it("accepts an unpadded envelope, since padding is the writer's business", () => {
    const header = utf8ToBytes('{"v":1,"text":"t"}');
    const prefix = new Uint8Array([0, 0, 0, header.length]);
    expect(decodeEnvelope(concatBytes(prefix, header))).toEqual({ text: "t" });
  });

  it("accepts a file that ends exactly at the end of the buffer", () => {
    const header = utf8ToBytes('{"v":1,"files":[{"name":"a","type":"","size":2}]}');
    const prefix = new Uint8Array([0, 0, 0, header.length]);
    const envelope = concatBytes(prefix, header, new Uint8Array([5, 6]));
    expect(decodeEnvelope(envelope).files?.[0]?.bytes).toEqual(new Uint8Array([5, 6]));
    expect(() => decodeEnvelope(envelope.subarray(0, envelope.length - 1))).toThrow(EnvelopeError);
  });

  it("reads an envelope that is a view into a larger buffer", () => {
    const envelope = encodeEnvelope({ text: "in the middle" });
    const larger = concatBytes(new Uint8Array(7), envelope);
    expect(decodeEnvelope(larger.subarray(7))).toEqual({ text: "in the middle" });
  });

  it.each([0, 1, 2, 3])("refuses %i bytes, too few for the header length", (length) => {
    expect(() => decodeEnvelope(new Uint8Array(length))).toThrow(EnvelopeError);
  });

  it.each<[string, Uint8Array]>([
    ["a header length of zero", rawEnvelope("", [])],
    ["a header length past the end", rawEnvelope('{"v":1,"text":"x"}', [], 5000)],
    ["a header length of 2^32 − 1", rawEnvelope('{"v":1,"text":"x"}', [], 0xffffffff)],
    ["a header that is not UTF-8", concatBytes(new Uint8Array([0, 0, 0, 2, 0xff, 0xfe]))],
    ["a header that is not JSON", rawEnvelope("{v:1}")],
    ["a header cut inside the JSON", rawEnvelope('{"v":1,"text":"x"}', [], 10)],
    ["a header that is a JSON list", rawEnvelope('[{"v":1,"text":"x"}]')],
    ["a header that is JSON null", rawEnvelope("null")],
    ["a header that is a JSON string", rawEnvelope('"text"')],
    ["a header that is a JSON number", rawEnvelope("1")],
    ["no version", rawEnvelope('{"text":"x"}')],
    ["version 2", rawEnvelope('{"v":2,"text":"x"}')],
    ["version 0", rawEnvelope('{"v":0,"text":"x"}')],
    ['version "1" as a string', rawEnvelope('{"v":"1","text":"x"}')],
    ["version true", rawEnvelope('{"v":true,"text":"x"}')],
    ["an unknown header member", rawEnvelope('{"v":1,"text":"x","html":"<b>x</b>"}')],
    ["a __proto__ header member", rawEnvelope('{"v":1,"text":"x","__proto__":{"files":1}}')],
    ["neither text nor files", rawEnvelope('{"v":1}')],
    ["text that is a number", rawEnvelope('{"v":1,"text":5}')],
    ["text that is null", rawEnvelope('{"v":1,"text":null}')],
    ["text with an escaped lone surrogate", rawEnvelope('{"v":1,"text":"\\ud800"}')],
    ["files that are an object", rawEnvelope('{"v":1,"files":{"name":"a","type":"","size":0}}')],
    ["an empty file list", rawEnvelope('{"v":1,"text":"x","files":[]}')],
    ["files that are null", rawEnvelope('{"v":1,"text":"x","files":null}')],
    ["a file that is null", rawEnvelope('{"v":1,"files":[null]}')],
    ["a file that is a list", rawEnvelope('{"v":1,"files":[["a","",0]]}')],
    [
      "a file with an unknown member",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":0,"path":"/etc"}]}'),
    ],
    ["a file without a name", rawEnvelope('{"v":1,"files":[{"type":"","size":0}]}')],
    [
      "a file whose name is a number",
      rawEnvelope('{"v":1,"files":[{"name":1,"type":"","size":0}]}'),
    ],
    [
      "a file name with a lone surrogate",
      rawEnvelope('{"v":1,"files":[{"name":"\\udc00","type":"","size":0}]}'),
    ],
    ["a file without a type", rawEnvelope('{"v":1,"files":[{"name":"a","size":0}]}')],
    [
      "a file whose type is null",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":null,"size":0}]}'),
    ],
    ["a file without a size", rawEnvelope('{"v":1,"files":[{"name":"a","type":""}]}')],
    ["a negative size", rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":-1}]}')],
    ["a fractional size", rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":1.5}]}')],
    [
      "a size given as a string",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":"1"}]}'),
    ],
    [
      "a size beyond 2^53",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":9007199254740993}]}'),
    ],
    [
      "a size that overflows to infinity",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":1e400}]}'),
    ],
    [
      "a file larger than the envelope",
      rawEnvelope('{"v":1,"files":[{"name":"a","type":"","size":4096}]}'),
    ],
    [
      "a second file that runs past the end",
      rawEnvelope(
        '{"v":1,"files":[{"name":"a","type":"","size":10},{"name":"b","type":"","size":1100}]}',
      ),
    ],
  ])("refuses an envelope with %s", (_name, envelope) => {
    expect(() => decodeEnvelope(envelope)).toThrow(EnvelopeError);
  });

  it("refuses something that is not a byte array", () => {
    expect(() => decodeEnvelope("{}" as unknown as Uint8Array)).toThrow(EnvelopeError);
  });
});
