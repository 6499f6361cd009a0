/**
 * Share and manage links, PROTOCOL.md §2:
 *   share:  <origin>/s#k<b64u(K)>  or  <origin>/s#p<b64u(K)>   (44 characters after #)
 *   manage: <origin>/m#m<b64u(id)><b64u(M)>                    (1 + 22 + 43 characters)
 * Keys live only in the fragment, which browsers never send to a server.
 * Guarantees: every parser either returns keys of the right length or throws a
 * LinkFormatError whose message a user can act on; nothing else is accepted, so a damaged
 * link fails here, before any request. Runs in the browser and Node; never logs links.
 */
import { base64urlToBytes, bytesToBase64url } from "./encoding";
import { LinkFormatError } from "./errors";
import { assertLength, ID_BYTES, ID_CHARS, KEY_BYTES } from "./keys";

/** Characters of b64u(K) or b64u(M). */
export const KEY_CHARS = 43;
/** Characters after `#` in a share link. */
export const SHARE_FRAGMENT_CHARS = 1 + KEY_CHARS;
/** Characters after `#` in a manage link. */
export const MANAGE_FRAGMENT_CHARS = 1 + ID_CHARS + KEY_CHARS;

const BASE64URL_CHARS = /^[A-Za-z0-9_-]*$/;
const WHITESPACE = /\s/;

const MESSAGES = {
  empty: "This link has no key in it — copy the whole link, including everything after the #.",
  whitespace:
    "This link contains spaces or line breaks — copy it again in one piece, without them.",
  invalidCharacters:
    "This link contains characters that never appear in a Burnlink link — it may have been changed when it was copied.",
  truncated: "This link is incomplete — it may have been cut off when it was copied.",
  tooLong:
    "This link is longer than a Burnlink link — something was added to its end when it was copied.",
  altered:
    "This link has been changed — it ends in a character that no Burnlink link ends with. Copy it again from the original.",
  manageNotShare:
    "This is a manage link, not a share link — it shows the secret's status and can burn it, but does not open it.",
  shareNotManage:
    "This is a share link for the recipient, not a manage link — use the manage link you kept when you created the secret.",
  notShare: "This is not a Burnlink share link: the part after # should start with k or p.",
  notManage: "This is not a Burnlink manage link: the part after # should start with m.",
  notUrl: "This is not a web address — paste the whole link, starting with https://.",
  credentials: "This link contains a user name or password, which Burnlink links never do.",
  query:
    "This link has extra text (after a ?) that Burnlink links never have — use the link exactly as it was shared.",
  notSharePage: "This is not a Burnlink share link: its address should end in /s#….",
  notManagePage: "This is not a Burnlink manage link: its address should end in /m#….",
} as const;

/** Result of parseShareFragment. */
export interface ShareFragment {
  /** K, 32 bytes */
  linkKey: Uint8Array;
  /** true for `#p` links: the secret also needs a passphrase */
  needsPassphrase: boolean;
}

/** Result of parseManageFragment. */
export interface ManageFragment {
  /** the secret's id, 22 base64url characters */
  id: string;
  /** M, 32 bytes */
  manageKey: Uint8Array;
}

