"use client";

import { useCallback, useEffect, useEffectEvent, useId, useMemo, useRef, useState } from "react";
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
import { formatBytes, formatDuration } from "@/components/browser/format";
import { rememberSentLink } from "@/components/browser/sent-links";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Hint, TextArea, TextInput } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { Segmented } from "@/components/ui/segmented";
import { AllowlistField } from "./allowlist-field";
import { FileAttachments, type PickedFile } from "./file-attachments";
import { parseAllowlist } from "./ip-list";
import { SecretGenerator } from "./secret-generator";
import { SentList } from "./sent-list";
import { ShareResult, type CreatedSecret } from "./share-result";

const EXPIRY_CHOICES = [300, 3_600, 86_400, 604_800];
const DEFAULT_EXPIRY_SECONDS = 86_400;
const VIEW_CHOICES = [1, 2, 3, 5, 10];
/** Until /api/config answers: the protocol's defaults (PROTOCOL.md §4). */
const FALLBACK_MAX_ALLOWED_IPS = 20;

type Stage = "checking" | "encrypting" | "uploading";

function expiryChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return EXPIRY_CHOICES;
  const fitting = EXPIRY_CHOICES.filter((seconds) => seconds >= config.minTtlSeconds && seconds <= config.maxTtlSeconds);
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
  if (files.length > 0) content.files = files.map(({ name, type, bytes }) => ({ name, type, bytes }));
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
    return error instanceof Error ? `${error.message} Nothing was sent; your secret is still here.` : "Something went wrong. Nothing was sent; try again.";
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

