"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { RequestGoneReasonName, ServerConfigResponse } from "@/lib/api/wire";
import { ciphertextSize, envelopeSize, openLabel, requestLinkProofs, sealResponse } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatBytes } from "@/components/browser/format";
import { nextPaint } from "@/components/browser/next-paint";
import type { BusyStage } from "@/components/create/use-create-secret";
import { contentOf, encryptedSize, useFileAttachments, type ReadOutcome } from "@/components/create/use-file-attachments";

const REQUEST_GONE_REASONS: readonly string[] = ["expired", "revoked", "answered"] satisfies RequestGoneReasonName[];

function isRequestGoneReason(value: unknown): value is RequestGoneReasonName {
  return typeof value === "string" && REQUEST_GONE_REASONS.includes(value);
}

/** Why the request cannot be answered (a 410 of check or of the submit, PROTOCOL.md §7). */
export interface RequestGone {
  reason: RequestGoneReasonName | undefined;
  at: string | undefined;
}

/** What the check found; nothing before Submit changes anything on the server. */
export type RespondLoad =
  | { kind: "checking" }
  | { kind: "open"; label: string | undefined; expiresAt: string; responsesLeft: number; checkedAtMs: number; sender?: string }
  | { kind: "not_found" }
  | { kind: "gone"; gone: RequestGone }
  | { kind: "bad_label"; message: string }
  | { kind: "retry"; message: string };

/**
 * Where an answer is: idle → reading → checking → encrypting → uploading → sent | failed,
 * the same steps as a create (components/create/create-progress.tsx shows them). A failure
 * keeps the text and files in the form; `gone` says the request closed meanwhile.
 */
export type RespondStage =
  | { kind: "idle" }
  | { kind: BusyStage }
  | { kind: "sent"; sas: string; n: number; responsesLeft: number }
  | { kind: "failed"; reason: "empty" | "files" | "too_large" | "server"; message: string; gone?: RequestGone };

const IDLE: RespondStage = { kind: "idle" };

function checkProblem(error: unknown): RespondLoad {
  if (!isApiError(error)) return { kind: "retry", message: "Something went wrong while checking the link. Try again." };
  switch (error.code) {
    case "not_found":
      return { kind: "not_found" };
    case "gone":
      return { kind: "gone", gone: { reason: isRequestGoneReason(error.body?.reason) ? error.body.reason : undefined, at: error.body?.at } };
    case "rate_limited":
      return { kind: "retry", message: "Too many requests from your network in a short time. Wait a minute, then try again." };
    case "network_error":
      return { kind: "retry", message: "Could not reach the Burnlink server. Check your connection, then try again. Nothing was sent." };
    default:
      return { kind: "retry", message: "The server cannot answer right now. Wait a moment, then try again. Nothing was sent." };
  }
}

function submitFailure(error: unknown, limit: number | null): Extract<RespondStage, { kind: "failed" }> {
  const server = (message: string, gone?: RequestGone): Extract<RespondStage, { kind: "failed" }> => ({
    kind: "failed",
    reason: "server",
    message,
    ...(gone ? { gone } : {}),
  });
  if (!isApiError(error)) {
    return server(`${error instanceof Error ? error.message : "Something went wrong."} Nothing was sent; your answer is still here.`);
  }
  switch (error.code) {
    case "gone":
      return server("The request closed before your answer arrived, so it was not stored. Your answer is still here: copy it if you need it.", {
        reason: isRequestGoneReason(error.body?.reason) ? error.body.reason : undefined,
        at: error.body?.at,
      });
    case "not_found":
      return server("This request no longer exists on the server, so your answer was not stored. Your answer is still here.");
    case "too_large":
      return server(`The server refused the answer as too large${limit ? ` (its limit is ${formatBytes(limit)})` : ""}. Remove a file or shorten the text, then try again.`);
    case "rate_limited":
      return server("Too many answers were sent from your network in a short time. Wait a minute, then press Send again; nothing was lost.");
    case "network_error":
      // No claim protects an answer (PROTOCOL.md §7): a lost reply may still have been stored.
      return server(
        "The connection failed while sending. Your answer is still here. If it did arrive, sending again gives the requester a second answer with another code: tell them which code is yours.",
      );
    default:
      return server(
        "The server could not confirm your answer. It is still here: try again in a moment. If the first one was stored after all, the requester gets two answers; tell them which code is yours.",
      );
  }
}

/**
 * The responder's page state for one request link: check (consumes nothing), then one
 * submission of text and files encrypted to the request's public key (PROTOCOL.md §7).
 */
