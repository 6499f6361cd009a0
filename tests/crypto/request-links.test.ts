import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  bytesToBase64url,
  formatCollectLink,
  formatRequestLink,
  LinkFormatError,
  parseCollectFragment,
  parseCollectLink,
  parseRequestFragment,
  parseRequestLink,
  parseRequestPageFragment,
} from "@/lib/crypto";

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const b64 = bytesToBase64url(key);

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof LinkFormatError) return error.reason;
    throw error;
  }
  throw new Error("expected a LinkFormatError");
}

describe("request and collect links", () => {
  it("format as /r#r and /r#c with 44 characters after #, keeping a base path", () => {
    expect(formatRequestLink("https://x.example/", key)).toBe(`https://x.example/r#r${b64}`);
    expect(formatCollectLink("https://x.example/app", key)).toBe(`https://x.example/app/r#c${b64}`);
    expect(parseRequestLink(`https://x.example/app/r#r${b64}`)).toEqual({
      origin: "https://x.example/app",
      publicKey: key,
    });
    expect(parseCollectLink(`http://127.0.0.1:3000/r#c${b64}`)).toEqual({
      origin: "http://127.0.0.1:3000",
      collectKey: key,
    });
  });

  it("tell the /r page which kind of fragment it holds", () => {
    expect(parseRequestPageFragment(`#r${b64}`)).toEqual({ kind: "request", publicKey: key });
    expect(parseRequestPageFragment(`c${b64}`)).toEqual({ kind: "collect", collectKey: key });
  });

  it.each([
    ["", "empty"],
    ["#", "empty"],
    [`#r${b64.slice(0, 42)}`, "truncated"],
    [`#r${b64}x`, "too_long"],
    [`#r${b64.slice(0, 42)}!`, "invalid_characters"],
    [`#r ${b64}`, "whitespace"],
    [`#k${b64}`, "wrong_kind"],
    [`#m${b64}`, "wrong_kind"],
    [`#x${b64}`, "wrong_kind"],
    // 43 characters whose last one carries bits that no 32-byte key has.
    [`#r${b64.slice(0, 42)}B`, "altered"],
  ])("refuse the fragment %j as %s before any request", (hash, reason) => {
    expect(reasonOf(() => parseRequestPageFragment(hash))).toBe(reason);
  });

  it("refuse a collect link where a request link belongs and the reverse, saying which is which", () => {
    expect(() => parseRequestFragment(`#c${b64}`)).toThrow(/collect link/);
    expect(() => parseCollectFragment(`#r${b64}`)).toThrow(/request link/);
    expect(() => parseRequestLink(`https://x.example/r#c${b64}`)).toThrow(LinkFormatError);
    expect(() => parseCollectLink(`https://x.example/r#r${b64}`)).toThrow(LinkFormatError);
  });

  it.each([
    [`https://x.example/s#r${b64}`, "wrong_kind"],
    [`https://x.example/m#r${b64}`, "wrong_kind"],
    [`https://x.example/q#r${b64}`, "wrong_page"],
    [`https://x.example/r?x=1#r${b64}`, "query"],
    [`https://u:p@x.example/r#r${b64}`, "not_a_url"],
    [`ftp://x.example/r#r${b64}`, "not_a_url"],
    ["https://x.example/r", "truncated"],
  ])("refuse the whole link %s as %s", (url, reason) => {
    expect(reasonOf(() => parseRequestLink(url))).toBe(reason);
  });

  it("parse back every key they format (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(parseRequestLink(formatRequestLink("https://b.example", bytes)).publicKey).toEqual(
          bytes,
        );
        expect(parseCollectLink(formatCollectLink("https://b.example", bytes)).collectKey).toEqual(
          bytes,
        );
      }),
    );
  });

  it("either parse a fragment to a 32-byte key that formats back to it, or throw LinkFormatError (property)", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const near = fc
      .tuple(
        fc.constantFrom("r", "c", "k", "m", "", "#r", "#c"),
        fc.array(fc.constantFrom(...alphabet.split(""), "=", " ", "+", "/", "é"), {
          minLength: 40,
          maxLength: 46,
        }),
      )
      .map(([kind, chars]) => kind + chars.join(""));
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 60 })), (hash) => {
        let parsed;
        try {
          parsed = parseRequestPageFragment(hash);
        } catch (error) {
          expect(error).toBeInstanceOf(LinkFormatError);
          return;
        }
        const bytes = parsed.kind === "request" ? parsed.publicKey : parsed.collectKey;
        expect(bytes).toHaveLength(32);
        const fragment = hash.startsWith("#") ? hash.slice(1) : hash;
        expect(fragment).toBe(`${parsed.kind === "request" ? "r" : "c"}${bytesToBase64url(bytes)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it("never accept a link whose fragment was changed in one character (property)", () => {
    const link = formatRequestLink("https://b.example", key);
    fc.assert(
      fc.property(
        fc.integer({ min: link.indexOf("#") + 2, max: link.length - 1 }),
        fc.constantFrom(..."Aa0_-"),
        (at, c) => {
          const changed = link.slice(0, at) + c + link.slice(at + 1);
          if (changed === link) return;
          try {
            const parsed = parseRequestLink(changed);
            expect(parsed.publicKey).not.toEqual(key);
          } catch (error) {
            expect(error).toBeInstanceOf(LinkFormatError);
          }
        },
      ),
    );
  });
});
