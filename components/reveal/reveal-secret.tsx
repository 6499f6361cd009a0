"use client";

import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { isSecretGoneReason } from "@/lib/api/errors";
import type { GoneReasonName } from "@/lib/api/wire";
import { accessProof, newClaim, openSecret, parseShareFragment, revealProofs, type SecretContent, type ShareFragment } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatDateTime, formatRelative, plural } from "@/components/browser/format";
import { useLocationHash, wipeLocationHash, type LocationHash } from "@/components/browser/use-location-hash";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Hint, TextInput } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { GoneMessage } from "./gone-message";
import { RevealedContent } from "./revealed-content";
import { isRetriableRevealFailure, RevealTimeoutError, revealWithRetry } from "./reveal-retry";
import { SenderLine } from "./sender-line";

type Problem =
  | { kind: "not_found" }
  | { kind: "gone"; reason: GoneReasonName | undefined; at: string | undefined }
  | { kind: "ip_not_allowed" }
  | { kind: "retry"; message: string };

type Phase =
  | { kind: "checking" }
  | { kind: "ready"; expiresAt: string; viewsLeft: number; checkedAtMs: number; sender?: string; wrong?: number }
  | { kind: "revealing"; expiresAt: string; viewsLeft: number; checkedAtMs: number; sender?: string; retrying: boolean }
  | { kind: "revealed"; content: SecretContent; viewsLeft: number }
  | { kind: "problem"; problem: Problem; during: "check" | "reveal" };

/**
 * After the retries of a reveal ran out, the store may have consumed the view while every
 * answer was lost: say so, and what the link will show if it did (issue 11 §2).
 */
const LOST_REVEAL_MESSAGE =
  "The server did not confirm the reveal. It may have used this view; if the link now says viewed, ask the sender to share it again.";

function problemOf(error: unknown, during: "check" | "reveal"): Problem {
  if (during === "reveal" && isRetriableRevealFailure(error)) return { kind: "retry", message: LOST_REVEAL_MESSAGE };
  if (error instanceof RevealTimeoutError) return { kind: "retry", message: "The server did not answer in time. Try again." };
  if (!isApiError(error)) {
    return {
      kind: "retry",
      message:
        during === "reveal"
          ? `The secret could not be decrypted (${error instanceof Error ? error.message : "unknown error"}). The link may have been altered.`
          : "Something went wrong while checking the link. Try again.",
    };
  }
  switch (error.code) {
    case "not_found":
      return { kind: "not_found" };
    case "gone":
      return { kind: "gone", reason: isSecretGoneReason(error.body?.reason) ? error.body.reason : undefined, at: error.body?.at };
    case "ip_not_allowed":
      return { kind: "ip_not_allowed" };
    case "rate_limited":
      return { kind: "retry", message: "Too many requests from your network in a short time. Wait a minute, then try again." };
    case "network_error":
      return {
        kind: "retry",
        message:
          during === "reveal"
            ? "The connection failed while opening the secret. Try again; if it then says the secret was already viewed, the answer was lost on the way and the sender should share it again."
            : "Could not reach the Burnlink server. Check your connection, then try again. Nothing has been opened.",
      };
    default:
      // A reveal the store performed but could not confirm in time still used its view, so
      // after a failed reveal we must not promise that nothing was opened.
      return {
        kind: "retry",
        message:
          during === "reveal"
            ? "The server cannot answer right now. Wait a moment, then try again; if it then says the secret was already viewed, the answer was lost on the way and the sender should share it again."
            : "The server cannot answer right now. Wait a moment, then try again. Nothing has been opened.",
      };
  }
}

function Loading({ label }: { label: string }) {
  return (
    <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
      {label}
    </p>
  );
}

function ProblemView({ problem, onRetry }: { problem: Problem; onRetry: () => void }) {
  switch (problem.kind) {
    case "not_found":
      return (
        <Notice tone="info" title="Nothing to open here" testId="not-found">
          This link does not match any secret on this server. It may have been mistyped or cut short, or it expired long enough ago that even its record is
          gone. Ask the sender for a new link.
        </Notice>
      );
    case "gone":
      return <GoneMessage reason={problem.reason} at={problem.at} />;
    case "ip_not_allowed":
      return (
        <Notice tone="warning" title="Not available from your network" testId="ip-not-allowed">
          The sender allowed this secret to be opened only from certain IP addresses, and yours is not one of them. Nothing was opened. Ask the sender.
        </Notice>
      );
    case "retry":
      return (
        <div className="space-y-4">
          <Notice tone="error" testId="reveal-error">
            {problem.message}
          </Notice>
          <Button onClick={onRetry}>Try again</Button>
        </div>
      );
  }
}

