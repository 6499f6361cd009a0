"use client";

import { useCallback, useRef, useState } from "react";
import type { RequestStatusResponse, SecretStatusResponse } from "@/lib/api/wire";
import { collectLinkProofs, manageToken, parseCollectFragment, parseManageFragment } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatDateTime } from "@/components/browser/format";
import { SENT_LIST_BACKOFF } from "@/components/browser/polling";
import { usePolling, type PollOutcome } from "@/components/browser/use-polling";
import { forgetSentLink, useSentLinks, type SentLink } from "@/components/browser/sent-links";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { describeRequestStatus } from "@/components/request/request-status-text";

type EntryStatus =
  | { kind: "loading" }
  | { kind: "status"; status: SecretStatusResponse }
  | { kind: "request"; status: RequestStatusResponse }
  | { kind: "unknown" }
  | { kind: "error" };

function describe(status: EntryStatus): { text: string; tone: string } {
  if (status.kind === "loading") return { text: "Checking…", tone: "text-zinc-600 dark:text-zinc-400" };
  if (status.kind === "unknown") return { text: "No longer on the server", tone: "text-zinc-600 dark:text-zinc-400" };
  if (status.kind === "error") return { text: "Status unavailable right now", tone: "text-amber-800 dark:text-amber-300" };
  if (status.kind === "request") return describeRequestStatus(status.status);
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
  const row = useRef<HTMLLIElement>(null);
  const seen = useRef<string | null>(null);

  // Polled only while on screen, backing off while nothing changes (issue 10 item 9).
  const poll = useCallback(async (): Promise<PollOutcome> => {
    try {
      let settled: boolean;
      let fingerprint: string;
      if (entry.kind === "request") {
        const { id, collect } = collectLinkProofs(parseCollectFragment(new URL(entry.link).hash).collectKey);
        const next = await api.requestStatus(id, collect);
        setStatus({ kind: "request", status: next });
        fingerprint = JSON.stringify(next);
        // An answered or closed request can still have answers waiting to be collected.
        settled = next.state !== "open" && next.pending === 0;
      } else {
        const { id, manageKey } = parseManageFragment(new URL(entry.link).hash);
        const next = await api.secretStatus(id, manageToken(manageKey));
        setStatus({ kind: "status", status: next });
        fingerprint = JSON.stringify(next);
        settled = next.state !== "active";
      }
      const changed = fingerprint !== seen.current;
      seen.current = fingerprint;
      if (settled) return "stop";
      return changed ? "changed" : "unchanged";
    } catch (error) {
      if (isApiError(error) && error.code === "not_found") {
        setStatus({ kind: "unknown" });
        return "stop";
      }
      setStatus({ kind: "error" });
      return "unchanged";
    }
  }, [entry.link, entry.kind]);
  const polls = usePolling(poll, { backoff: SENT_LIST_BACKOFF, target: row });

  const { text, tone } = describe(status);
  const what = entry.kind === "request" ? "request" : "secret";
  const created = formatDateTime(entry.savedAt);
  return (
    <li ref={row} className="flex flex-wrap items-center gap-x-4 gap-y-1 py-3 text-sm" data-testid="sent-entry" data-kind={entry.kind} data-polls={polls}>
      <div className="min-w-0 flex-1">
        <p className={`font-medium ${tone}`} data-testid="sent-status">
          {text}
        </p>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          {entry.kind === "request" ? "Request made" : "Created"} {created}
        </p>
      </div>
      {/* A new tab, so a share link still on screen above is not lost by navigating away. */}
      <a
        href={entry.link}
        target="_blank"
        rel="noopener noreferrer"
        aria-label={
          entry.kind === "request"
            ? `Collect the answers to the request made ${created} (opens in a new tab)`
            : `Manage the secret created ${created} (opens in a new tab)`
        }
        data-testid={entry.kind === "request" ? "sent-collect" : "sent-manage"}
        className="font-semibold text-orange-800 underline-offset-4 hover:underline dark:text-orange-300">
        {entry.kind === "request" ? "Collect" : "Manage"}
      </a>
      <Button variant="ghost" size="sm" onClick={() => forgetSentLink(entry.link)} aria-label={`Remove the ${what} ${entry.kind === "request" ? "made" : "created"} ${created} from this list`}>
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
        Only the manage links of secrets and the collect links of requests are kept here (in this browser’s storage), never the secrets, their share
        links or the request links. A collect link opens the answers to your request: remove it here once you have them. Statuses refresh while they are
        on screen, less often while nothing changes.
      </p>
      <ul className="mt-2 divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="sent-list">
        {links.map((entry) => (
          <SentEntry key={entry.link} entry={entry} />
        ))}
      </ul>
    </Card>
  );
}
