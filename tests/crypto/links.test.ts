import { describe, expect, it } from "vitest";

import {
  bytesToBase64url,
  EncodingError,
  formatManageLink,
  formatShareLink,
  KeyLengthError,
  LinkFormatError,
  type LinkFormatReason,
  parseManageFragment,
  parseManageLink,
  parseShareFragment,
  parseShareLink,
  secretIdFromLinkKey,
} from "@/lib/crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const linkKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const manageKey = Uint8Array.from({ length: 32 }, (_, i) => (i * 53 + 7) & 0xff);
const key = bytesToBase64url(linkKey);
const mkey = bytesToBase64url(manageKey);
const id = secretIdFromLinkKey(linkKey);

/** Same length and alphabet, but with low bits set that a canonical encoder leaves zero. */
function withStrayBits(text: string): string {
  const last = ALPHABET.indexOf(text.at(-1)!);
  return text.slice(0, -1) + ALPHABET[last ^ 1];
}

function reasonOf(action: () => unknown): LinkFormatReason | "no error" {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(LinkFormatError);
    expect((error as Error).name).toBe("LinkFormatError");
    return (error as LinkFormatError).reason;
  }
  return "no error";
}

describe("share links", () => {
  it("are the origin, /s#, k or p and 43 characters of K", () => {
    const plain = formatShareLink("https://burnlink.example", linkKey, false);
    const guarded = formatShareLink("https://burnlink.example", linkKey, true);
    expect(plain).toBe(`https://burnlink.example/s#k${key}`);
    expect(guarded).toBe(`https://burnlink.example/s#p${key}`);
    expect(plain.split("#")[1]).toHaveLength(44);
  });

  it("drop trailing slashes of the origin and keep a base path", () => {
    expect(formatShareLink("https://h.example/", linkKey, false)).toBe(
      `https://h.example/s#k${key}`,
    );
    expect(formatShareLink("https://h.example/app", linkKey, true)).toBe(
      `https://h.example/app/s#p${key}`,
    );
  });

  it("refuse a link key that is not 32 bytes and an origin with # or ?", () => {
    expect(() => formatShareLink("https://h.example", new Uint8Array(31), false)).toThrow(
      KeyLengthError,
    );
    expect(() => formatShareLink("https://h.example/#x", linkKey, false)).toThrow(LinkFormatError);
    expect(() => formatShareLink("https://h.example/?x", linkKey, false)).toThrow(LinkFormatError);
  });

  it("parse back from the fragment with or without its #", () => {
    expect(parseShareFragment(`#k${key}`)).toEqual({ linkKey, needsPassphrase: false });
    expect(parseShareFragment(`p${key}`)).toEqual({ linkKey, needsPassphrase: true });
  });

  it("parse back from the whole link, returning the origin with any base path", () => {
    expect(parseShareLink(`https://burnlink.example/s#p${key}`)).toEqual({
      origin: "https://burnlink.example",
      linkKey,
      needsPassphrase: true,
    });
    expect(parseShareLink(`http://localhost:3000/s#k${key}`).origin).toBe("http://localhost:3000");
    expect(parseShareLink(`https://h.example/tools/burn/s#k${key}`).origin).toBe(
      "https://h.example/tools/burn",
    );
    expect(parseShareLink(`HTTPS://H.Example:443/s#k${key}`).origin).toBe("https://h.example");
  });

  it.each<[string, string, LinkFormatReason]>([
    ["an empty string", "", "empty"],
    ["a lone #", "#", "empty"],
    ["only the kind letter", "#k", "truncated"],
    ["43 characters after #", `#k${key.slice(0, 42)}`, "truncated"],
    ["one character of the key", `#p${key.slice(0, 1)}`, "truncated"],
    ["45 characters after #", `#k${key}A`, "too_long"],
    ["a query appended", `#k${key}?utm_source=mail`, "too_long"],
    ["base64 padding appended", `#k${key}=`, "too_long"],
    ["the key twice", `#k${key}${key}`, "too_long"],
    ["the manage kind letter", `#m${key}`, "wrong_kind"],
    ["an unknown kind letter", `#x${key}`, "wrong_kind"],
    ["an upper-case K", `#K${key}`, "wrong_kind"],
    ["no kind letter", `#${key}`, "wrong_kind"],
    ["a second #", `##k${key}`, "wrong_kind"],
    ["a query instead of a fragment", `#?k=${key}`, "wrong_kind"],
    ["standard base64 plus", `#k+${key.slice(1)}`, "invalid_characters"],
    ["standard base64 slash", `#k${key.slice(0, 20)}/${key.slice(21)}`, "invalid_characters"],
    ["a percent escape", `#k%41${key.slice(3)}`, "invalid_characters"],
    ["a look-alike Cyrillic letter", `#k${key.slice(0, 42)}А`, "invalid_characters"],
    ["padding instead of the last character", `#k${key.slice(0, 42)}=`, "invalid_characters"],
    ["a trailing newline", `#k${key}\n`, "whitespace"],
    ["a leading space", ` #k${key}`, "whitespace"],
    ["a space inside", `#k${key.slice(0, 20)} ${key.slice(20)}`, "whitespace"],
    ["a line break inside", `#k${key.slice(0, 20)}\r\n${key.slice(20)}`, "whitespace"],
    ["a tab", `#k\t${key}`, "whitespace"],
    ["a no-break space", `#k${key}\u00A0`, "whitespace"],
    ["stray bits in the last character", `#k${withStrayBits(key)}`, "altered"],
  ])("refuse a fragment with %s", (_name, fragment, reason) => {
    expect(reasonOf(() => parseShareFragment(fragment))).toBe(reason);
  });

  it("refuse a manage fragment with a message that says what it is", () => {
    expect(() => parseShareFragment(`#m${id}${mkey}`)).toThrow(/manage link, not a share link/);
  });

  it("explain a cut-off link in words a user understands", () => {
    expect(() => parseShareFragment(`#k${key.slice(0, 30)}`)).toThrow(
      "This link is incomplete — it may have been cut off when it was copied.",
    );
  });

  it.each<[string, string, LinkFormatReason]>([
    ["an empty string", "", "empty"],
    ["no fragment", "https://burnlink.example/s", "truncated"],
    ["an empty fragment", "https://burnlink.example/s#", "empty"],
    ["a query string", `https://burnlink.example/s?utm_source=x#k${key}`, "query"],
    ["an empty query", `https://burnlink.example/s?#k${key}`, "query"],
    ["not an address", `burnlink.example/s#k${key}`, "not_a_url"],
    ["an ftp address", `ftp://burnlink.example/s#k${key}`, "not_a_url"],
    ["a javascript: address", `javascript:alert(1)//s#k${key}`, "not_a_url"],
    ["a user name", `https://user@burnlink.example/s#k${key}`, "not_a_url"],
    ["the wrong page", `https://burnlink.example/secret#k${key}`, "wrong_page"],
    ["a trailing slash on the page", `https://burnlink.example/s/#k${key}`, "wrong_page"],
    ["the site root", `https://burnlink.example/#k${key}`, "wrong_page"],
    ["the manage page", `https://burnlink.example/m#k${key}`, "wrong_kind"],
    ["a manage link", formatManageLink("https://burnlink.example", id, manageKey), "wrong_kind"],
    ["surrounding whitespace", ` https://burnlink.example/s#k${key} `, "whitespace"],
    [
      "a line break inside",
      `https://burnlink.example/s#k${key.slice(0, 9)}\n${key.slice(9)}`,
      "whitespace",
    ],
    ["a cut-off key", `https://burnlink.example/s#k${key.slice(0, 40)}`, "truncated"],
  ])("refuse a whole link with %s", (_name, url, reason) => {
    expect(reasonOf(() => parseShareLink(url))).toBe(reason);
  });
});

