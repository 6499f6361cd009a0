"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ServerConfigResponse } from "@/lib/api/wire";
import {
  ciphertextSize,
  envelopeSize,
  formatManageLink,
  formatShareLink,
  sealSecret,
  type SecretContent,
} from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { visibleFileName } from "@/components/browser/files";
import { formatBytes } from "@/components/browser/format";
import { rememberSentLink } from "@/components/browser/sent-links";
import type { PickedFile } from "./file-attachments";
import { parseAllowlist } from "./ip-list";
import type { CreatedSecret } from "./share-result";

const EXPIRY_CHOICES = [300, 3_600, 86_400, 604_800];
const DEFAULT_EXPIRY_SECONDS = 86_400;
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

/** What one pick or drop of files came to, once read. */
interface ReadOutcome {
  accepted: PickedFile[];
  refusal: string | null;
}

let nextFileKey = 0;

function expiryChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return EXPIRY_CHOICES;
  const fitting = EXPIRY_CHOICES.filter(
    (seconds) => seconds >= config.minTtlSeconds && seconds <= config.maxTtlSeconds,
  );
  return fitting.length > 0 ? fitting : [config.maxTtlSeconds];
}

function defaultExpiry(choices: number[]): number {
  const atMostDefault = choices.filter((seconds) => seconds <= DEFAULT_EXPIRY_SECONDS);
  return atMostDefault.at(-1) ?? choices[0] ?? DEFAULT_EXPIRY_SECONDS;
}

function viewChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return VIEW_CHOICES;
  const fitting = VIEW_CHOICES.filter((views) => views <= config.maxViews);
  return fitting.length > 0 ? fitting : [1];
}

function contentOf(text: string, files: PickedFile[]): SecretContent {
  const content: SecretContent = {};
  if (text !== "" || files.length === 0) content.text = text;
  if (files.length > 0)
    content.files = files.map(({ name, type, bytes }) => ({ name, type, bytes }));
  return content;
}

function encryptedSize(text: string, files: PickedFile[]): number | null {
  try {
    return ciphertextSize(envelopeSize(contentOf(text, files)));
  } catch {
    return null;
  }
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
 * Reads picked files into memory (they are encrypted as a whole anyway), except one that
 * alone is over the server's limit: it is refused without being read. The limit is
 * awaited, so a pick made before /api/config answered is still checked.
 */
async function readFiles(
  picked: File[],
  limit: () => Promise<number | null>,
): Promise<ReadOutcome> {
  const maxBytes = await limit();
  const accepted: PickedFile[] = [];
  const tooLarge: string[] = [];
  const unreadable: string[] = [];
  for (const file of picked) {
    if (maxBytes !== null && file.size > maxBytes) {
      tooLarge.push(`“${visibleFileName(file.name)}” (${formatBytes(file.size)})`);
      continue;
    }
    try {
      accepted.push({
        key: `f${++nextFileKey}`,
        name: file.name,
        type: file.type,
        bytes: new Uint8Array(await file.arrayBuffer()),
      });
    } catch {
      unreadable.push(`“${visibleFileName(file.name)}”`);
    }
  }
  const refusals: string[] = [];
  if (tooLarge.length > 0 && maxBytes !== null) {
    refusals.push(
      `${tooLarge.join(", ")} ${tooLarge.length === 1 ? "is" : "are"} larger than this server accepts (${formatBytes(maxBytes)} in all). Send a smaller file, or split it.`,
    );
  }
  if (unreadable.length > 0) {
    refusals.push(
      `This browser could not read ${unreadable.join(", ")} (moved, deleted or not allowed). Attach ${unreadable.length === 1 ? "it" : "them"} again.`,
    );
  }
  return { accepted, refusal: refusals.length > 0 ? refusals.join(" ") : null };
}

/** Lets React paint the progress step before the CPU-heavy part starts. */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
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
  const [files, setFilesState] = useState<PickedFile[]>([]);
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY_SECONDS);
  const [views, setViews] = useState(1);
  const [passphrase, setPassphrase] = useState("");
  const [showPassphrase, setShowPassphrase] = useState(false);
  const [allowlist, setAllowlist] = useState("");
  const [stage, setStage] = useState<CreateStage>(IDLE);
  const [pendingReads, setPendingReads] = useState(0);
  /** The files as of now, for a submit that resumes after reads its render did not see. */
  const filesNow = useRef<PickedFile[]>([]);
  const reads = useRef(new Set<Promise<ReadOutcome>>());
  const configRequest = useRef<Promise<ServerConfigResponse> | null>(null);

  const setFiles = useCallback((update: (current: PickedFile[]) => PickedFile[]) => {
    filesNow.current = update(filesNow.current);
    setFilesState(filesNow.current);
  }, []);

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

  const addFiles = useCallback(
    (picked: File[]) => {
      if (picked.length === 0) return;
      const limit = () =>
        loadConfig().then(
          (answer) => answer.maxCiphertextBytes,
          () => null,
        );
      const read = readFiles(picked, limit).then((outcome) => {
        if (outcome.accepted.length > 0) setFiles((current) => [...current, ...outcome.accepted]);
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
        return outcome;
      });
      reads.current.add(read);
      setPendingReads((count) => count + 1);
      void read.finally(() => {
        reads.current.delete(read);
        setPendingReads((count) => count - 1);
      });
    },
    [loadConfig, setFiles],
  );

  const removeFile = useCallback(
    (key: string) => setFiles((current) => current.filter((file) => file.key !== key)),
    [setFiles],
  );

  const expiryOptions = expiryChoices(config);
  const ttlSeconds = expiryOptions.includes(expiry) ? expiry : defaultExpiry(expiryOptions);
  const viewOptions = viewChoices(config);
  const maxViews = viewOptions.includes(views) ? views : 1;
  const maxAllowedIps = config?.maxAllowedIps ?? FALLBACK_MAX_ALLOWED_IPS;
  const size = useMemo(
    () => (text === "" && files.length === 0 ? null : encryptedSize(text, files)),
    [text, files],
  );
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
    if (reads.current.size > 0) {
      setStage({ kind: "reading" });
      const outcomes = await Promise.all([...reads.current]);
      const refusal = outcomes.find((outcome) => outcome.refusal !== null)?.refusal;
      if (refusal) {
        fail("files", `${refusal} Nothing was sent.`);
        return;
      }
    }
    const attached = filesNow.current;
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
      setFiles(() => []);
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
    addFiles,
    removeFile,
    pendingReads,
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