function RevealFlow({ hash, onRevealed }: { hash: string; onRevealed: () => void }) {
  const parsed = useMemo((): { link: ShareFragment } | { error: string } => {
    try {
      return { link: parseShareFragment(hash) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : "This link is not valid." };
    }
  }, [hash]);
  const link = "link" in parsed ? parsed.link : null;
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });
  const [attempt, setAttempt] = useState(0);
  const [passphrase, setPassphrase] = useState("");
  const [showPassphrase, setShowPassphrase] = useState(false);
  const passphraseInput = useRef<HTMLInputElement>(null);
  const passphraseId = useId();
  /** The server's reveal grace (PROTOCOL.md §6); 0 for a server without claims or no answer. */
  const graceSeconds = useRef<Promise<number>>(Promise.resolve(0));

  useEffect(() => {
    if (!link) return;
    let current = true;
    const { id, access } = accessProof(link.linkKey);
    graceSeconds.current = api.config().then(
      (config) => (typeof config.revealGraceSeconds === "number" && config.revealGraceSeconds > 0 ? config.revealGraceSeconds : 0),
      () => 0,
    );
    // Check consumes nothing (PROTOCOL.md §4): loading, reloading or a link scanner never burns a view.
    api.checkSecret(id, access).then(
      (answer) =>
        current &&
        setPhase({
          kind: "ready",
          expiresAt: answer.expiresAt,
          viewsLeft: answer.viewsLeft,
          checkedAtMs: Date.now(),
          ...(typeof answer.sender?.name === "string" ? { sender: answer.sender.name } : {}),
        }),
      (error: unknown) => current && setPhase({ kind: "problem", problem: problemOf(error, "check"), during: "check" }),
    );
    return () => {
      current = false;
    };
  }, [link, attempt]);

  async function reveal(event: FormEvent) {
    event.preventDefault();
    if (!link || phase.kind !== "ready") return;
    if (link.needsPassphrase && passphrase === "") {
      passphraseInput.current?.focus();
      return;
    }
    const ready = phase;
    const shown = {
      expiresAt: ready.expiresAt,
      viewsLeft: ready.viewsLeft,
      checkedAtMs: ready.checkedAtMs,
      ...(ready.sender === undefined ? {} : { sender: ready.sender }),
    };
    setPhase({ ...shown, kind: "revealing", retrying: false });
    try {
      const proofs = await revealProofs(link.linkKey, link.needsPassphrase ? passphrase : undefined);
      const grace = await graceSeconds.current;
      // One claim per click, in this closure only (never in any storage): every retry of this
      // click sends it unchanged, so a retry gets the first answer and costs no second view.
      const claim = grace > 0 ? newClaim() : undefined;
      let answer;
      try {
        answer = await revealWithRetry(() => api.revealSecret(proofs.id, proofs.access, proofs.unlock, claim), {
          graceSeconds: grace,
          onRetry: () => setPhase({ ...shown, kind: "revealing", retrying: true }),
        });
      } catch (error) {
        if (isApiError(error) && error.code === "wrong_passphrase") {
          const left = error.body?.attemptsLeft ?? 0;
          setPassphrase("");
          if (left <= 0) {
            setPhase({ kind: "problem", problem: { kind: "gone", reason: "attempts", at: new Date().toISOString() }, during: "reveal" });
          } else {
            setPhase({ ...ready, wrong: left });
            requestAnimationFrame(() => passphraseInput.current?.focus());
          }
          return;
        }
        throw error;
      }
      const content = openSecret(answer.ciphertext, proofs.encryptionKey);
      setPassphrase("");
      setPhase({ kind: "revealed", content, viewsLeft: answer.viewsLeft });
      onRevealed();
      // The link has done its job: keep it out of the address bar, history and screenshots.
      wipeLocationHash();
    } catch (error) {
      setPhase({ kind: "problem", problem: problemOf(error, "reveal"), during: "reveal" });
    }
  }

  if (!link) {
    return (
      <Card>
        <h1 className="text-xl font-bold">This link cannot be opened</h1>
        <Notice tone="error" className="mt-4" testId="malformed-link">
          {"error" in parsed ? parsed.error : null}
        </Notice>
        <p className="mt-4 text-sm text-zinc-600 dark:text-zinc-400">Nothing was sent to the server. Ask the sender to copy the link again.</p>
      </Card>
    );
  }

  switch (phase.kind) {
    case "checking":
      return <Loading label="Checking the link…" />;
    case "problem":
      return (
        <Card>
          <h1 className="mb-4 text-xl font-bold">{phase.problem.kind === "retry" ? "Something went wrong" : "This secret cannot be opened"}</h1>
          <ProblemView
            problem={phase.problem}
            onRetry={() => {
              setPhase({ kind: "checking" });
              setAttempt((value) => value + 1);
            }}
          />
        </Card>
      );
    case "revealed":
      return (
        <Card>
          <h1 className="text-xl font-bold">The secret</h1>
          <Notice tone={phase.viewsLeft === 0 ? "success" : "info"} className="my-4" testId="revealed-notice">
            {phase.viewsLeft === 0
              ? "The server copy is now deleted. This page is the only place the secret still exists: copy what you need before you leave."
              : `It can be opened ${phase.viewsLeft === 1 ? "one more time" : `${phase.viewsLeft} more times`} before the server deletes it.`}
          </Notice>
          <RevealedContent content={phase.content} />
          <p className="mt-5 text-xs text-zinc-600 dark:text-zinc-400">The link has been removed from the address bar and this tab’s history.</p>
        </Card>
      );
    case "ready":
    case "revealing": {
      const busy = phase.kind === "revealing";
      return (
        <Card>
          <h1 className="text-xl font-bold">Someone shared a secret with you</h1>
          <p className="mt-2 text-zinc-700 dark:text-zinc-300" data-testid="check-summary">
            It can be opened {phase.viewsLeft === 1 ? "once more" : `${plural(phase.viewsLeft, "more time", "more times")}`} and expires{" "}
            {formatRelative(phase.expiresAt, phase.checkedAtMs)} ({formatDateTime(phase.expiresAt)}).
          </p>
          {phase.sender !== undefined ? <SenderLine name={phase.sender} /> : null}
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Nothing has been opened yet. {phase.viewsLeft === 1 ? "Once you reveal it, the server deletes its copy." : "Revealing it uses one view."}
          </p>
          <form onSubmit={reveal} className="mt-5 space-y-4">
            {link.needsPassphrase ? (
              <div>
                <label htmlFor={passphraseId} className="mb-1 block text-sm font-medium">
                  Passphrase
                </label>
                <div className="flex gap-2">
                  <TextInput
                    id={passphraseId}
                    ref={passphraseInput}
                    type={showPassphrase ? "text" : "password"}
                    value={passphrase}
                    onChange={(event) => setPassphrase(event.target.value)}
                    autoFocus
                    autoComplete="off"
                    spellCheck={false}
                    disabled={busy}
                    aria-describedby={`${passphraseId}-hint`}
                    aria-invalid={phase.kind === "ready" && phase.wrong !== undefined}
                    data-testid="reveal-passphrase"
                  />
                  <Button onClick={() => setShowPassphrase((show) => !show)} aria-pressed={showPassphrase} className="shrink-0">
                    {showPassphrase ? "Hide" : "Show"}
                  </Button>
                </div>
                <Hint id={`${passphraseId}-hint`}>The sender should have given it to you separately from the link.</Hint>
              </div>
            ) : null}
            {phase.kind === "ready" && phase.wrong !== undefined ? (
              <Notice tone="error" testId="wrong-passphrase">
                Wrong passphrase. {plural(phase.wrong, "attempt", "attempts")} left before the secret is destroyed.
              </Notice>
            ) : null}
            <Button type="submit" variant="primary" size="lg" disabled={busy} data-testid="reveal-button">
              {busy ? (phase.retrying ? "Retrying…" : link.needsPassphrase ? "Deriving the key and opening…" : "Opening…") : "Reveal secret"}
            </Button>
            {busy && phase.retrying ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status" data-testid="reveal-retrying">
                Retrying… The answer did not arrive; trying again with the same request, which cannot use a second view.
              </p>
            ) : null}
          </form>
        </Card>
      );
    }
  }
}

/**
 * The recipient's page: parse the fragment, check, and reveal only on a click.
 *
 * Once a secret is revealed this page is the only place it still exists, so the view is
 * pinned: a later change of the fragment never remounts it (issue 10 item 12). A new link
 * pasted into the address bar is offered instead, and opening it is the reader's choice.
 */
export function RevealSecret() {
  const location = useLocationHash();
  const [pinned, setPinned] = useState<LocationHash | null>(null);
  if (!location) return <Loading label="Opening the link…" />;
  const shown = pinned ?? location;
  return (
    <>
      {pinned && location.visit !== pinned.visit ? (
        <Notice tone="info" title="Another link is in the address bar" className="mb-4" testId="new-link-pending">
          <p>The secret below stays on screen until you open it. Opening the new link closes this one for good: copy what you need first.</p>
          <Button className="mt-2" onClick={() => setPinned(null)} data-testid="open-new-link">
            Open the new link
          </Button>
        </Notice>
      ) : null}
      <RevealFlow key={shown.visit} hash={shown.hash} onRevealed={() => setPinned(shown)} />
    </>
  );
}