describe("manage links", () => {
  it("are the origin, /m#m, the 22-character id and 43 characters of M", () => {
    const link = formatManageLink("https://burnlink.example", id, manageKey);
    expect(link).toBe(`https://burnlink.example/m#m${id}${mkey}`);
    expect(link.split("#")[1]).toHaveLength(66);
  });

  it("parse back from the fragment and from the whole link", () => {
    expect(parseManageFragment(`#m${id}${mkey}`)).toEqual({ id, manageKey });
    expect(parseManageFragment(`m${id}${mkey}`)).toEqual({ id, manageKey });
    expect(parseManageLink(`https://h.example/app/m#m${id}${mkey}`)).toEqual({
      origin: "https://h.example/app",
      id,
      manageKey,
    });
  });

  it("accept any well-formed id, since the id comes from K and cannot be checked against M", () => {
    const otherId = "AAAAAAAAAAAAAAAAAAAAAA";
    expect(parseManageFragment(`#m${otherId}${mkey}`)).toEqual({ id: otherId, manageKey });
  });

  it("refuse to format with a malformed id or a manage key that is not 32 bytes", () => {
    expect(() => formatManageLink("https://h.example", id.slice(1), manageKey)).toThrow(
      EncodingError,
    );
    expect(() => formatManageLink("https://h.example", withStrayBits(id), manageKey)).toThrow(
      EncodingError,
    );
    expect(() => formatManageLink("https://h.example", id, new Uint8Array(33))).toThrow(
      KeyLengthError,
    );
  });

  it.each<[string, string, LinkFormatReason]>([
    ["an empty string", "", "empty"],
    ["only the kind letter", "#m", "truncated"],
    ["65 characters after #", `#m${id}${mkey.slice(1)}`, "truncated"],
    ["only the id", `#m${id}`, "truncated"],
    ["67 characters after #", `#m${id}${mkey}A`, "too_long"],
    ["a query appended", `#m${id}${mkey}?x=1`, "too_long"],
    ["a share fragment", `#k${key}`, "wrong_kind"],
    ["a passphrase share fragment", `#p${key}`, "wrong_kind"],
    ["no kind letter", `#${id}${mkey}`, "wrong_kind"],
    ["an invalid character in the id", `#m${id.slice(0, 21)}+${mkey}`, "invalid_characters"],
    ["an invalid character in the key", `#m${id}${mkey.slice(0, 42)}/`, "invalid_characters"],
    ["stray bits at the end of the id", `#m${withStrayBits(id)}${mkey}`, "altered"],
    ["stray bits at the end of the key", `#m${id}${withStrayBits(mkey)}`, "altered"],
    ["whitespace", `#m${id} ${mkey}`, "whitespace"],
  ])("refuse a fragment with %s", (_name, fragment, reason) => {
    expect(reasonOf(() => parseManageFragment(fragment))).toBe(reason);
  });

  it("refuse a share fragment with a message that says what it is", () => {
    expect(() => parseManageFragment(`#k${key}`)).toThrow(/share link for the recipient/);
  });

  it.each<[string, string, LinkFormatReason]>([
    ["a share link", formatShareLink("https://burnlink.example", linkKey, false), "wrong_kind"],
    ["a query string", `https://burnlink.example/m?a=b#m${id}${mkey}`, "query"],
    ["the wrong page", `https://burnlink.example/manage#m${id}${mkey}`, "wrong_page"],
    ["no fragment", "https://burnlink.example/m", "truncated"],
  ])("refuse a whole link with %s", (_name, url, reason) => {
    expect(reasonOf(() => parseManageLink(url))).toBe(reason);
  });
});

describe("link parsers", () => {
  it("refuse values that are not strings with a LinkFormatError", () => {
    for (const value of [undefined, null, 42, {}]) {
      expect(reasonOf(() => parseShareFragment(value as unknown as string))).toBe("empty");
      expect(reasonOf(() => parseManageFragment(value as unknown as string))).toBe("empty");
      expect(reasonOf(() => parseShareLink(value as unknown as string))).toBe("empty");
      expect(reasonOf(() => parseManageLink(value as unknown as string))).toBe("empty");
    }
  });
});
