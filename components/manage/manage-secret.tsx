"use client";

import { useCallback, useMemo, useRef, useState } from "react";
import type { SecretEventBody, SecretStatusResponse } from "@/lib/api/wire";
import { manageToken, parseManageFragment } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatClock, formatDateTime, formatRelative } from "@/components/browser/format";
import { useLocationHash } from "@/components/browser/use-location-hash";
import { MANAGE_BACKOFF, SETTLED_BACKOFF } from "@/components/browser/polling";
import { usePolling, type PollOutcome } from "@/components/browser/use-polling";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { creatorLabel } from "./creator-label";

const STATE_LABEL: Record<SecretStatusResponse["state"], { label: string; tone: string; detail: string }> = {
  active: {
    label: "Waiting",
    tone: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
    detail: "The secret is stored and can still be opened.",
  },
  viewed: {
    label: "Viewed",
    tone: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
    detail: "All views were used; the ciphertext is deleted.",
  },
  burned: {
    label: "Burned",
    tone: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
    detail: "The ciphertext is deleted; nobody can open it any more.",
  },
  expired: {
    label: "Expired",
    tone: "bg-zinc-200 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-200",
    detail: "It expired before all views were used; the ciphertext is deleted.",
  },
};

const EVENT_LABEL: Record<SecretEventBody["type"], string> = {
  created: "Created",
  viewed: "Viewed",
  wrong_passphrase: "Wrong passphrase entered",
  ip_blocked: "Refused: address not on the allowlist",
  burned: "Burned",
};

type Load =
  | { kind: "loading" }
  | { kind: "ok"; status: SecretStatusResponse; atMs: number }
  | { kind: "not_found" }
  | { kind: "failed"; message: string; last?: { status: SecretStatusResponse; atMs: number } };

function Timeline({ events }: { events: SecretEventBody[] }) {
  return (
    <ol className="relative space-y-4 border-l border-zinc-200 pl-5 dark:border-zinc-800" data-testid="timeline">
      {events.map((event, index) => (
        <li key={`${event.type}-${event.at}-${index}`} className="relative" data-testid={`event-${event.type}`}>
          <span
            aria-hidden="true"
            className={`absolute top-1.5 -left-[1.6875rem] size-3 rounded-full border-2 border-white dark:border-zinc-900 ${
              event.type === "viewed"
                ? "bg-sky-600"
                : event.type === "burned"
                  ? "bg-red-600"
                  : event.type === "created"
                    ? "bg-emerald-600"
                    : "bg-amber-500"
            }`}
          />
          <p className="text-sm font-medium">{EVENT_LABEL[event.type]}</p>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            <time dateTime={event.at}>{formatDateTime(event.at)}</time>
            {event.ip ? (
              <>
                {" · from "}
                <span className="font-mono">{event.ip}</span>
              </>
            ) : null}
          </p>
        </li>
      ))}
    </ol>
  );
}

