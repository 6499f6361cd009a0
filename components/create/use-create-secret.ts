"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ServerConfigResponse } from "@/lib/api/wire";
import { ciphertextSize, envelopeSize, formatManageLink, formatShareLink, sealSecret } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatBytes } from "@/components/browser/format";
import { nextPaint } from "@/components/browser/next-paint";
import { rememberSentLink } from "@/components/browser/sent-links";
import { DEFAULT_EXPIRY_SECONDS, defaultExpiry, expiryChoices } from "./expiry-choices";
import { parseAllowlist } from "./ip-list";
import type { CreatedSecret } from "./share-result";
import { contentOf, encryptedSize, useFileAttachments, type ReadOutcome } from "./use-file-attachments";

const VIEW_CHOICES = [1, 2, 3, 5, 10];
/** Until /api/config answers: the protocol's defaults (PROTOCOL.md §4). */
const FALLBACK_MAX_ALLOWED_IPS = 20;

/** Why the last action stopped; adding content clears only the failures it resolves. */
export type FailureReason = "empty" | "files" | "allowlist" | "too_large" | "server";

/**
 * Where a create is. One value, never a set of booleans that could disagree: while it is
 * `reading` … `uploading` the form is busy, and every way out of a submit ends in `done`
 * or `failed` with a message, so a Create can never do nothing and say nothing.
 */
export type CreateStage =
  | { kind: "idle" }
  | { kind: "reading" }
  | { kind: "checking" }
  | { kind: "encrypting" }
  | { kind: "uploading" }
  | { kind: "done"; created: CreatedSecret }
  | { kind: "failed"; reason: FailureReason; message: string };

export type BusyStage = Extract<
  CreateStage,
  { kind: "reading" | "checking" | "encrypting" | "uploading" }
>["kind"];

const IDLE: CreateStage = { kind: "idle" };

function viewChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return VIEW_CHOICES;
  const fitting = VIEW_CHOICES.filter((views) => views <= config.maxViews);
  return fitting.length > 0 ? fitting : [1];
}

function tooLargeMessage(size: number, limit: number): string {
  return `This secret is ${formatBytes(size)} once encrypted, but this server accepts up to ${formatBytes(limit)}. Remove a file or shorten the text; nothing was sent.`;
}

function describeFailure(error: unknown, limit: number | null): string {
  if (!isApiError(error)) {
    return error instanceof Error
      ? `${error.message} Nothing was sent; your secret is still here.`
      : "Something went wrong. Nothing was sent; try again.";
  }
  switch (error.code) {
    case "network_error":
      return "Could not reach the Burnlink server. Check your connection, then press Create again: your secret and options are still here.";
    case "too_large":
      return `The server refused the upload as too large${limit ? ` (its limit is ${formatBytes(limit)})` : ""}. Remove a file or shorten the text, then try again.`;
    case "rate_limited":
      return "Too many secrets were created from your network in a short time. Wait a minute, then press Create again; nothing was lost.";
    case "store_unavailable":
    case "internal_error":
      return "The server cannot store secrets right now. Try again in a minute: your secret is still here and nothing was stored.";
    case "invalid_request":
      return `The server refused the request: ${error.body?.message ?? error.message} Check the options and try again.`;
    default:
      return `The server answered “${error.body?.message ?? error.message}”. Your secret is still here; try again.`;
  }
}

/**
 * The create form's state and its one submission, as a state machine (STYLE.md,
 * "Components: state in a hook"): idle → reading → checking → encrypting → uploading →
 * done | failed. Files being read are tracked, and a submit waits for them (issue 10
 * item 14: a Create pressed while they were read used to see no content, and the read
 * then cleared the message it set).
 */
