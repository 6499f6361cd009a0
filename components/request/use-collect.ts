"use client";

import { useCallback, useMemo, useRef, useState } from "react";
import type { RequestStatusResponse } from "@/lib/api/wire";
import { collectLinkProofs, newClaim, openResponse, type SecretContent } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { MANAGE_BACKOFF, SETTLED_BACKOFF } from "@/components/browser/polling";
import { usePolling, type PollOutcome } from "@/components/browser/use-polling";
import { wipeLocationHash } from "@/components/browser/use-location-hash";
import { isRetriableRevealFailure, RevealTimeoutError, revealWithRetry } from "@/components/reveal/reveal-retry";

/** One collected answer, opened here with sk; one that does not open says so instead. */
export type OpenedAnswer =
  | { n: number; at: string; sas: string; content: SecretContent }
  | { n: number; at: string; error: string };

export type StatusLoad =
  | { kind: "loading" }
  | { kind: "ok"; status: RequestStatusResponse; atMs: number }
  | { kind: "not_found" }
  | { kind: "failed"; message: string; last?: { status: RequestStatusResponse; atMs: number } };

/** The last click of "Open answers": its outcome is what the page explains. */
export type CollectStage =
  | { kind: "idle" }
  | { kind: "collecting"; retrying: boolean }
  | { kind: "collected"; count: number; first: boolean }
  | { kind: "failed"; message: string };

/** After the retries ran out, the store may have handed the answers over while every reply was lost. */
const LOST_COLLECT_MESSAGE =
  "The server did not confirm handing over the answers. It may have done so and the reply was lost: if the status now shows them as collected, they cannot be fetched again; ask the person to answer once more.";

function collectFailure(error: unknown): string {
  if (isRetriableRevealFailure(error)) return LOST_COLLECT_MESSAGE;
  if (error instanceof RevealTimeoutError) return "The server did not answer in time. Try again.";
  if (!isApiError(error)) return `The answers could not be opened (${error instanceof Error ? error.message : "unknown error"}).`;
  switch (error.code) {
    case "not_found":
      return "This server no longer has this request: its answers were deleted when the collect window ended.";
    case "rate_limited":
      return "Too many requests from your network in a short time. Wait a minute, then try again.";
    default:
      return "The server cannot answer right now. Wait a moment, then try again.";
  }
}

function openAll(responses: { n: number; epk: string; ciphertext: string; at: string }[], secretKey: Uint8Array): OpenedAnswer[] {
  return responses.map((response) => {
    try {
      const opened = openResponse(response, secretKey);
      return { n: response.n, at: response.at, sas: opened.sas, content: opened.content };
    } catch (error) {
      return {
        n: response.n,
        at: response.at,
        error: error instanceof Error ? error.message : "This answer could not be decrypted.",
      };
    }
  });
}

/**
 * The requester's page state for one collect link: the status (polled like a manage page,
 * PROTOCOL.md §7 status), "Open answers" (collect: each answer is handed over once and
 * deleted; a lost reply is retried with one claim per click, as a reveal is, §6), and revoke.
 * The opened answers live only in this component's memory.
 */
export function useCollect(collectKey: Uint8Array, onCollected: () => void) {
  const proofs = useMemo(() => collectLinkProofs(collectKey), [collectKey]);
  const [load, setLoad] = useState<StatusLoad>({ kind: "loading" });
  const [answers, setAnswers] = useState<OpenedAnswer[]>([]);
  const [collectStage, setCollectStage] = useState<CollectStage>({ kind: "idle" });
  const [revoking, setRevoking] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const seen = useRef<string | null>(null);
  const collects = useRef(0);

  const refresh = useCallback(async (): Promise<PollOutcome> => {
    try {
      const status = await api.requestStatus(proofs.id, proofs.collect);
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
  }, [proofs]);

  // Nothing can change once the request is closed and every answer is collected, but a
  // slow poll still shows the collect and revoke events of another tab.
  const settled = load.kind === "ok" && load.status.state !== "open" && load.status.pending === 0;
  const polls = usePolling(refresh, { backoff: settled ? SETTLED_BACKOFF : MANAGE_BACKOFF });

  async function collect(): Promise<void> {
    if (collectStage.kind === "collecting") return;
    setCollectStage({ kind: "collecting", retrying: false });
    try {
      const grace = await api.config().then(
        (config) => (typeof config.revealGraceSeconds === "number" && config.revealGraceSeconds > 0 ? config.revealGraceSeconds : 0),
        () => 0,
      );
      // One claim per click, in this closure only (never stored): a retry of a lost reply
      // gets the same answers back instead of an empty list (PROTOCOL.md §7).
      const claim = grace > 0 ? newClaim() : undefined;
      const answer = await revealWithRetry(() => api.collectResponses(proofs.id, proofs.collect, claim), {
        graceSeconds: grace,
        onRetry: () => setCollectStage({ kind: "collecting", retrying: true }),
      });
      const opened = openAll(answer.responses, proofs.secretKey);
      collects.current += 1;
      setAnswers((current) => [...current, ...opened]);
      setCollectStage({ kind: "collected", count: opened.length, first: collects.current === 1 });
      onCollected();
      // The link has done its job on this page: keep its key out of the address bar and history.
      wipeLocationHash();
      void refresh();
    } catch (error) {
      setCollectStage({ kind: "failed", message: collectFailure(error) });
    }
  }

  async function revoke(): Promise<void> {
    setRevoking(true);
    setRevokeError(null);
    try {
      await api.revokeRequest(proofs.id, proofs.collect);
      await refresh();
    } catch (error) {
      setRevokeError(
        isApiError(error) && error.code === "rate_limited"
          ? "Too many requests from your network. Wait a minute, then revoke again."
          : "Could not revoke it: the server did not answer. Try again; the request stays open until it expires.",
      );
    } finally {
      setRevoking(false);
    }
  }

  return { load, polls, refresh, answers, collectStage, collect, revoke, revoking, revokeError, publicKey: proofs.publicKey };
}
