"use client";

import { useState } from "react";
import type { RequestEventBody, RequestStatusResponse } from "@/lib/api/wire";
import { formatClock, formatDateTime, formatRelative, plural } from "@/components/browser/format";
import { RevealedContent } from "@/components/reveal/revealed-content";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { creatorLabel } from "@/components/manage/creator-label";
import { useCollect, type CollectStage, type OpenedAnswer } from "./use-collect";

const STATE_LABEL: Record<RequestStatusResponse["state"], { label: string; tone: string; detail: string }> = {
  open: {
    label: "Open",
    tone: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
    detail: "The request link takes answers.",
  },
  answered: {
    label: "Answered",
    tone: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
    detail: "It received every answer it asked for; the request link takes no more.",
  },
  expired: {
    label: "Expired",
    tone: "bg-zinc-200 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-200",
    detail: "It stopped taking answers when it expired.",
  },
  revoked: {
    label: "Revoked",
    tone: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
    detail: "You closed it: it takes no answers, and answers not yet collected were deleted.",
  },
};

function numbers(n: RequestEventBody["n"]): string {
  if (n === undefined) return "";
  const list = Array.isArray(n) ? n : [n];
  return list.join(", ");
}

function eventLabel(event: RequestEventBody): string {
  switch (event.type) {
    case "created":
      return "Request created";
    case "responded":
      return `Answer ${numbers(event.n)} received`;
    case "collected":
      return Array.isArray(event.n) && event.n.length > 1 ? `Answers ${numbers(event.n)} collected` : `Answer ${numbers(event.n)} collected`;
    case "revoked":
      return "Revoked";
  }
}

