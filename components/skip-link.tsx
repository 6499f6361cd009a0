"use client";

import type { MouseEvent } from "react";

/**
 * "Skip to content" that moves focus without touching the URL: the fragment holds the
 * link's key on the reveal and manage pages, and replacing it with #main used to start a
 * new visit that threw away a revealed secret (issue 10 item 12). Without JavaScript the
 * plain #main jump still works, and there is nothing on those pages to lose.
 */
export function SkipLink({ targetId }: { targetId: string }) {
  function skip(event: MouseEvent<HTMLAnchorElement>) {
    const target = document.getElementById(targetId);
    if (!target) return;
    event.preventDefault();
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }
  return (
    <a
      href={`#${targetId}`}
      onClick={skip}
      className="sr-only rounded-md bg-white px-3 py-2 text-sm font-semibold focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 dark:bg-zinc-900"
    >
      Skip to content
    </a>
  );
}
