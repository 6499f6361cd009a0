"use client";

import { useMemo, useState } from "react";
import { parseRequestPageFragment, type RequestPageFragment } from "@/lib/crypto";
import { useLocationHash, type LocationHash } from "@/components/browser/use-location-hash";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { CollectFlow } from "./collect-flow";
import { RespondFlow } from "./respond-flow";

function Loading({ label }: { label: string }) {
  return (
    <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
      {label}
    </p>
  );
}

/** Parses the fragment before anything else: a fragment of any other shape sends no request (PROTOCOL.md §7). */
function RequestFlow({ hash, onDone }: { hash: string; onDone: () => void }) {
  const parsed = useMemo((): { link: RequestPageFragment } | { error: string } => {
    try {
      return { link: parseRequestPageFragment(hash) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : "This link is not valid." };
    }
  }, [hash]);
  if ("error" in parsed && (hash === "" || hash === "#")) {
    // Also what a reload shows after a collect wiped the link from the address bar.
    return (
      <Card>
        <h1 className="text-xl font-bold">No link to open</h1>
        <Notice tone="info" className="mt-4" testId="request-no-link">
          This page opens request links and collect links, and the address holds neither. If you opened answers in this tab, the collect link was removed
          from the address bar afterwards: open it again from “Sent from this browser” on the home page, or from where you kept it.
        </Notice>
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">Nothing was sent to the server.</p>
      </Card>
    );
  }
  if ("error" in parsed) {
    return (
      <Card>
        <h1 className="text-xl font-bold">This link cannot be opened</h1>
        <Notice tone="error" className="mt-4" testId="malformed-link">
          {parsed.error}
        </Notice>
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">Nothing was sent to the server. Ask for the link to be copied again, whole.</p>
      </Card>
    );
  }
  return parsed.link.kind === "request" ? (
    <RespondFlow publicKey={parsed.link.publicKey} onSent={onDone} />
  ) : (
    <CollectFlow collectKey={parsed.link.collectKey} onCollected={onDone} />
  );
}

/**
 * `/r`: answer a request (`#r…`) or collect its answers (`#c…`).
 *
 * Once an answer was sent (its code) or answers were collected, this page is the only
 * place they are shown, so the view is pinned as on /s: a new link pasted into the address
 * bar is offered, and opening it is the reader's choice (issue 10 item 12).
 */
export function RequestPage() {
  const location = useLocationHash();
  const [pinned, setPinned] = useState<LocationHash | null>(null);
  if (!location) return <Loading label="Opening the link…" />;
  const shown = pinned ?? location;
  return (
    <>
      {pinned && location.visit !== pinned.visit ? (
        <Notice tone="info" title="Another link is in the address bar" className="mb-4" testId="new-link-pending">
          <p>What is below stays on screen until you open the new link. Opening it closes this page for good: copy what you need first.</p>
          <Button className="mt-2" onClick={() => setPinned(null)} data-testid="open-new-link">
            Open the new link
          </Button>
        </Notice>
      ) : null}
      <RequestFlow key={shown.visit} hash={shown.hash} onDone={() => setPinned(shown)} />
    </>
  );
}