export function useCreateSecret() {
  const [config, setConfig] = useState<ServerConfigResponse | null>(null);
  const [configFailed, setConfigFailed] = useState(false);
  const [text, setText] = useState("");
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY_SECONDS);
  const [views, setViews] = useState(1);
  const [passphrase, setPassphrase] = useState("");
  const [showPassphrase, setShowPassphrase] = useState(false);
  const [allowlist, setAllowlist] = useState("");
  const [stage, setStage] = useState<CreateStage>(IDLE);
  const configRequest = useRef<Promise<ServerConfigResponse> | null>(null);

  /** The server's limits, fetched once; a failed fetch is retried by the next caller. */
  const loadConfig = useCallback((): Promise<ServerConfigResponse> => {
    configRequest.current ??= api.config().then(
      (answer) => {
        setConfig(answer);
        setConfigFailed(false);
        return answer;
      },
      (error: unknown) => {
        configRequest.current = null;
        setConfigFailed(true);
        throw error;
      },
    );
    return configRequest.current;
  }, []);

  useEffect(() => {
    loadConfig().catch(() => undefined);
  }, [loadConfig]);

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
      // A submit waiting on this read reports the refusal itself, once it has resumed.
      setStage((current) =>
        current.kind === "reading" ? current : { kind: "failed", reason: "files", message },
      );
    } else if (outcome.accepted.length > 0) {
      // Files resolve "attach something first" and an earlier refusal; any other message stays.
      setStage((current) =>
        current.kind === "failed" && (current.reason === "empty" || current.reason === "files")
          ? IDLE
          : current,
      );
    }
  }, []);
  const attachments = useFileAttachments({ limit: fileLimit, onRead });
  const { files } = attachments;

  const expiryOptions = expiryChoices(config);
  const ttlSeconds = expiryOptions.includes(expiry) ? expiry : defaultExpiry(expiryOptions);
  const viewOptions = viewChoices(config);
  const maxViews = viewOptions.includes(views) ? views : 1;
  const maxAllowedIps = config?.maxAllowedIps ?? FALLBACK_MAX_ALLOWED_IPS;
  const size = useMemo(() => encryptedSize(text, files), [text, files]);
  const limit = config?.maxCiphertextBytes ?? null;
  const busyStage: BusyStage | null =
    stage.kind === "reading" ||
    stage.kind === "checking" ||
    stage.kind === "encrypting" ||
    stage.kind === "uploading"
      ? stage.kind
      : null;
  const busy = busyStage !== null;

  /** Runs one create to its end: every return below leaves the stage at `done` or `failed`. */
  async function submit(): Promise<void> {
    if (busy) return;
    const fail = (reason: FailureReason, message: string) =>
      setStage({ kind: "failed", reason, message });
    const allowed = parseAllowlist(allowlist);
    if (allowed.invalid.length > 0 || allowed.entries.length > maxAllowedIps) {
      fail(
        "allowlist",
        "The IP allowlist has entries that are not addresses or ranges. Fix them, or empty the field to allow everyone.",
      );
      return;
    }
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
      fail("empty", "Write a secret or attach a file first.");
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
        fail("too_large", tooLargeMessage(bytes, current.maxCiphertextBytes));
        return;
      }
      setStage({ kind: "encrypting" });
      await nextPaint();
      const sealed = await sealSecret(content, {
        passphrase: passphrase === "" ? undefined : passphrase,
      });
      setStage({ kind: "uploading" });
      const answer = await api.createSecret({
        id: sealed.id,
        ciphertext: sealed.ciphertext,
        accessVerifier: sealed.accessVerifier,
        unlockVerifier: sealed.unlockVerifier,
        manageVerifier: sealed.manageVerifier,
        ttlSeconds: Math.min(Math.max(ttlSeconds, current.minTtlSeconds), current.maxTtlSeconds),
        maxViews: Math.min(maxViews, current.maxViews),
        ...(allowed.entries.length > 0 ? { allowedIps: allowed.entries } : {}),
      });
      const origin = window.location.origin;
      const manageLink = formatManageLink(origin, sealed.id, sealed.manageKey);
      rememberSentLink(manageLink);
      // The plaintext has no business staying in memory once it is encrypted and stored.
      setText("");
      attachments.clearFiles();
      setPassphrase("");
      setShowPassphrase(false);
      setStage({
        kind: "done",
        created: {
          shareLink: formatShareLink(origin, sealed.linkKey, sealed.needsPassphrase),
          manageLink,
          expiresAt: answer.expiresAt,
          maxViews: answer.maxViews,
          passphrase: sealed.needsPassphrase,
          allowedIps: allowed.entries,
          createdAtMs: Date.now(),
        },
      });
    } catch (failure) {
      fail("server", describeFailure(failure, serverLimit));
    }
  }

  function startAnother() {
    setStage(IDLE);
    setAllowlist("");
  }

  return {
    config,
    configFailed,
    text,
    setText,
    files,
    addFiles: attachments.addFiles,
    removeFile: attachments.removeFile,
    pendingReads: attachments.pendingReads,
    expiryOptions,
    ttlSeconds,
    setExpiry,
    viewOptions,
    maxViews,
    setViews,
    passphrase,
    setPassphrase,
    showPassphrase,
    setShowPassphrase,
    allowlist,
    setAllowlist,
    maxAllowedIps,
    size,
    limit,
    stage,
    busyStage,
    busy,
    submit,
    startAnother,
  };
}
