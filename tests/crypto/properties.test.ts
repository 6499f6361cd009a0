import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  base64urlToBytes,
  BurnlinkCryptoError,
  bytesToBase64url,
  bytesToUtf8,
  concatBytes,
  DecryptError,
  decodeEnvelope,
  EncodingError,
  encodeEnvelope,
  envelopeSize,
  EnvelopeError,
  formatManageLink,
  formatShareLink,
  isWellFormedUnicode,
  LinkFormatError,
  openEnvelope,
  openSecret,
  padme,
  paddedLength,
  parseManageFragment,
  parseManageLink,
  parseShareFragment,
  parseShareLink,
  utf8ToBytes,
  type SecretContent,
} from "@/lib/crypto";

const encryptionKey = new Uint8Array(32).fill(0x42);

type ErrorClass = new (...args: never[]) => BurnlinkCryptoError;

/** Runs `action`; passes if it returns or throws an instance of one of `allowed`. */
function onlyErrors(allowed: ErrorClass[], action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!allowed.some((errorClass) => error instanceof errorClass)) throw error;
  }
}

/** Any UTF-16 string, lone surrogates included (fc's "binary" unit never makes those). */
const codeUnitString = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 })
  .map((units) => String.fromCharCode(...units));

const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "binary-ascii", maxLength: 80 }),
  codeUnitString,
  fc.stringMatching(/^#?[kpm][A-Za-z0-9_-]{40,70}$/),
);

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const id16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const origin = fc
  .tuple(
    fc.constantFrom("https", "http"),
    fc.domain(),
    fc.array(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { maxLength: 2 }),
  )
  .map(([scheme, host, path]) => `${scheme}://${host}${path.map((p) => `/${p}`).join("")}`);

const secretFile = fc.record({
  name: fc.string({ unit: "binary", maxLength: 30 }),
  type: fc.string({ unit: "binary-ascii", maxLength: 30 }),
  bytes: fc.uint8Array({ maxLength: 3000 }),
});

const content: fc.Arbitrary<SecretContent> = fc
  .record(
    {
      text: fc.string({ unit: "binary", maxLength: 2000 }),
      files: fc.array(secretFile, { maxLength: 4 }),
    },
    { requiredKeys: [] },
  )
  .filter((c) => c.text !== undefined || (c.files?.length ?? 0) > 0);

/** A valid envelope with a few bytes overwritten, truncated or extended. */
const mutatedEnvelope = fc
  .tuple(
    content,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat()),
  )
  .map(([c, edits, cut]) => {
    const bytes = encodeEnvelope(c);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });

/** A length prefix and arbitrary JSON, to get past the first checks of decodeEnvelope. */
const jsonEnvelope = fc
  .tuple(fc.json({ maxDepth: 3 }), fc.uint8Array({ maxLength: 64 }), fc.option(fc.nat()))
  .map(([json, rest, length]) => {
    const header = utf8ToBytes(json);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, length ?? header.length, false);
    return concatBytes(prefix, header, rest);
  });

