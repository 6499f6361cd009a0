/**
 * The webhook outlet as an EventSink (lib/server/events/types.ts): `deliver` turns each
 * event into one job per matching target (every WEBHOOK_ENDPOINTS entry that wants the
 * event, and the event's own per-secret notify) and enqueues them durably, then returns.
 * The HTTP work happens later, in the worker (./worker.ts), so a slow receiver never slows
 * the dispatcher or a request.
 *
 * Guarantees: `deliver` resolves only once every job is in the store's queue (rejects with
 * the store's error otherwise, so the dispatcher keeps the events and tries again); the
 * same event delivered twice makes no second job (the job id is its webhook-id). A notify
 * target that cannot be opened (its secret rotated away) is skipped, never guessed at.
 */
import "server-only";
import { createHash } from "node:crypto";
import type { WebhookJob, WebhookQueue } from "@/lib/store/webhook-queue";
import type { BurnlinkEvent, EventSink } from "@/lib/server/events/types";
import { wantsEvent, type WebhookConfig } from "./endpoints-config";
import { openNotifyTarget } from "./notify";
import { webhookBodyOf, webhookIdOf } from "./payload";

/** Jobs per store call: keeps one script's arguments small. */
const ENQUEUE_BATCH = 200;

export interface WebhookSinkOptions {
  queue: WebhookQueue;
  config: WebhookConfig;
  /** AUDIT_HASH_KEY (owned by the events module): the §9 fingerprint key. */
  auditHashKey: string;
  now?: () => number;
}

/** What a notify job's webhook-id is derived from: stable per secret, not the URL itself. */
export const notifyTargetKey = (sealed: string) => `notify:${createHash("sha256").update(sealed).digest("hex")}`;

export function jobsFor(events: readonly BurnlinkEvent[], options: Omit<WebhookSinkOptions, "queue">, nowMs: number): WebhookJob[] {
  const jobs: WebhookJob[] = [];
  for (const event of events) {
    const operatorBody = webhookBodyOf(event, options.auditHashKey);
    for (const endpoint of options.config.endpoints) {
      if (!wantsEvent(endpoint.events, event.type)) continue;
      jobs.push({
        id: webhookIdOf(event, endpoint.urlKey),
        target: { kind: "endpoint", urlKey: endpoint.urlKey },
        body: operatorBody,
        attempts: 0,
        enqueuedAtMs: nowMs,
      });
    }
    if (event.notify === undefined) continue;
    const target = openNotifyTarget(event.notify, options.config.notifySecrets);
    if (!target || !wantsEvent(target.events, event.type)) continue;
    jobs.push({
      id: webhookIdOf(event, notifyTargetKey(event.notify)),
      target: { kind: "notify", sealed: event.notify },
      body: target.includeId ? webhookBodyOf(event, options.auditHashKey, true) : operatorBody,
      attempts: 0,
      enqueuedAtMs: nowMs,
    });
  }
  return jobs;
}

export function createWebhookSink(options: WebhookSinkOptions): EventSink {
  const now = options.now ?? Date.now;
  return {
    name: "webhooks",
    async deliver(events) {
      const nowMs = now();
      const jobs = jobsFor(events, options, nowMs);
      for (let start = 0; start < jobs.length; start += ENQUEUE_BATCH) {
        await options.queue.enqueue(jobs.slice(start, start + ENQUEUE_BATCH), nowMs, nowMs);
      }
    },
  };
}