export function useRespond(publicKey: Uint8Array) {
  const proofs = useMemo(() => requestLinkProofs(publicKey), [publicKey]);
  const [load, setLoad] = useState<RespondLoad>({ kind: "checking" });
  const [attempt, setAttempt] = useState(0);
  const [config, setConfig] = useState<ServerConfigResponse | null>(null);
  const [text, setText] = useState("");
  const [stage, setStage] = useState<RespondStage>(IDLE);
  const configRequest = useRef<Promise<ServerConfigResponse> | null>(null);

  const loadConfig = useCallback((): Promise<ServerConfigResponse> => {
    configRequest.current ??= api.config().then(
      (answer) => {
        setConfig(answer);
        return answer;
      },
      (error: unknown) => {
        configRequest.current = null;
        throw error;
      },
    );
    return configRequest.current;
  }, []);

  useEffect(() => {
    let current = true;
    loadConfig().catch(() => undefined);
    // Check consumes nothing (PROTOCOL.md §7): opening or reloading the link, or a link
    // scanner, never uses up an answer.
    api.checkRequest(proofs.id, proofs.write).then(
      (answer) => {
        if (!current) return;
        let label: string | undefined;
        if (answer.label !== undefined) {
          try {
            label = openLabel(answer.label, proofs.labelKey);
          } catch {
            setLoad({
              kind: "bad_label",
              message: "The instructions of this request could not be decrypted: the link may have been altered. Ask the requester for the link again.",
            });
            return;
          }
        }
        setLoad({
          kind: "open",
          label,
          expiresAt: answer.expiresAt,
          responsesLeft: answer.responsesLeft,
          checkedAtMs: Date.now(),
          // PROTOCOL.md §8: present only when the operator sets SHOW_SENDER=1.
          ...(typeof answer.sender?.name === "string" ? { sender: answer.sender.name } : {}),
        });
      },
      (error: unknown) => current && setLoad(checkProblem(error)),
    );
    return () => {
      current = false;
    };
  }, [proofs, attempt, loadConfig]);

  const fileLimit = useCallback(
    () =>
      loadConfig().then(
        (answer) => answer.maxCiphertextBytes,
        () => null,
      ),
    [loadConfig],
  );
  const onRead = useCallback((outcome: ReadOutcome) => {
    if (outcome.refusal !== null) {
      const message = outcome.refusal;
      setStage((current) => (current.kind === "reading" ? current : { kind: "failed", reason: "files", message }));
    } else if (outcome.accepted.length > 0) {
      setStage((current) => (current.kind === "failed" && (current.reason === "empty" || current.reason === "files") ? IDLE : current));
    }
  }, []);
  const attachments = useFileAttachments({ limit: fileLimit, onRead });
  const { files } = attachments;

  const size = useMemo(() => encryptedSize(text, files), [text, files]);
  const limit = config?.maxCiphertextBytes ?? null;
  const busyStage: BusyStage | null =
    stage.kind === "reading" || stage.kind === "checking" || stage.kind === "encrypting" || stage.kind === "uploading" ? stage.kind : null;

  /** One answer, to its end: every path leaves the stage at `sent` or `failed`. */
  async function submit(): Promise<void> {
    if (busyStage !== null || load.kind !== "open") return;
    const fail = (reason: "empty" | "files" | "too_large", message: string) => setStage({ kind: "failed", reason, message });
    if (attachments.reading()) {
      setStage({ kind: "reading" });
      const refusal = await attachments.settleReads();
      if (refusal) {
        fail("files", `${refusal} Nothing was sent.`);
        return;
      }
    }
    const attached = attachments.currentFiles();
    if (text === "" && attached.length === 0) {
      fail("empty", "Write an answer or attach a file first.");
      return;
    }
    setStage({ kind: "checking" });
    let serverLimit = limit;
    try {
      const current = config ?? (await loadConfig());
      serverLimit = current.maxCiphertextBytes;
      const content = contentOf(text, attached);
      const bytes = ciphertextSize(envelopeSize(content));
      if (bytes > current.maxCiphertextBytes) {
        fail(
          "too_large",
          `Your answer is ${formatBytes(bytes)} once encrypted, but this server accepts up to ${formatBytes(current.maxCiphertextBytes)}. Remove a file or shorten the text; nothing was sent.`,
        );
        return;
      }
      setStage({ kind: "encrypting" });
      await nextPaint();
      const sealed = sealResponse(content, publicKey);
      setStage({ kind: "uploading" });
      const answer = await api.respondToRequest(proofs.id, { write: proofs.write, epk: sealed.epk, ciphertext: sealed.ciphertext });
      // The plaintext has no business staying in memory once it is encrypted and stored.
      setText("");
      attachments.clearFiles();
      setStage({ kind: "sent", sas: sealed.sas, n: answer.n, responsesLeft: answer.responsesLeft });
    } catch (failure) {
      setStage(submitFailure(failure, serverLimit));
    }
  }

  return {
    load,
    retryCheck: () => {
      setLoad({ kind: "checking" });
      setAttempt((value) => value + 1);
    },
    text,
    setText,
    files,
    addFiles: attachments.addFiles,
    removeFile: attachments.removeFile,
    pendingReads: attachments.pendingReads,
    size,
    limit,
    stage,
    busyStage,
    submit,
  };
}
