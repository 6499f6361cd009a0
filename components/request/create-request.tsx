"use client";

import { useEffect, useId, useRef } from "react";
import { formatBytes, formatDuration } from "@/components/browser/format";
import { SentList } from "@/components/create/sent-list";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Hint, TextArea } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { ProgressSteps } from "@/components/ui/progress-steps";
import { Segmented } from "@/components/ui/segmented";
import { RequestResult } from "./request-result";
import { useCreateRequest } from "./use-create-request";

const STEPS = [
  { key: "checking", label: "Checking the instructions against the server’s limit" },
  { key: "encrypting", label: "Making the key pair and encrypting the instructions in this browser" },
  { key: "uploading", label: "Storing the request (without its keys)" },
] as const;

function LabelMeter({ id, size, limit }: { id: string; size: number | null; limit: number }) {
  const over = size !== null && size > limit;
  return (
    <Hint id={id}>
      <span className={over ? "font-semibold text-red-700 dark:text-red-400" : ""} data-testid="label-meter">
        {size === null
          ? "Optional. Encrypted in this browser; only people with the request link can read it."
          : over
            ? `${formatBytes(size)} once encrypted: over this server’s limit of ${formatBytes(limit)} for instructions.`
            : `${formatBytes(size)} of ${formatBytes(limit)} once encrypted. Only people with the request link can read it.`}
      </span>
    </Hint>
  );
}

/** "Request a secret": instructions, lifetime and number of answers, then the two links. */
export function CreateRequest() {
  const form = useCreateRequest();
  const { stage, busy } = form;
  const labelId = useId();
  const meterId = useId();
  const labelArea = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (stage.kind === "done") document.getElementById("request-heading")?.focus();
  }, [stage]);

  if (stage.kind === "done") {
    return (
      <>
        <RequestResult
          created={stage.created}
          onAnother={() => {
            form.startAnother();
            requestAnimationFrame(() => labelArea.current?.focus());
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
        aria-busy={busy}
        data-testid="request-form"
      >
        <Card>
          <label htmlFor={labelId} className="mb-2 block text-sm font-medium">
            What do you need?
          </label>
          <TextArea
            id={labelId}
            ref={labelArea}
            value={form.label}
            onChange={(event) => form.setLabel(event.target.value)}
            rows={4}
            disabled={busy}
            placeholder="For example: the staging database password, and your SSH public key"
            className="min-h-24 resize-y leading-relaxed"
            aria-describedby={meterId}
            aria-invalid={form.labelSize !== null && form.labelSize > form.labelLimit}
            data-testid="request-label"
          />
          <LabelMeter id={meterId} size={form.labelSize} limit={form.labelLimit} />
        </Card>

        <Card>
          <h2 className="sr-only">Options</h2>
          <div className="grid gap-6 sm:grid-cols-2">
            <Segmented
              legend="Takes answers for"
              name="request-expiry"
              disabled={busy}
              value={form.ttlSeconds}
              onChange={form.setExpiry}
              options={form.expiryOptions.map((seconds) => ({ value: seconds, label: formatDuration(seconds) }))}
            />
            <Segmented
              legend="How many answers"
              name="request-answers"
              disabled={busy}
              value={form.maxResponses}
              onChange={form.setAnswers}
              options={form.answerOptions.map((count) => ({ value: count, label: count === 1 ? "One" : `Up to ${count}` }))}
            />
          </div>
          <Hint>
            {form.maxResponses === 1
              ? "One answer, then the request link stops working."
              : `A small inbox: up to ${form.maxResponses} people (or one person, several times) can answer through the same link.`}
          </Hint>
        </Card>

        {form.configFailed && !form.config ? (
          <Notice tone="warning">Could not load this server’s limits; they will be checked when you create the request.</Notice>
        ) : null}
        {stage.kind === "failed" ? (
          <Notice tone="error" testId="request-create-error">
            {stage.message}
          </Notice>
        ) : null}

        <Button type="submit" variant="primary" size="lg" disabled={busy} data-testid="request-create-button">
          {busy ? "Creating…" : "Create request link"}
        </Button>
        {stage.kind === "checking" || stage.kind === "encrypting" || stage.kind === "uploading" ? (
          <ProgressSteps steps={STEPS} current={stage.kind} testId="request-create-progress" />
        ) : null}
      </form>
      <SentList />
    </>
  );
}
