"use client";

import { useEffect, useEffectEvent, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TextArea } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { CreateProgress } from "./create-progress";
import { FileAttachments } from "./file-attachments";
import { SecretGenerator } from "./secret-generator";
import { SecretOptions } from "./secret-options";
import { SentList } from "./sent-list";
import { SizeMeter } from "./size-meter";
import { ShareResult } from "./share-result";
import { useCreateSecret } from "./use-create-secret";

/** The create page: the form, its progress and result; the state lives in useCreateSecret. */
export function CreateSecret() {
  const form = useCreateSecret();
  const { stage, busy } = form;
  const [generatorOpen, setGeneratorOpen] = useState(false);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const ids = { text: useId(), size: useId() };
  const reading = form.pendingReads > 0;

  useEffect(() => {
    if (stage.kind === "done") document.getElementById("share-heading")?.focus();
    else if (stage.kind === "failed" && stage.reason === "empty") textArea.current?.focus();
  }, [stage]);

  // Ctrl/Cmd+Enter anywhere on the page, also when focus fell back to <body> after a failure.
  // It works while files are read: the submit then waits for them and says so.
  const onShortcut = useEffectEvent((event: KeyboardEvent) => {
    if (stage.kind === "done" || event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    void form.submit();
  });
  useEffect(() => {
    window.addEventListener("keydown", onShortcut);
    return () => window.removeEventListener("keydown", onShortcut);
  }, []);

  if (stage.kind === "done") {
    return (
      <>
        <ShareResult
          created={stage.created}
          onAnother={() => {
            form.startAnother();
            requestAnimationFrame(() => textArea.current?.focus());
          }}
        />
        <SentList />
      </>
    );
  }

  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void form.submit();
        }}
        className="space-y-6"
        aria-busy={busy || reading}
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
            value={form.text}
            onChange={(event) => form.setText(event.target.value)}
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
                form.setText(secret);
                textArea.current?.focus();
              }}
            />
          ) : null}
          <div className="mt-4">
            <FileAttachments files={form.files} onPick={form.addFiles} onRemove={form.removeFile} reading={reading} disabled={busy} />
          </div>
          <SizeMeter id={ids.size} size={form.size} limit={form.limit} />
        </Card>

        <SecretOptions
          disabled={busy}
          expiryOptions={form.expiryOptions}
          ttlSeconds={form.ttlSeconds}
          onExpiry={form.setExpiry}
          viewOptions={form.viewOptions}
          maxViews={form.maxViews}
          onViews={form.setViews}
          passphrase={form.passphrase}
          onPassphrase={form.setPassphrase}
          showPassphrase={form.showPassphrase}
          onShowPassphrase={form.setShowPassphrase}
          passphraseAttempts={form.config?.passphraseAttempts ?? null}
          allowlist={form.allowlist}
          onAllowlist={form.setAllowlist}
          maxAllowedIps={form.maxAllowedIps}
        />

        {form.configFailed && !form.config ? (
          <Notice tone="warning">Could not load this server’s limits; they will be checked when you create the link.</Notice>
        ) : null}
        {stage.kind === "failed" ? (
          <Notice tone="error" testId="create-error">
            {stage.message}
          </Notice>
        ) : null}

        <div className="flex flex-wrap items-center gap-4">
          {/* Disabled while files are read, and saying so: a click then could only be lost. */}
          <Button type="submit" variant="primary" size="lg" disabled={busy || reading} data-testid="create-button">
            {busy ? "Creating…" : reading ? "Reading files…" : "Create secret link"}
          </Button>
          <span className="hidden text-xs text-zinc-600 sm:inline dark:text-zinc-400">
            or press <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700">Ctrl</kbd> +{" "}
            <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700">Enter</kbd>
          </span>
        </div>
        {form.busyStage ? <CreateProgress stage={form.busyStage} withFiles={form.files.length > 0} withPassphrase={form.passphrase !== ""} /> : null}
      </form>
      <SentList />
    </>
  );
}