/** Drops trailing slashes; refuses an origin holding #, ? or spaces. Shared with ./request-links.ts. */
export function normaliseOrigin(origin: string): string {
  if (typeof origin !== "string" || /[#?\s]/.test(origin)) {
    throw new LinkFormatError(
      "not_a_url",
      "The origin must be a base address without #, ? or spaces.",
    );
  }
  return origin.replace(/\/+$/, "");
}

/** The fragment without its `#`; refuses an empty one or one with whitespace. Shared with ./request-links.ts. */
export function stripHash(hash: unknown): string {
  if (typeof hash !== "string" || hash === "" || hash === "#") {
    throw new LinkFormatError("empty", MESSAGES.empty);
  }
  const fragment = hash.startsWith("#") ? hash.slice(1) : hash;
  if (WHITESPACE.test(fragment)) {
    throw new LinkFormatError("whitespace", MESSAGES.whitespace);
  }
  return fragment;
}

/**
 * Checks the characters and length of `body` (the fragment after its kind letter) and
 * reports the most likely cause: junk appended, a copy that was cut short, or a changed link.
 * Shared with ./request-links.ts.
 */
export function checkBody(body: string, expectedChars: number): void {
  if (body.length > expectedChars && BASE64URL_CHARS.test(body.slice(0, expectedChars))) {
    throw new LinkFormatError("too_long", MESSAGES.tooLong);
  }
  if (!BASE64URL_CHARS.test(body)) {
    throw new LinkFormatError("invalid_characters", MESSAGES.invalidCharacters);
  }
  if (body.length < expectedChars) {
    throw new LinkFormatError("truncated", MESSAGES.truncated);
  }
}

/** Decodes a key part already checked by checkBody. Shared with ./request-links.ts. */
export function decodeKeyPart(text: string, bytes: number): Uint8Array {
  try {
    return base64urlToBytes(text, bytes);
  } catch (error) {
    // Right length and alphabet, so the only possible fault is non-canonical trailing bits.
    throw new LinkFormatError("altered", MESSAGES.altered, { cause: error });
  }
}

/**
 * Builds a share link (PROTOCOL.md §2).
 * @param origin where the app is served, e.g. "https://burnlink.example" (trailing slashes
 *   are dropped; a base path such as "https://host/app" is kept)
 * @param linkKey K, 32 bytes
 * @param needsPassphrase whether the secret was sealed with a passphrase (`#p` rather than `#k`)
 * @returns `${origin}/s#k…` or `${origin}/s#p…`, with 44 characters after `#`
 * @throws KeyLengthError unless K is 32 bytes; LinkFormatError if origin holds #, ? or spaces
 */
export function formatShareLink(
  origin: string,
  linkKey: Uint8Array,
  needsPassphrase: boolean,
): string {
  assertLength("The link key", linkKey, KEY_BYTES);
  return `${normaliseOrigin(origin)}/s#${needsPassphrase ? "p" : "k"}${bytesToBase64url(linkKey)}`;
}

/**
 * Reads the fragment of a share link.
 * @param hash `location.hash`, with or without its leading `#`
 * @returns K (32 bytes) and whether a passphrase is needed
 * @throws LinkFormatError (with a message for the user and a `reason`) for any other shape
 */
export function parseShareFragment(hash: string): ShareFragment {
  const fragment = stripHash(hash);
  const kind = fragment[0];
  if (kind !== "k" && kind !== "p") {
    throw new LinkFormatError(
      "wrong_kind",
      kind === "m" ? MESSAGES.manageNotShare : MESSAGES.notShare,
    );
  }
  const body = fragment.slice(1);
  checkBody(body, KEY_CHARS);
  return { linkKey: decodeKeyPart(body, KEY_BYTES), needsPassphrase: kind === "p" };
}

/**
 * Builds a manage link (PROTOCOL.md §2).
 * @param origin as for formatShareLink
 * @param id the secret's id, 22 base64url characters
 * @param manageKey M, 32 bytes
 * @returns `${origin}/m#m<id><b64u(M)>`, with 66 characters after `#`
 * @throws KeyLengthError unless M is 32 bytes; EncodingError unless id is canonical
 *   base64url of 16 bytes; LinkFormatError if origin holds #, ? or spaces
 */
export function formatManageLink(origin: string, id: string, manageKey: Uint8Array): string {
  assertLength("The manage key", manageKey, KEY_BYTES);
  base64urlToBytes(id, ID_BYTES);
  return `${normaliseOrigin(origin)}/m#m${id}${bytesToBase64url(manageKey)}`;
}

/**
 * Reads the fragment of a manage link. Only the shape is checked: the id cannot be derived
 * from M (it comes from K), so whether they belong together is for the server to say.
 * @param hash `location.hash`, with or without its leading `#`
 * @returns the id (22 characters) and M (32 bytes)
 * @throws LinkFormatError (with a message for the user and a `reason`) for any other shape
 */
export function parseManageFragment(hash: string): ManageFragment {
  const fragment = stripHash(hash);
  const kind = fragment[0];
  if (kind !== "m") {
    throw new LinkFormatError(
      "wrong_kind",
      kind === "k" || kind === "p" ? MESSAGES.shareNotManage : MESSAGES.notManage,
    );
  }
  const body = fragment.slice(1);
  checkBody(body, ID_CHARS + KEY_CHARS);
  const id = body.slice(0, ID_CHARS);
  decodeKeyPart(id, ID_BYTES);
  return { id, manageKey: decodeKeyPart(body.slice(ID_CHARS), KEY_BYTES) };
}

/**
 * Splits a full link into its base address (origin plus any base path) and fragment.
 * `wrongPage` overrides the refusal of a path that does not end in `/${page}` (the
 * request page `/r` has its own wording, ./request-links.ts).
 */
export function splitLink(
  url: string,
  page: "s" | "m" | "r",
  wrongPage?: (path: string) => LinkFormatError,
): { origin: string; fragment: string } {
  if (typeof url !== "string" || url === "") {
    throw new LinkFormatError("empty", MESSAGES.empty);
  }
  if (WHITESPACE.test(url)) {
    throw new LinkFormatError("whitespace", MESSAGES.whitespace);
  }
  const hashAt = url.indexOf("#");
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch (error) {
    throw new LinkFormatError("not_a_url", MESSAGES.notUrl, { cause: error });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new LinkFormatError("not_a_url", MESSAGES.notUrl);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new LinkFormatError("not_a_url", MESSAGES.credentials);
  }
  if (base.includes("?")) {
    throw new LinkFormatError("query", MESSAGES.query);
  }
  const path = parsed.pathname;
  if (!path.endsWith(`/${page}`)) {
    if (wrongPage) throw wrongPage(path);
    const other = page === "s" ? "m" : "s";
    if (path.endsWith(`/${other}`)) {
      throw new LinkFormatError(
        "wrong_kind",
        page === "s" ? MESSAGES.manageNotShare : MESSAGES.shareNotManage,
      );
    }
    throw new LinkFormatError(
      "wrong_page",
      page === "s" ? MESSAGES.notSharePage : MESSAGES.notManagePage,
    );
  }
  if (hashAt === -1) {
    throw new LinkFormatError("truncated", MESSAGES.truncated);
  }
  return { origin: parsed.origin + path.slice(0, -2), fragment: url.slice(hashAt + 1) };
}

/**
 * Reads a whole share link, as pasted into the CLI. The address must be http(s), without
 * credentials or query, with a path ending in `/s`.
 * @param url the link, exactly as shared (surrounding whitespace is refused, not trimmed)
 * @returns the origin (with any base path, without the trailing `/s`), K and the passphrase flag
 * @throws LinkFormatError for any other shape
 */
export function parseShareLink(url: string): ShareFragment & { origin: string } {
  const { origin, fragment } = splitLink(url, "s");
  return { origin, ...parseShareFragment(fragment) };
}

/**
 * Reads a whole manage link. Same address rules as parseShareLink, path ending in `/m`.
 * @param url the link, exactly as shared
 * @returns the origin, the id and M
 * @throws LinkFormatError for any other shape
 */
export function parseManageLink(url: string): ManageFragment & { origin: string } {
  const { origin, fragment } = splitLink(url, "m");
  return { origin, ...parseManageFragment(fragment) };
}
