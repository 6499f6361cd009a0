import { useMemo, useSyncExternalStore } from "react";

/**
 * "Sent from this browser": manage links only, kept in localStorage. A manage link can
 * show a secret's status or burn it but never read it (PROTOCOL.md §1: M is independent
 * of K), so keeping it here does not put the secret itself at rest in the browser.
 */
export interface SentLink {
  manageLink: string;
  savedAt: string;
}

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

function parse(raw: string | null): SentLink[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (entry): entry is SentLink =>
        typeof entry === "object" &&
        entry !== null &&
        typeof (entry as SentLink).manageLink === "string" &&
        typeof (entry as SentLink).savedAt === "string",
    );
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

export function rememberSentLink(manageLink: string) {
  const links = parse(readRaw()).filter((entry) => entry.manageLink !== manageLink);
  write([{ manageLink, savedAt: new Date().toISOString() }, ...links]);
}

export function forgetSentLink(manageLink: string) {
  write(parse(readRaw()).filter((entry) => entry.manageLink !== manageLink));
}