/** Lets React paint the progress step before the CPU-heavy part starts. */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export function CreateSecret() {
  const [config, setConfig] = useState<ServerConfigResponse | null>(null);
  const [configFailed, setConfigFailed] = useState(false);
  const [text, setText] = useState("");
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY_SECONDS);
  const [views, setViews] = useState(1);
  const [passphrase, setPassphrase] = useState("");
  const [showPassphrase, setShowPassphrase] = useState(false);
  const [allowlist, setAllowlist] = useState("");
  const [generatorOpen, setGeneratorOpen] = useState(false);
  const [stage, setStage] = useState<Stage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedSecret | null>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const ids = { text: useId(), passphrase: useId(), size: useId() };

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

  useEffect(() => {
    if (created) document.getElementById("share-heading")?.focus();
  }, [created]);

  const expiryOptions = expiryChoices(config);
  const ttlSeconds = expiryOptions.includes(expiry) ? expiry : defaultExpiry(expiryOptions);
  const viewOptions = viewChoices(config);
  const maxViews = viewOptions.includes(views) ? views : 1;
  const maxAllowedIps = config?.maxAllowedIps ?? FALLBACK_MAX_ALLOWED_IPS;
  const size = useMemo(() => (text === "" && files.length === 0 ? null : encryptedSize(text, files)), [text, files]);
  const limit = config?.maxCiphertextBytes ?? null;
  const busy = stage !== null;

  async function submit() {
    if (busy) return;
    setError(null);
    if (text === "" && files.length === 0) {
      setError("Write a secret or attach a file first.");
      textArea.current?.focus();
      return;
    }
    const allowed = parseAllowlist(allowlist);
    if (allowed.invalid.length > 0 || allowed.entries.length > maxAllowedIps) {
      setError("The IP allowlist has entries that are not addresses or ranges. Fix them, or empty the field to allow everyone.");
      return;
    }
    setStage("checking");
    let serverLimit = limit;
    try {
      const current = config ?? (await loadConfig());
      serverLimit = current.maxCiphertextBytes;
      const content = contentOf(text, files);
      const bytes = ciphertextSize(envelopeSize(content));
      if (bytes > current.maxCiphertextBytes) {
        setError(tooLargeMessage(bytes, current.maxCiphertextBytes));
        return;
      }
      setStage("encrypting");
      await nextPaint();
      const sealed = await sealSecret(content, { passphrase: passphrase === "" ? undefined : passphrase });
      setStage("uploading");
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
      setCreated({
        shareLink: formatShareLink(origin, sealed.linkKey, sealed.needsPassphrase),
        manageLink,
        expiresAt: answer.expiresAt,
        maxViews: answer.maxViews,
        passphrase: sealed.needsPassphrase,
        allowedIps: allowed.entries,
        createdAtMs: Date.now(),
      });
      // The plaintext has no business staying in memory once it is encrypted and stored.
      setText("");
      setFiles([]);
      setPassphrase("");
      setShowPassphrase(false);
    } catch (failure) {
      setError(describeFailure(failure, serverLimit));
    } finally {
      setStage(null);
    }
  }

  // Ctrl/Cmd+Enter anywhere on the page, also when focus fell back to <body> after a failure.
  const onShortcut = useEffectEvent((event: KeyboardEvent) => {
    if (created || event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    void submit();
  });
  useEffect(() => {
    window.addEventListener("keydown", onShortcut);
    return () => window.removeEventListener("keydown", onShortcut);
  }, []);

  if (created) {
    return (
      <>
        <ShareResult
          created={created}
          onAnother={() => {
            setCreated(null);
            setError(null);
            setAllowlist("");
            requestAnimationFrame(() => textArea.current?.focus());
          }}
        />
        <SentList />
      </>
    );
  }

  const overLimit = size !== null && limit !== null && size > limit;
  const stages: { key: Stage; label: string }[] = [
    { key: "checking", label: "Checking the size against the server’s limit" },
    { key: "encrypting", label: passphrase ? "Deriving a key from the passphrase, then encrypting" : "Encrypting in this browser" },
    { key: "uploading", label: "Uploading the ciphertext" },
  ];
  const stageIndex = stage ? stages.findIndex((entry) => entry.key === stage) : -1;

  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
        className="space-y-6"
        aria-busy={busy}
        data-testid="create-form"
      >
        <Card>
          <div className="mb-2 flex items-center justify-between gap-3">
            <label htmlFor={ids.text} className="text-sm font-medium">
              Secret
            </label>
            <Button variant="ghost" size="sm" aria-expanded={generatorOpen} onClick={() => setGeneratorOpen((open) => !open)}>
              {generatorOpen ? "Hide generator" : "Generate a strong secret"}
            </Button>
          </div>
          <TextArea
            id={ids.text}
            ref={textArea}
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={7}
            autoFocus
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            autoCorrect="off"
            disabled={busy}
            placeholder="Paste a password, a token, a private note…"
            className="min-h-36 resize-y font-mono leading-relaxed"
            aria-describedby={ids.size}
            data-testid="secret-text"
          />
          {generatorOpen ? (
            <SecretGenerator
              disabled={busy}
              onGenerate={(secret) => {
                setText(secret);
                textArea.current?.focus();
              }}
            />
          ) : null}
          <div className="mt-4">
            <FileAttachments
              files={files}
              limit={() => loadConfig().then((answer) => answer.maxCiphertextBytes, () => null)}
              disabled={busy}
              onAdd={(added) => {
                setError(null);
                setFiles((current) => [...current, ...added]);
              }}
              onRemove={(key) => setFiles((current) => current.filter((file) => file.key !== key))}
              onRefuse={setError}
            />
          </div>
          <p id={ids.size} className={`mt-3 text-xs ${overLimit ? "font-semibold text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-400"}`} data-testid="size-meter">
            {size === null
              ? "Encrypted in this browser before anything is sent."
              : limit === null
                ? `${formatBytes(size)} once encrypted.`
                : overLimit
                  ? `${formatBytes(size)} once encrypted: over this server’s limit of ${formatBytes(limit)}.`
                  : `${formatBytes(size)} of ${formatBytes(limit)} once encrypted (small secrets are padded to the same size).`}
          </p>
        </Card>

        <Card>
          <h2 className="sr-only">Options</h2>
          <div className="grid gap-6 sm:grid-cols-2">
            <Segmented
              legend="Expires after"
              name="expiry"
              disabled={busy}
              value={ttlSeconds}
              onChange={setExpiry}
              options={expiryOptions.map((seconds) => ({ value: seconds, label: formatDuration(seconds) }))}
            />
            <Segmented
              legend="Can be opened"
              name="views"
              disabled={busy}
              value={maxViews}
              onChange={setViews}
              options={viewOptions.map((count) => ({ value: count, label: count === 1 ? "Once" : `${count} times` }))}
            />
          </div>
          <div className="mt-6">
            <label htmlFor={ids.passphrase} className="mb-1 block text-sm font-medium">
              Passphrase <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
            </label>
            <div className="flex gap-2">
              <TextInput
                id={ids.passphrase}
                type={showPassphrase ? "text" : "password"}
                value={passphrase}
                disabled={busy}
                onChange={(event) => setPassphrase(event.target.value)}
                autoComplete="new-password"
                spellCheck={false}
                aria-describedby={`${ids.passphrase}-hint`}
                data-testid="passphrase"
              />
              <Button onClick={() => setShowPassphrase((show) => !show)} aria-pressed={showPassphrase} className="shrink-0">
                {showPassphrase ? "Hide" : "Show"}
              </Button>
            </div>
            <Hint id={`${ids.passphrase}-hint`}>
              The recipient needs it as well as the link. Send it through another channel (a call, another app), never with the link.
              {config ? ` After ${config.passphraseAttempts} wrong tries the secret is destroyed.` : ""}
            </Hint>
          </div>
          <details className="mt-6 group" data-testid="advanced">
            <summary className="w-fit rounded text-sm font-medium text-zinc-800 dark:text-zinc-200">Advanced: restrict by IP address</summary>
            <div className="mt-3">
              <AllowlistField value={allowlist} onChange={setAllowlist} maxEntries={maxAllowedIps} disabled={busy} />
            </div>
          </details>
        </Card>

        {configFailed && !config ? (
          <Notice tone="warning">Could not load this server’s limits; they will be checked when you create the link.</Notice>
        ) : null}
        {error ? (
          <Notice tone="error" testId="create-error">
            {error}
          </Notice>
        ) : null}

        <div className="flex flex-wrap items-center gap-4">
          <Button type="submit" variant="primary" size="lg" disabled={busy} data-testid="create-button">
            {busy ? "Creating…" : "Create secret link"}
          </Button>
          <span className="hidden text-xs text-zinc-600 sm:inline dark:text-zinc-400">
            or press <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700">Ctrl</kbd> +{" "}
            <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700">Enter</kbd>
          </span>
        </div>
        {busy ? (
          <ol className="space-y-1 text-sm" aria-live="polite" data-testid="create-progress">
            {stages.map((entry, index) => (
              <li key={entry.key} className={index < stageIndex ? "text-zinc-600 dark:text-zinc-400" : index === stageIndex ? "font-semibold" : "text-zinc-500"}>
                <span aria-hidden="true" className="inline-block w-5">
                  {index < stageIndex ? "✓" : index === stageIndex ? "›" : "·"}
                </span>
                {entry.label}
                {index === stageIndex ? "…" : ""}
              </li>
            ))}
          </ol>
        ) : null}
      </form>
      <SentList />
    </>
  );
}
