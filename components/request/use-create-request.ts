"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ServerConfigResponse } from "@/lib/api/wire";
import { ciphertextSize, envelopeSize, formatCollectLink, formatRequestLink, sealRequest } from "@/lib/crypto";
import { api, isApiError } from "@/components/browser/api";
import { formatBytes } from "@/components/browser/format";
import { nextPaint } from "@/components/browser/next-paint";
import { rememberSentLink } from "@/components/browser/sent-links";
import { DEFAULT_EXPIRY_SECONDS, defaultExpiry, expiryChoices } from "@/components/create/expiry-choices";

/** How many answers a request may take; 1 is a one-shot request, more a small inbox. */
const ANSWER_CHOICES = [1, 2, 3, 5, 10];
/** Until /api/config answers: the protocol's default (PROTOCOL.md §7). */
const FALLBACK_MAX_LABEL_BYTES = 4096;

/** What the requester gets once the request is stored. */
export interface CreatedRequest {
  requestLink: string;
  collectLink: string;
  expiresAt: string;
  maxResponses: number;
  withInstructions: boolean;
  createdAtMs: number;
}

/**
 * Where making a request is: one value (STYLE.md), every submit ends in `done` or
 * `failed` with a message. There is no `reading`: a request carries no files.
 */
export type CreateRequestStage =
  | { kind: "idle" }
  | { kind: "checking" }
  | { kind: "encrypting" }
  | { kind: "uploading" }
  | { kind: "done"; created: CreatedRequest }
  | { kind: "failed"; reason: "too_large" | "server"; message: string };

const IDLE: CreateRequestStage = { kind: "idle" };

function answerChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return ANSWER_CHOICES;
  const fitting = ANSWER_CHOICES.filter((count) => count <= config.maxRequestResponses);
  return fitting.length > 0 ? fitting : [1];
}

/** Bytes of the sealed label (PROTOCOL.md §7: a padded §3 envelope under secretbox); null without one. */
export function labelCiphertextSize(label: string): number | null {
  if (label === "") return null;
  try {
    return ciphertextSize(envelopeSize({ text: label }));
  } catch {
    return null;
  }
}

function labelTooLargeMessage(size: number, limit: number): string {
  return `The instructions are ${formatBytes(size)} once encrypted, but this server accepts up to ${formatBytes(limit)}. Shorten them; nothing was sent.`;
}

function describeFailure(error: unknown): string {
  if (!isApiError(error)) {
    return error instanceof Error ? `${error.message} Nothing was sent.` : "Something went wrong. Nothing was sent; try again.";
  }
  switch (error.code) {
    case "network_error":
      return "Could not reach the Burnlink server. Check your connection, then press Create again: your instructions and options are still here.";
    case "auth_required":
      // PROTOCOL.md §8: under a create policy other than open, a browser without a session is refused.
      return "This server lets only signed-in people or holders of an API token make requests. Sign in, or use the burnlink CLI with a token; answering a request needs no account.";
    case "forbidden":
      return `The server refused to let you make requests: ${error.body?.message ?? error.message}`;
    case "too_large":
      return "The server refused the instructions as too large. Shorten them, then try again.";
    case "rate_limited":
      return "Too many secrets and requests were created from your network in a short time. Wait a minute, then press Create again; nothing was lost.";
    case "store_unavailable":
    case "internal_error":
      return "The server cannot store requests right now. Try again in a minute: your instructions are still here and nothing was stored.";
    case "invalid_request":
      return `The server refused the request: ${error.body?.message ?? error.message} Check the options and try again.`;
    default:
      return `The server answered “${error.body?.message ?? error.message}”. Your instructions are still here; try again.`;
  }
}

/**
 * The "Request a secret" form's state and its one submission: idle → checking →
 * encrypting → uploading → done | failed (STYLE.md, "state in a hook"). The browser makes
 * R and with it the key pair (PROTOCOL.md §7); only the rid, the two verifiers and the
 * sealed instructions are sent.
 */
export function useCreateRequest() {
  const [config, setConfig] = useState<ServerConfigResponse | null>(null);
  const [configFailed, setConfigFailed] = useState(false);
  const [label, setLabel] = useState("");
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY_SECONDS);
  const [answers, setAnswers] = useState(1);
  const [stage, setStage] = useState<CreateRequestStage>(IDLE);
  const configRequest = useRef<Promise<ServerConfigResponse> | null>(null);

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

  const expiryOptions = expiryChoices(config);
  const ttlSeconds = expiryOptions.includes(expiry) ? expiry : defaultExpiry(expiryOptions);
  const answerOptions = answerChoices(config);
  const maxResponses = answerOptions.includes(answers) ? answers : 1;
  const labelSize = useMemo(() => labelCiphertextSize(label), [label]);
  const labelLimit = config?.maxLabelBytes ?? FALLBACK_MAX_LABEL_BYTES;
  const busy = stage.kind === "checking" || stage.kind === "encrypting" || stage.kind === "uploading";

  async function submit(): Promise<void> {
    if (busy) return;
    const fail = (reason: "too_large" | "server", message: string) => setStage({ kind: "failed", reason, message });
    setStage({ kind: "checking" });
    try {
      const current = config ?? (await loadConfig());
      const size = labelCiphertextSize(label);
      if (size !== null && size > current.maxLabelBytes) {
        fail("too_large", labelTooLargeMessage(size, current.maxLabelBytes));
        return;
      }
      setStage({ kind: "encrypting" });
      await nextPaint();
      const sealed = sealRequest(label === "" ? {} : { label });
      setStage({ kind: "uploading" });
      const answer = await api.createRequest({
        id: sealed.id,
        writeVerifier: sealed.writeVerifier,
        collectVerifier: sealed.collectVerifier,
        ...(sealed.label === undefined ? {} : { label: sealed.label }),
        ttlSeconds: Math.min(Math.max(ttlSeconds, current.minTtlSeconds), current.maxTtlSeconds),
        maxResponses: Math.min(maxResponses, current.maxRequestResponses),
      });
      const origin = window.location.origin;
      const collectLink = formatCollectLink(origin, sealed.collectKey);
      // The collect link is the only way to the answers: keep it where manage links are kept.
      rememberSentLink(collectLink);
      const withInstructions = label !== "";
      setLabel("");
      setStage({
        kind: "done",
        created: {
          requestLink: formatRequestLink(origin, sealed.publicKey),
          collectLink,
          expiresAt: answer.expiresAt,
          maxResponses: answer.maxResponses,
          withInstructions,
          createdAtMs: Date.now(),
        },
      });
    } catch (failure) {
      fail("server", describeFailure(failure));
    }
  }

  return {
    config,
    configFailed,
    label,
    setLabel,
    labelSize,
    labelLimit,
    expiryOptions,
    ttlSeconds,
    setExpiry,
    answerOptions,
    maxResponses,
    setAnswers,
    stage,
    busy,
    submit,
    startAnother: () => setStage(IDLE),
  };
}
