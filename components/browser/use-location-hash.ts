import { useSyncExternalStore } from "react";

/**
 * The page's `#fragment`, where Burnlink links carry their keys (PROTOCOL.md §2).
 *
 * The value is cached per path and only refreshed on `hashchange`, so a page that wipes
 * the fragment with `history.replaceState` (which fires no event) keeps rendering what it
 * has, while pasting a link again (which does fire) starts over. The snapshot is an
 * object so that the same link opened twice still counts as a new visit.
 *
 * A change to a fragment that is empty or names an element of the page (`#main` from an
 * old skip link, a heading's anchor) is an in-page jump, not a link someone pasted: it is
 * ignored, so it can never start a new visit and throw away what the page shows (issue 10
 * item 12). Anything else is treated as a link, and the parsers explain what is wrong with it.
 */
export interface LocationHash {
  hash: string;
  visit: number;
}

let cached: (LocationHash & { path: string }) | null = null;
let visits = 0;

/** Whether a fragment could be a Burnlink link rather than a jump within the page. */
export function isLinkFragment(hash: string): boolean {
  if (hash === "" || hash === "#") return false;
  let id = hash.slice(1);
  try {
    id = decodeURIComponent(id);
  } catch {
    // Not percent-encoded text: certainly no element's id, so a (broken) link.
  }
  return document.getElementById(id) === null;
}

function read(): LocationHash {
  const { pathname, hash } = window.location;
  if (cached === null || cached.path !== pathname) cached = { path: pathname, hash, visit: ++visits };
  return cached;
}

function subscribe(onChange: () => void): () => void {
  const handle = () => {
    const { pathname, hash } = window.location;
    if (cached !== null && cached.path === pathname && !isLinkFragment(hash)) return;
    cached = { path: pathname, hash, visit: ++visits };
    onChange();
  };
  window.addEventListener("hashchange", handle);
  return () => window.removeEventListener("hashchange", handle);
}

/** `null` while rendering on the server, which never sees fragments. */
export function useLocationHash(): LocationHash | null {
  return useSyncExternalStore(subscribe, read, () => null);
}

/**
 * Removes the fragment from the address bar and from this history entry.
 *
 * The state passed is deliberately not `history.state`: Next's router lets its own
 * (`__NA`) writes through untouched, so that call left the router's canonical URL at
 * `/s#k…` and its next history write (a refresh, any router update) put the key back
 * (issue 10 item 13). Any other state goes through the router's patched `replaceState`,
 * which keeps its internal state and adopts the new URL as canonical.
 */
export function wipeLocationHash() {
  const { pathname, search } = window.location;
  window.history.replaceState(null, "", pathname + search);
}
