import { useSyncExternalStore } from "react";

/**
 * The page's `#fragment`, where Burnlink links carry their keys (PROTOCOL.md §2).
 *
 * The value is cached per path and only refreshed on `hashchange`, so a page that wipes
 * the fragment with `history.replaceState` (which fires no event) keeps rendering what it
 * has, while pasting a link again (which does fire) starts over. The snapshot is an
 * object so that the same link opened twice still counts as a new visit.
 */
export interface LocationHash {
  hash: string;
  visit: number;
}

let cached: (LocationHash & { path: string }) | null = null;
let visits = 0;

function read(): LocationHash {
  const { pathname, hash } = window.location;
  if (cached === null || cached.path !== pathname) cached = { path: pathname, hash, visit: ++visits };
  return cached;
}

function subscribe(onChange: () => void): () => void {
  const handle = () => {
    cached = { path: window.location.pathname, hash: window.location.hash, visit: ++visits };
    onChange();
  };
  window.addEventListener("hashchange", handle);
  return () => window.removeEventListener("hashchange", handle);
}

/** `null` while rendering on the server, which never sees fragments. */
export function useLocationHash(): LocationHash | null {
  return useSyncExternalStore(subscribe, read, () => null);
}

/** Removes the fragment from the address bar and from this history entry. */
export function wipeLocationHash() {
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, "", pathname + search);
}
