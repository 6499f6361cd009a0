"use client";

import { useEffect, useState } from "react";
import type { SecretStatusResponse } from "@/lib/api/wire";
import { manageToken, parseManageFragment } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatDateTime } from "@/components/browser/format";
import { forgetSentLink, useSentLinks, type SentLink } from "@/components/browser/sent-links";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

const REFRESH_MS = 15_000;

type EntryStatus =
  | { kind: "loading" }
  | { kind: "status"; status: SecretStatusResponse }
  | { kind: "unknown" }
  | { kind: "error" };

function describe(status: EntryStatus): { text: string; tone: string } {
  if (status.kind === "loading") return { text: "Checking…", tone: "text-zinc-600 dark:text-zinc-400" };
  if (status.kind === "unknown") return { text: "No longer on the server", tone: "text-zinc-600 dark:text-zinc-400" };
  if (status.kind === "error") return { text: "Status unavailable right now", tone: "text-amber-800 dark:text-amber-300" };
  const { state, events, viewsLeft, maxViews } = status.status;
  const lastView = events.filter((event) => event.type === "viewed").at(-1);
  switch (state) {
    case "active":
      return lastView
        ? { text: `Viewed at ${formatDateTime(lastView.at)}; ${viewsLeft} of ${maxViews} views left`, tone: "text-sky-800 dark:text-sky-300" }
        : { text: "Waiting to be opened", tone: "text-emerald-800 dark:text-emerald-300" };
    case "viewed":
      return { text: lastView ? `Viewed at ${formatDateTime(lastView.at)}` : "Viewed", tone: "text-sky-800 dark:text-sky-300" };
    case "burned":
      return { text: "Burned", tone: "text-red-800 dark:text-red-300" };
    case "expired":
      return { text: "Expired unopened", tone: "text-zinc-600 dark:text-zinc-400" };
  }
}

function SentEntry({ entry }: { entry: SentLink }) {
  const [status, setStatus] = useState<EntryStatus>({ kind: "loading" });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function refresh() {
      try {
        const { id, manageKey } = parseManageFragment(new URL(entry.manageLink).hash);
        const next = await api.secretStatus(id, manageToken(manageKey));
        if (stopped) return;
        setStatus({ kind: "status", status: next });
        if (next.state === "active") timer = setTimeout(refresh, REFRESH_MS);
      } catch (error) {
        if (stopped) return;
        setStatus(isApiError(error) && error.code === "not_found" ? { kind: "unknown" } : { kind: "error" });
        if (!isApiError(error) || error.code !== "not_found") timer = setTimeout(refresh, REFRESH_MS);
      }
    }
    void refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [entry.manageLink]);

  const { text, tone } = describe(status);
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-1 py-3 text-sm" data-testid="sent-entry">
      <div className="min-w-0 flex-1">
        <p className={`font-medium ${tone}`} data-testid="sent-status">
          {text}
        </p>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">Created {formatDateTime(entry.savedAt)}</p>
      </div>
      {/* A new tab, so a share link still on screen above is not lost by navigating away. */}
      <a
        href={entry.manageLink}
        target="_blank"
        rel="noopener noreferrer"
        aria-label={`Manage the secret created ${formatDateTime(entry.savedAt)} (opens in a new tab)`}
        className="font-semibold text-orange-800 underline-offset-4 hover:underline dark:text-orange-300">
        Manage
      </a>
      <Button variant="ghost" size="sm" onClick={() => forgetSentLink(entry.manageLink)} aria-label={`Remove the secret created ${formatDateTime(entry.savedAt)} from this list`}>
        Remove
      </Button>
    </li>
  );
}

/** Secrets created in this browser, by their manage links, with live status. */
export function SentList() {
  const links = useSentLinks();
  if (!links || links.length === 0) return null;
  return (
    <Card className="mt-8">
      <h2 className="text-lg font-semibold">Sent from this browser</h2>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Only the manage links are kept here (in this browser’s storage), never the secrets or their share links.
      </p>
      <ul className="mt-2 divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="sent-list">
        {links.map((entry) => (
          <SentEntry key={entry.manageLink} entry={entry} />
        ))}
      </ul>
    </Card>
  );
}