describe("envelope properties", () => {
  it("decodeEnvelope(encodeEnvelope(c)) gives back c, at the size envelopeSize predicts", () => {
    fc.assert(
      fc.property(content, (c) => {
        const envelope = encodeEnvelope(c);
        expect(envelope.length).toBe(envelopeSize(c));
        expect(envelope.length).toBeGreaterThanOrEqual(1024);
        const expected: SecretContent = {};
        if (c.text !== undefined) expected.text = c.text;
        if (c.files !== undefined && c.files.length > 0) expected.files = c.files;
        expect(decodeEnvelope(envelope)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("decodeEnvelope throws nothing but EnvelopeError on any bytes", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), mutatedEnvelope, jsonEnvelope),
        (bytes) => onlyErrors([EnvelopeError], () => decodeEnvelope(bytes)),
      ),
      { numRuns: 500 },
    );
  });
});

describe("padding properties", () => {
  const length = fc.integer({ min: 0, max: 2 ** 40 });

  it("padme never shrinks, never decreases and is idempotent", () => {
    fc.assert(
      fc.property(length, length, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(padme(lo)).toBeGreaterThanOrEqual(lo);
        expect(padme(lo)).toBeLessThanOrEqual(padme(hi));
        expect(padme(padme(lo))).toBe(padme(lo));
      }),
      { numRuns: 1000 },
    );
  });

  it("padme adds less than L / floor(log2 L) bytes, and paddedLength never goes below 1024", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 40 }), (l) => {
        const e = l.toString(2).length - 1;
        expect((padme(l) - l) * e).toBeLessThan(l);
        expect(paddedLength(l)).toBe(Math.max(1024, padme(l)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("link properties", () => {
  it("share links parse back to the origin, key and passphrase flag they were made from", () => {
    fc.assert(
      fc.property(origin, key32, fc.boolean(), (o, linkKey, needsPassphrase) => {
        const link = formatShareLink(o, linkKey, needsPassphrase);
        expect(link.split("#")[1]).toHaveLength(44);
        expect(parseShareLink(link)).toEqual({ origin: o, linkKey, needsPassphrase });
        expect(parseShareFragment(link.slice(link.indexOf("#")))).toEqual({
          linkKey,
          needsPassphrase,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("manage links parse back to the origin, id and key they were made from", () => {
    fc.assert(
      fc.property(origin, id16, key32, (o, idBytes, manageKey) => {
        const id = bytesToBase64url(idBytes);
        const link = formatManageLink(o, id, manageKey);
        expect(link.split("#")[1]).toHaveLength(66);
        expect(parseManageLink(link)).toEqual({ origin: o, id, manageKey });
      }),
      { numRuns: 300 },
    );
  });

  it("link parsers throw nothing but LinkFormatError, and accept only canonical fragments", () => {
    fc.assert(
      fc.property(anyString, (text) => {
        onlyErrors([LinkFormatError], () => {
          const { linkKey, needsPassphrase } = parseShareFragment(text);
          const canonical = `${needsPassphrase ? "p" : "k"}${bytesToBase64url(linkKey)}`;
          expect(text.replace(/^#/, "")).toBe(canonical);
        });
        onlyErrors([LinkFormatError], () => {
          const { id, manageKey } = parseManageFragment(text);
          expect(text.replace(/^#/, "")).toBe(`m${id}${bytesToBase64url(manageKey)}`);
        });
        onlyErrors([LinkFormatError], () => parseShareLink(`https://h.example/s${text}`));
        onlyErrors([LinkFormatError], () => parseManageLink(`https://h.example/m${text}`));
        onlyErrors([LinkFormatError], () => parseShareLink(text));
        onlyErrors([LinkFormatError], () => parseManageLink(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("a valid link with one character changed either still parses canonically or is refused", () => {
    fc.assert(
      fc.property(key32, fc.nat(), codeUnitString, (linkKey, at, insert) => {
        const fragment = `#k${bytesToBase64url(linkKey)}`;
        const i = at % (fragment.length + 1);
        const edited = fragment.slice(0, i) + insert + fragment.slice(i + 1);
        onlyErrors([LinkFormatError], () => parseShareFragment(edited));
      }),
      { numRuns: 500 },
    );
  });
});

describe("encoding and decryption properties", () => {
  it("base64url round-trips any bytes, and any accepted text is the canonical encoding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), anyString, (bytes, text) => {
        expect(base64urlToBytes(bytesToBase64url(bytes))).toEqual(bytes);
        onlyErrors([EncodingError], () =>
          expect(bytesToBase64url(base64urlToBytes(text))).toBe(text),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("UTF-8 conversion round-trips well-formed strings, agrees with String#isWellFormed and throws only EncodingError", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), codeUnitString, fc.uint8Array(), (s, u, b) => {
        expect(bytesToUtf8(utf8ToBytes(s))).toBe(s);
        onlyErrors([EncodingError], () => utf8ToBytes(u));
        const wellFormed = (u as unknown as { isWellFormed(): boolean }).isWellFormed();
        expect(isWellFormedUnicode(u)).toBe(wellFormed);
        onlyErrors([EncodingError], () => bytesToUtf8(b));
      }),
      { numRuns: 500 },
    );
  });

  it("openEnvelope throws only DecryptError, openSecret only DecryptError or EnvelopeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), anyString, (bytes, text) => {
        onlyErrors([DecryptError], () => openEnvelope(bytes, encryptionKey));
        onlyErrors([DecryptError, EnvelopeError], () => openSecret(text, encryptionKey));
        onlyErrors([DecryptError, EnvelopeError], () =>
          openSecret(bytesToBase64url(bytes), encryptionKey),
        );
      }),
      { numRuns: 500 },
    );
  });
});
