// "Sent from this browser" keeps manage links and collect links and nothing else (issue 12
// §3): a share link, a request link or anything typed must never be put at rest there.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetSentLink, rememberSentLink, sentLinkKind } from "@/components/browser/sent-links";

const KEY = "A".repeat(43);
const MANAGE = `https://burnlink.example/m#m${"B".repeat(22)}${KEY}`;
const COLLECT = `https://burnlink.example/r#c${KEY}`;
const REQUEST = `https://burnlink.example/r#r${KEY}`;
const SHARE = `https://burnlink.example/s#k${KEY}`;

/** A browser's localStorage as the module sees it: a real key-value map, and change events counted. */
let storage: Map<string, string>;
let changes: number;

beforeEach(() => {
  storage = new Map();
  changes = 0;
  Object.assign(globalThis, {
    window: {
      localStorage: {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      },
      dispatchEvent: () => {
        changes += 1;
        return true;
      },
    },
  });
});

afterEach(() => {
  Reflect.deleteProperty(globalThis, "window");
});

const stored = () => JSON.parse(storage.get("burnlink.sent.v1") ?? "[]") as { link: string; kind: string }[];

describe("sentLinkKind", () => {
  it("knows manage links as secrets and collect links as requests", () => {
    expect(sentLinkKind(MANAGE)).toBe("secret");
    expect(sentLinkKind(COLLECT)).toBe("request");
  });

  it("refuses share links, request links and anything else", () => {
    for (const link of [SHARE, REQUEST, "not a url", "https://burnlink.example/m", `https://burnlink.example/r#k${KEY}`]) {
      expect(sentLinkKind(link), link).toBeNull();
    }
  });
});

describe("rememberSentLink", () => {
  it("keeps manage and collect links, newest first, each once", () => {
    rememberSentLink(MANAGE);
    rememberSentLink(COLLECT);
    rememberSentLink(MANAGE);
    expect(stored().map((entry) => [entry.kind, entry.link])).toEqual([
      ["secret", MANAGE],
      ["request", COLLECT],
    ]);
    expect(changes).toBe(3);
  });

  it("throws for a share or request link and stores nothing", () => {
    expect(() => rememberSentLink(SHARE)).toThrow(/Only manage and collect links/);
    expect(() => rememberSentLink(REQUEST)).toThrow(/Only manage and collect links/);
    expect(storage.size).toBe(0);
  });

  it("reads the entries of builds before requests (manageLink) and drops entries that are not ours", () => {
    storage.set(
      "burnlink.sent.v1",
      JSON.stringify([
        { manageLink: MANAGE, savedAt: "2026-01-01T12:00:00.000Z" },
        { link: SHARE, savedAt: "2026-01-01T12:00:00.000Z" },
        { link: 42, savedAt: "x" },
      ]),
    );
    rememberSentLink(COLLECT);
    expect(stored().map((entry) => entry.link)).toEqual([COLLECT, MANAGE]);
    forgetSentLink(MANAGE);
    expect(stored().map((entry) => entry.link)).toEqual([COLLECT]);
  });
});
