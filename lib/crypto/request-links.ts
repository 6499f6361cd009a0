/**
 * Request and collect links, PROTOCOL.md §7:
 *   request: <origin>/r#r<b64u(pk)>   (for the responder; 44 characters after #)
 *   collect: <origin>/r#c<b64u(R)>    (for the requester only; 44 characters after #)
 * Guarantees: every parser either returns a key of the right length or throws a
 * LinkFormatError whose message a user can act on, so any other fragment on /r is refused
 * before any request. Runs in the browser and Node; never logs links.
 */
import { bytesToBase64url } from "./encoding";
import { LinkFormatError } from "./errors";
import { assertLength, KEY_BYTES } from "./keys";
import {
  checkBody,
  decodeKeyPart,
  KEY_CHARS,
  normaliseOrigin,
  splitLink,
  stripHash,
} from "./links";

/** Characters after `#` in a request or collect link. */
export const REQUEST_FRAGMENT_CHARS = 1 + KEY_CHARS;

const MESSAGES = {
  collectNotRequest:
    "This is a collect link: it reads the answers to your request. The link to send to the person you ask is the request link.",
  requestNotCollect:
    "This is a request link, for the person who answers. To read the answers, use the collect link you kept when you made the request.",
  shareOnRequestPage:
    "This is a share or manage link for a secret, not a request link: open it on its own page (/s or /m).",
  notRequestPage:
    "This is not a Burnlink request link: the part after # should start with r (request) or c (collect).",
  wrongAddress: "This is not a Burnlink request link: its address should end in /r#….",
} as const;

/** What a `/r` fragment holds: the public key for responders, or R for the requester. */
export type RequestPageFragment =
  { kind: "request"; publicKey: Uint8Array } | { kind: "collect"; collectKey: Uint8Array };

/**
 * Builds a request link, the one the requester hands out (PROTOCOL.md §7).
 * @param origin where the app is served (trailing slashes dropped, a base path kept)
 * @param publicKey pk, 32 bytes
 * @returns `${origin}/r#r…` with 44 characters after `#`
 * @throws KeyLengthError unless pk is 32 bytes; LinkFormatError if origin holds #, ? or spaces
 */
export function formatRequestLink(origin: string, publicKey: Uint8Array): string {
  assertLength("The request's public key", publicKey, KEY_BYTES);
  return `${normaliseOrigin(origin)}/r#r${bytesToBase64url(publicKey)}`;
}

/**
 * Builds a collect link, the one the requester keeps (PROTOCOL.md §7).
 * @param origin as for formatRequestLink
 * @param collectKey R, 32 bytes
 * @returns `${origin}/r#c…` with 44 characters after `#`
 * @throws KeyLengthError unless R is 32 bytes; LinkFormatError if origin holds #, ? or spaces
 */
export function formatCollectLink(origin: string, collectKey: Uint8Array): string {
  assertLength("The collect key", collectKey, KEY_BYTES);
  return `${normaliseOrigin(origin)}/r#c${bytesToBase64url(collectKey)}`;
}

/**
 * Reads the fragment of the `/r` page: either kind, the page decides what to show.
 * @param hash `location.hash`, with or without its leading `#`
 * @returns `{kind: "request", publicKey}` or `{kind: "collect", collectKey}`, 32 bytes each
 * @throws LinkFormatError (with a message for the user and a `reason`) for any other shape
 */
export function parseRequestPageFragment(hash: string): RequestPageFragment {
  const fragment = stripHash(hash);
  const kind = fragment[0];
  if (kind !== "r" && kind !== "c") {
    const message =
      kind === "k" || kind === "p" || kind === "m"
        ? MESSAGES.shareOnRequestPage
        : MESSAGES.notRequestPage;
    throw new LinkFormatError("wrong_kind", message);
  }
  const body = fragment.slice(1);
  checkBody(body, KEY_CHARS);
  const key = decodeKeyPart(body, KEY_BYTES);
  return kind === "r" ? { kind: "request", publicKey: key } : { kind: "collect", collectKey: key };
}

/**
 * Reads the fragment of a request link only (a collect link is refused with its own message).
 * @returns pk, 32 bytes
 * @throws LinkFormatError for any other shape
 */
export function parseRequestFragment(hash: string): { publicKey: Uint8Array } {
  const parsed = parseRequestPageFragment(hash);
  if (parsed.kind !== "request")
    throw new LinkFormatError("wrong_kind", MESSAGES.collectNotRequest);
  return { publicKey: parsed.publicKey };
}

/**
 * Reads the fragment of a collect link only (a request link is refused with its own message).
 * @returns R, 32 bytes
 * @throws LinkFormatError for any other shape
 */
export function parseCollectFragment(hash: string): { collectKey: Uint8Array } {
  const parsed = parseRequestPageFragment(hash);
  if (parsed.kind !== "collect")
    throw new LinkFormatError("wrong_kind", MESSAGES.requestNotCollect);
  return { collectKey: parsed.collectKey };
}

function splitRequestLink(url: string): { origin: string; fragment: string } {
  return splitLink(url, "r", (path) =>
    path.endsWith("/s") || path.endsWith("/m")
      ? new LinkFormatError("wrong_kind", MESSAGES.shareOnRequestPage)
      : new LinkFormatError("wrong_page", MESSAGES.wrongAddress),
  );
}

/**
 * Reads a whole request link, as pasted into the CLI: http(s), no credentials, no query,
 * a path ending in `/r`, fragment `r…`.
 * @returns the origin (with any base path, without `/r`) and pk
 * @throws LinkFormatError for any other shape
 */
export function parseRequestLink(url: string): { origin: string; publicKey: Uint8Array } {
  const { origin, fragment } = splitRequestLink(url);
  return { origin, ...parseRequestFragment(fragment) };
}

/**
 * Reads a whole collect link; same address rules as parseRequestLink, fragment `c…`.
 * @returns the origin and R
 * @throws LinkFormatError for any other shape
 */
export function parseCollectLink(url: string): { origin: string; collectKey: Uint8Array } {
  const { origin, fragment } = splitRequestLink(url);
  return { origin, ...parseCollectFragment(fragment) };
}