function StatusView({
  status,
  atMs,
  onBurn,
  burning,
}: {
  status: SecretStatusResponse;
  atMs: number;
  onBurn: () => void;
  burning: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const state = STATE_LABEL[status.state];
  const views = status.events.filter((event) => event.type === "viewed").length;
  return (
    <div className="space-y-6">
      <Card>
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-bold">Secret status</h1>
          <span className={`rounded-full px-2.5 py-0.5 text-sm font-semibold ${state.tone}`} data-testid="manage-state">
            {state.label}
          </span>
        </div>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{state.detail}</p>
        <dl className="mt-5 grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-zinc-600 dark:text-zinc-400">Created</dt>
            <dd>{formatDateTime(status.createdAt)}</dd>
          </div>
          <div>
            <dt className="text-zinc-600 dark:text-zinc-400">{status.state === "active" ? "Expires" : "Would have expired"}</dt>
            <dd>
              {formatDateTime(status.expiresAt)}{" "}
              {status.state === "active" ? <span className="text-zinc-600 dark:text-zinc-400">({formatRelative(status.expiresAt, atMs)})</span> : null}
            </dd>
          </div>
          <div>
            <dt className="text-zinc-600 dark:text-zinc-400">Views</dt>
            <dd data-testid="manage-views">
              {views} of {status.maxViews} used{status.state === "active" ? `, ${status.viewsLeft} left` : ""}
            </dd>
          </div>
          <div>
            <dt className="text-zinc-600 dark:text-zinc-400">Wrong passphrases</dt>
            <dd>{status.failedAttempts}</dd>
          </div>
          {status.creator ? (
            <div className="sm:col-span-2">
              <dt className="text-zinc-600 dark:text-zinc-400">Created by</dt>
              <dd className="break-words" data-testid="manage-creator">
                {creatorLabel(status.creator)}
              </dd>
            </div>
          ) : null}
          <div className="sm:col-span-2">
            <dt className="text-zinc-600 dark:text-zinc-400">Allowed addresses</dt>
            <dd className="break-words">{status.allowedIps.length > 0 ? <span className="font-mono">{status.allowedIps.join(", ")}</span> : "Anyone with the link"}</dd>
          </div>
        </dl>
        {status.state === "active" ? (
          <div className="mt-6 border-t border-zinc-200 pt-5 dark:border-zinc-800">
            {confirming ? (
              <div className="space-y-3" role="group" aria-label="Confirm burning">
                <p className="text-sm font-medium">Burn it now? The ciphertext is deleted at once and the link stops working. This cannot be undone.</p>
                <div className="flex flex-wrap gap-3">
                  <Button variant="danger" onClick={onBurn} disabled={burning} data-testid="burn-confirm" autoFocus>
                    {burning ? "Burning…" : "Yes, burn it"}
                  </Button>
                  <Button onClick={() => setConfirming(false)} disabled={burning}>
                    Keep it
                  </Button>
                </div>
              </div>
            ) : (
              <div className="flex flex-wrap items-center gap-3">
                <Button variant="danger" onClick={() => setConfirming(true)} data-testid="burn-button">
                  Burn now
                </Button>
                <span className="text-xs text-zinc-600 dark:text-zinc-400">Deletes the secret before anyone (else) reads it.</span>
              </div>
            )}
          </div>
        ) : null}
      </Card>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Timeline</h2>
        <Timeline events={status.events} />
        <p className="mt-4 text-xs text-zinc-600 dark:text-zinc-400">
          Addresses are shown as their network (for example 203.0.113.0/24), as this server records them.
        </p>
      </Card>
    </div>
  );
}

function ManageFlow({ hash }: { hash: string }) {
  const parsed = useMemo((): { id: string; token: string } | { error: string } => {
    try {
      const { id, manageKey } = parseManageFragment(hash);
      return { id, token: manageToken(manageKey) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : "This link is not valid." };
    }
  }, [hash]);
  const target = "id" in parsed ? parsed : null;
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [burning, setBurning] = useState(false);
  const [burnError, setBurnError] = useState<string | null>(null);

  const seen = useRef<string | null>(null);

  /** One status request; polls and the user's own refreshes both come here. */
  const refresh = useCallback(async (): Promise<PollOutcome> => {
    if (!target) return "stop";
    try {
      const status = await api.secretStatus(target.id, target.token);
      setLoad({ kind: "ok", status, atMs: Date.now() });
      const fingerprint = JSON.stringify(status);
      const changed = fingerprint !== seen.current;
      seen.current = fingerprint;
      return changed ? "changed" : "unchanged";
    } catch (error) {
      if (isApiError(error) && error.code === "not_found") {
        setLoad({ kind: "not_found" });
        return "stop";
      }
      setLoad((previous) => ({
        kind: "failed",
        message: "Could not refresh the status. Retrying…",
        last: previous.kind === "ok" ? previous : previous.kind === "failed" ? previous.last : undefined,
      }));
      return "unchanged";
    }
  }, [target]);

  // Only while the tab is visible, less often while nothing changes (issue 10 item 9), so
  // polling never spends the manage limit a burn needs.
  const settled = load.kind === "ok" && load.status.state !== "active";
  const polls = usePolling(refresh, { backoff: settled ? SETTLED_BACKOFF : MANAGE_BACKOFF });

  async function burn() {
    if (!target) return;
    setBurning(true);
    setBurnError(null);
    try {
      await api.burnSecret(target.id, target.token);
      await refresh();
    } catch (error) {
      setBurnError(
        isApiError(error) && error.code === "rate_limited"
          ? "Too many requests from your network. Wait a minute, then burn again."
          : "Could not burn it: the server did not answer. Try again; the secret is still there until it expires.",
      );
    } finally {
      setBurning(false);
    }
  }

  if (!target) {
    return (
      <Card>
        <h1 className="text-xl font-bold">This manage link cannot be used</h1>
        <Notice tone="error" className="mt-4" testId="malformed-link">
          {"error" in parsed ? parsed.error : null}
        </Notice>
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">Nothing was sent to the server.</p>
      </Card>
    );
  }
  if (load.kind === "loading") {
    return (
      <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
        Loading the status…
      </p>
    );
  }
  if (load.kind === "not_found") {
    return (
      <Card>
        <h1 className="text-xl font-bold">No record of this secret</h1>
        <Notice tone="info" className="mt-4" testId="not-found">
          This server has no secret for this manage link. Records are removed some days after a secret expires, or the link may be incomplete.
        </Notice>
      </Card>
    );
  }
  const current = load.kind === "ok" ? load : load.last;
  return (
    <div className="space-y-4">
      {load.kind === "failed" ? <Notice tone="warning">{load.message}</Notice> : null}
      {burnError ? (
        <Notice tone="error" testId="burn-error">
          {burnError}
        </Notice>
      ) : null}
      {current ? (
        <>
          <StatusView status={current.status} atMs={current.atMs} onBurn={burn} burning={burning} />
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="manage-refresh" data-polls={polls}>
            <p aria-live="off">
              Refreshes by itself while this tab is visible, less often while nothing changes · last updated {formatClock(current.atMs)}
            </p>
            <Button variant="ghost" size="sm" onClick={() => void refresh()} data-testid="refresh-now">
              Refresh now
            </Button>
          </div>
        </>
      ) : null}
    </div>
  );
}

/** The creator's page: status, timeline and burn, from the manage link's fragment. */
export function ManageSecret() {
  const location = useLocationHash();
  if (!location) {
    return (
      <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
        Opening the manage link…
      </p>
    );
  }
  return <ManageFlow key={location.visit} hash={location.hash} />;
}
