"use client";

import { useEffect, useEffectEvent, useId, useRef } from "react";
import { hiddenCharacters } from "@/components/browser/files";
import { formatDateTime, formatRelative, plural } from "@/components/browser/format";
import { CreateProgress } from "@/components/create/create-progress";
import { FileAttachments } from "@/components/create/file-attachments";
import { SizeMeter } from "@/components/create/size-meter";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TextArea } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SenderLine } from "@/components/reveal/sender-line";
import { RequestGoneMessage } from "./request-gone-message";
import { useRespond } from "./use-respond";

function Loading({ label }: { label: string }) {
  return (
    <p className="animate-pulse text-zinc-600 dark:text-zinc-400" role="status">
      {label}
    </p>
  );
}

/** The requester's instructions: decrypted here, rendered as text only. */
function Instructions({ label }: { label: string | undefined }) {
  if (label === undefined || label === "") {
    return (
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400" data-testid="request-no-label">
        The requester left no instructions. If you are not sure what they need, ask them before you answer.
      </p>
    );
  }
  const unusual = hiddenCharacters(label);
  return (
    <div className="mt-4">
      <h2 className="text-sm font-medium">What they ask for</h2>
      <blockquote
        className="mt-1 rounded-lg border-l-4 border-orange-600 bg-zinc-100 px-4 py-3 text-sm leading-relaxed break-words whitespace-pre-wrap dark:bg-zinc-800"
        dir="auto"
        translate="no"
        data-testid="request-label-text"
      >
        {label}
      </blockquote>
      {unusual.length > 0 ? (
        <Notice tone="warning" className="mt-2" testId="request-label-warning">
          These instructions hold invisible or direction-changing characters ({unusual.join(", ")}), so they may not say what they seem to.
        </Notice>
      ) : null}
      <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        Written by whoever made the request link, and readable only with it. Send nothing you would not give that person.
      </p>
    </div>
  );
}

/** The responder's page for `/r#r…`: check, show the instructions, and send one answer on Submit. */
export function RespondFlow({ publicKey, onSent }: { publicKey: Uint8Array; onSent: () => void }) {
  const form = useRespond(publicKey);
  const { load, stage, busyStage } = form;
  const busy = busyStage !== null;
  const reading = form.pendingReads > 0;
  const ids = { text: useId(), size: useId() };
  const textArea = useRef<HTMLTextAreaElement>(null);
  const sent = stage.kind === "sent";

  const announceSent = useEffectEvent(() => onSent());
  useEffect(() => {
    if (stage.kind === "sent") {
      document.getElementById("respond-sent-heading")?.focus();
      // The code exists only on this page: keep it on screen if another link is pasted.
      announceSent();
    } else if (stage.kind === "failed" && stage.reason === "empty") textArea.current?.focus();
  }, [stage]);

  switch (load.kind) {
    case "checking":
      return <Loading label="Checking the request…" />;
    case "not_found":
      return (
        <Card>
          <h1 className="mb-4 text-xl font-bold">This request cannot be answered</h1>
          <Notice tone="info" title="No such request" testId="request-not-found">
            This link does not match any request on this server. It may have been mistyped or cut short, or it ended long enough ago that even its record
            is gone. Ask the requester for a new link.
          </Notice>
        </Card>
      );
    case "gone":
      return (
        <Card>
          <h1 className="mb-4 text-xl font-bold">This request takes no more answers</h1>
          <RequestGoneMessage gone={load.gone} />
        </Card>
      );
    case "bad_label":
      return (
        <Card>
          <h1 className="mb-4 text-xl font-bold">This request cannot be answered</h1>
          <Notice tone="error" testId="request-bad-label">
            {load.message}
          </Notice>
        </Card>
      );
    case "retry":
      return (
        <Card>
          <h1 className="mb-4 text-xl font-bold">Something went wrong</h1>
          <div className="space-y-4">
            <Notice tone="error" testId="request-check-error">
              {load.message}
            </Notice>
            <Button onClick={form.retryCheck}>Try again</Button>
          </div>
        </Card>
      );
    case "open":
      break;
  }

  if (sent) {
    return (
      <Card>
        <h1 className="text-xl font-bold" tabIndex={-1} id="respond-sent-heading">
          Your answer was sent
        </h1>
        <p className="mt-3 text-sm text-zinc-700 dark:text-zinc-300">Your code for this answer:</p>
        <p className="mt-1 font-mono text-4xl font-bold tracking-[0.3em] tabular-nums" data-testid="respond-code">
          {stage.sas}
        </p>
        <Notice tone="success" className="mt-4" testId="respond-sent">
          <p>The requester can now collect it; nothing else to send.</p>
          <p className="mt-2">
            They will see the same code next to your answer. If you want to be sure it reached the right person, compare the code with them by phone or
            chat: someone who intercepted the request link and answered in your place would show them another one.
          </p>
        </Notice>
        <p className="mt-4 text-xs text-zinc-600 dark:text-zinc-400">
          Your answer was encrypted in this browser to the requester’s key and is no longer kept on this page. The server stores only ciphertext.
        </p>
      </Card>
    );
  }

  const open = load;
  return (
    <Card>
      <h1 className="text-xl font-bold">Someone asks you for a secret</h1>
      <p className="mt-2 text-zinc-700 dark:text-zinc-300" data-testid="request-summary">
        This request takes {open.responsesLeft === 1 ? "one more answer" : plural(open.responsesLeft, "more answer", "more answers")} and closes{" "}
        {formatRelative(open.expiresAt, open.checkedAtMs)} ({formatDateTime(open.expiresAt)}).
      </p>
      {open.sender !== undefined ? <SenderLine name={open.sender} lead="Requested by" testId="request-sender" /> : null}
      <Instructions label={open.label} />
      <form
        className="mt-6 space-y-4"
        aria-busy={busy || reading}
        onSubmit={(event) => {
          event.preventDefault();
          void form.submit();
        }}
        data-testid="respond-form"
      >
        <div>
          <label htmlFor={ids.text} className="mb-2 block text-sm font-medium">
            Your answer
          </label>
          <TextArea
            id={ids.text}
            ref={textArea}
            value={form.text}
            onChange={(event) => form.setText(event.target.value)}
            rows={6}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            autoCorrect="off"
            disabled={busy}
            placeholder="Paste the password, key or note they asked for…"
            className="min-h-32 resize-y font-mono leading-relaxed"
            aria-describedby={ids.size}
            data-testid="respond-text"
          />
        </div>
        <FileAttachments files={form.files} onPick={form.addFiles} onRemove={form.removeFile} reading={reading} disabled={busy} />
        <SizeMeter id={ids.size} size={form.size} limit={form.limit} />
        {stage.kind === "failed" ? (
          <div className="space-y-3">
            {stage.gone ? <RequestGoneMessage gone={stage.gone} /> : null}
            <Notice tone="error" testId="respond-error">
              {stage.message}
            </Notice>
          </div>
        ) : null}
        <Button type="submit" variant="primary" size="lg" disabled={busy || reading} data-testid="respond-button">
          {busy ? "Sending…" : reading ? "Reading files…" : "Encrypt and send"}
        </Button>
        {busyStage ? <CreateProgress stage={busyStage} withFiles={form.files.length > 0} withPassphrase={false} /> : null}
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Nothing is sent before you press the button. Your answer is encrypted in this browser so that only the requester can open it.
        </p>
      </form>
    </Card>
  );
}
