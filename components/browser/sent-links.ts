import { useMemo, useSyncExternalStore } from "react";

/**
 * "Sent from this browser", kept in localStorage: the manage links of secrets and the
 * collect links of requests, nothing else. A manage link can show a secret's status or
 * burn it but never read it (PROTOCOL.md §1: M is independent of K), so keeping it here
 * does not put the secret itself at rest in the browser. A collect link does read the
 * answers to a request (§7), but it is the requester's own and the only way to read them:
 * losing it loses the answers, so issue 12 §3 asks for it to be kept here too. Share and
 * request links, labels and plaintext are never stored.
 */
export interface SentLink {
  /** A manage link (`/m#m…`) or a collect link (`/r#c…`). */
  link: string;
  kind: SentLinkKind;
  savedAt: string;
}

export type SentLinkKind = "secret" | "request";

const STORAGE_KEY = "burnlink.sent.v1";
const CHANGE_EVENT = "burnlink:sent-links";
const MAX_ENTRIES = 50;

function readRaw(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The kind of a saved link, by the page its fragment is for; null for anything else. */
export function sentLinkKind(link: string): SentLinkKind | null {
  try {
    const { pathname, hash } = new URL(link);
    if (pathname.endsWith("/m") && hash.startsWith("#m")) return "secret";
    if (pathname.endsWith("/r") && hash.startsWith("#c")) return "request";
  } catch {
    // Not a URL: not ours.
  }
  return null;
}

/** One stored entry; entries written before requests existed held `manageLink`. */
function entryOf(value: unknown): SentLink | null {
  if (typeof value !== "object" || value === null) return null;
  const entry = value as { link?: unknown; manageLink?: unknown; savedAt?: unknown };
  const link = typeof entry.link === "string" ? entry.link : entry.manageLink;
  if (typeof link !== "string" || typeof entry.savedAt !== "string") return null;
  const kind = sentLinkKind(link);
  return kind === null ? null : { link, kind, savedAt: entry.savedAt };
}

function parse(raw: string | null): SentLink[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.map(entryOf).filter((entry): entry is SentLink => entry !== null);
  } catch {
    return [];
  }
}

function write(links: SentLink[]) {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(links.slice(0, MAX_ENTRIES)));
  } catch {
    // Storage full or disabled (private mode): the list is a convenience, the links were shown.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(CHANGE_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(CHANGE_EVENT, onChange);
  };
}

/** `null` on the server and before hydration. */
export function useSentLinks(): SentLink[] | null {
  const raw = useSyncExternalStore(subscribe, readRaw, () => undefined);
  return useMemo(() => (raw === undefined ? null : parse(raw)), [raw]);
}

/** Saves a manage link or a collect link (anything else is refused, so nothing else is ever stored). */
export function rememberSentLink(link: string) {
  const kind = sentLinkKind(link);
  if (kind === null) throw new Error("Only manage and collect links are kept in this browser.");
  const links = parse(readRaw()).filter((entry) => entry.link !== link);
  write([{ link, kind, savedAt: new Date().toISOString() }, ...links]);
}

export function forgetSentLink(link: string) {
  write(parse(readRaw()).filter((entry) => entry.link !== link));
}