function Timeline({ events }: { events: RequestEventBody[] }) {
  return (
    <ol className="relative space-y-4 border-l border-zinc-200 pl-5 dark:border-zinc-800" data-testid="request-timeline">
      {events.map((event, index) => (
        <li key={`${event.type}-${event.at}-${index}`} className="relative" data-testid={`request-event-${event.type}`}>
          <span
            aria-hidden="true"
            className={`absolute top-1.5 -left-[1.6875rem] size-3 rounded-full border-2 border-white dark:border-zinc-900 ${
              event.type === "responded" ? "bg-sky-600" : event.type === "revoked" ? "bg-red-600" : event.type === "created" ? "bg-emerald-600" : "bg-zinc-500"
            }`}
          />
          <p className="text-sm font-medium">{eventLabel(event)}</p>
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

function AnswerCard({ answer }: { answer: OpenedAnswer }) {
  return (
    <Card>
      <div data-testid="collected-answer" data-n={answer.n}>
        <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
          <h2 className="text-lg font-semibold">Answer {answer.n}</h2>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Received <time dateTime={answer.at}>{formatDateTime(answer.at)}</time>
          </p>
        </div>
        {"error" in answer ? (
          <Notice tone="error" className="mt-3" testId="answer-error">
            {answer.error} It was removed from the server with the others.
          </Notice>
        ) : (
          <>
            <p className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">
              Code{" "}
              <span className="font-mono text-lg font-bold tracking-[0.2em] tabular-nums" data-testid="answer-code">
                {answer.sas}
              </span>
            </p>
            <p className="mb-4 text-xs text-zinc-600 dark:text-zinc-400">
              The person who answered was shown this code. Compare it with them over another channel to be sure the answer is theirs.
            </p>
            <RevealedContent content={answer.content} />
          </>
        )}
      </div>
    </Card>
  );
}

function CollectOutcome({ stage }: { stage: CollectStage }) {
  switch (stage.kind) {
    case "idle":
      return null;
    case "collecting":
      return stage.retrying ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status" data-testid="collect-retrying">
          Retrying… The reply did not arrive; asking again with the same request, which returns the same answers.
        </p>
      ) : null;
    case "failed":
      return (
        <Notice tone="error" testId="collect-error">
          {stage.message}
        </Notice>
      );
    case "collected":
      if (stage.count > 0) {
        return (
          <Notice tone="success" testId="collect-done">
            {stage.count === 1 ? "One answer was" : `${stage.count} answers were`} handed over and deleted from the server. This page is now the only place{" "}
            {stage.count === 1 ? "it exists" : "they exist"}: copy what you need before you leave.
          </Notice>
        );
      }
      return (
        <Notice tone="info" testId="collect-nothing-new">
          {stage.first
            ? "No answers are waiting. Nothing has arrived since the last collect, or every answer was already collected: the server hands each answer over once, then deletes it."
            : "Nothing new since you last opened the answers: each answer is handed over once, and the ones above were already collected by this page."}
        </Notice>
      );
  }
}

function StatusCard({
  status,
  atMs,
  onRevoke,
  revoking,
}: {
  status: RequestStatusResponse;
  atMs: number;
  onRevoke: () => void;
  revoking: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const state = STATE_LABEL[status.state];
  const received = status.events.filter((event) => event.type === "responded").length;
  return (
    <Card>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-bold">Your request</h1>
        <span className={`rounded-full px-2.5 py-0.5 text-sm font-semibold ${state.tone}`} data-testid="request-state">
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
          <dt className="text-zinc-600 dark:text-zinc-400">{status.state === "open" ? "Takes answers until" : "Would have closed"}</dt>
          <dd>
            {formatDateTime(status.expiresAt)}{" "}
            {status.state === "open" ? <span className="text-zinc-600 dark:text-zinc-400">({formatRelative(status.expiresAt, atMs)})</span> : null}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Answers received</dt>
          <dd data-testid="request-received">
            {received} of {status.maxResponses}
            {status.state === "open" ? `, ${status.responsesLeft} more possible` : ""}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Waiting to be collected</dt>
          <dd data-testid="request-pending">{plural(status.pending, "answer", "answers")}</dd>
        </div>
        {status.creator ? (
          <div className="sm:col-span-2">
            <dt className="text-zinc-600 dark:text-zinc-400">Created by</dt>
            <dd className="break-words" data-testid="request-creator">
              {creatorLabel(status.creator)}
            </dd>
          </div>
        ) : null}
      </dl>
      {status.state !== "revoked" ? (
        <div className="mt-6 border-t border-zinc-200 pt-5 dark:border-zinc-800">
          {confirming ? (
            <div className="space-y-3" role="group" aria-label="Confirm revoking">
              <p className="text-sm font-medium">
                Revoke it now? The request link stops taking answers{status.pending > 0 ? ", and the answers not yet collected are deleted unread" : ""}. This
                cannot be undone.
              </p>
              <div className="flex flex-wrap gap-3">
                <Button variant="danger" onClick={onRevoke} disabled={revoking} data-testid="revoke-confirm" autoFocus>
                  {revoking ? "Revoking…" : "Yes, revoke it"}
                </Button>
                <Button onClick={() => setConfirming(false)} disabled={revoking}>
                  Keep it
                </Button>
              </div>
            </div>
          ) : (
            <div className="flex flex-wrap items-center gap-3">
              <Button variant="danger" onClick={() => setConfirming(true)} data-testid="revoke-button">
                Revoke
              </Button>
              <span className="text-xs text-zinc-600 dark:text-zinc-400">Closes the request link, for example if it went to the wrong person.</span>
            </div>
          )}
        </div>
      ) : null}
    </Card>
  );
}

/** The requester's page for `/r#c…`: status and timeline, "Open answers" on a click, revoke. */
export function CollectFlow({ collectKey, onCollected }: { collectKey: Uint8Array; onCollected: () => void }) {
  const flow = useCollect(collectKey, onCollected);
  const { load, collectStage } = flow;

  if (load.kind === "loading") {
    return (
      <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
        Loading the request…
      </p>
    );
  }
  if (load.kind === "not_found") {
    return (
      <Card>
        <h1 className="text-xl font-bold">No record of this request</h1>
        <Notice tone="info" className="mt-4" testId="request-not-found">
          This server has no request for this collect link. Records, and answers never collected, are removed some days after a request closes, or the
          link may be incomplete.
        </Notice>
      </Card>
    );
  }
  const current = load.kind === "ok" ? load : load.last;
  const collecting = collectStage.kind === "collecting";
  return (
    <div className="space-y-6">
      {load.kind === "failed" ? <Notice tone="warning">{load.message}</Notice> : null}
      {flow.revokeError ? (
        <Notice tone="error" testId="revoke-error">
          {flow.revokeError}
        </Notice>
      ) : null}
      {current ? <StatusCard status={current.status} atMs={current.atMs} onRevoke={() => void flow.revoke()} revoking={flow.revoking} /> : null}

      <Card>
        <h2 className="text-lg font-semibold">Answers</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Opening hands every waiting answer to this page and deletes it from the server: each answer can be opened once. They are decrypted here, with the
          key in your collect link.
        </p>
        <div className="mt-4 flex flex-wrap items-center gap-3">
          <Button variant="primary" size="lg" onClick={() => void flow.collect()} disabled={collecting} data-testid="collect-button">
            {collecting ? (collectStage.retrying ? "Retrying…" : "Opening…") : flow.answers.length > 0 ? "Check for new answers" : "Open answers"}
          </Button>
          {current && current.status.pending > 0 ? (
            <span className="text-sm text-zinc-700 dark:text-zinc-300">{plural(current.status.pending, "answer", "answers")} waiting</span>
          ) : null}
        </div>
        <div className="mt-4">
          <CollectOutcome stage={collectStage} />
        </div>
        {flow.answers.length > 0 ? (
          <p className="mt-3 text-xs text-zinc-600 dark:text-zinc-400">The collect link has been removed from the address bar and this tab’s history.</p>
        ) : null}
      </Card>

      {flow.answers.length > 0 ? (
        <div className="space-y-4" data-testid="collected-answers">
          {flow.answers.map((answer) => (
            <AnswerCard key={answer.n} answer={answer} />
          ))}
        </div>
      ) : null}

      {current ? (
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Timeline</h2>
          <Timeline events={current.status.events} />
          <div className="mt-4 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="request-refresh" data-polls={flow.polls}>
            <p aria-live="off">
              Addresses are shown as their network, as this server records them. Refreshes by itself while this tab is visible · last updated{" "}
              {formatClock(current.atMs)}
            </p>
            <Button variant="ghost" size="sm" onClick={() => void flow.refresh()}>
              Refresh now
            </Button>
          </div>
        </Card>
      ) : null}
    </div>
  );
}
