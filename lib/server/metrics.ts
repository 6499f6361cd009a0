/**
 * Prometheus metrics (issue 14 §4): prom-client's process metrics plus the burnlink_*
 * counters and histograms, in one registry per process.
 *
 * Guarantees:
 * - one registry per process: it lives on globalThis, so every copy of this module in
 *   Next's route bundles, and lib/server/start.mjs's /metrics listener, share it;
 * - no id, path, address or token ever becomes a label: every label value comes from a
 *   closed set here (route templates, clamped methods, status classes, outcome names);
 *   a value outside its set is recorded as "other";
 * - the exposition passes `promtool check metrics`: prom-client's three gauges named
 *   `*_total` (nodejs_active_{handles,requests,resources}_total) are left out; their
 *   per-type gauges (nodejs_active_handles{type} etc.) stay and sum to the same number.
 */
import "server-only";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { version } from "@/package.json";
import { setStoreObserver } from "@/lib/store/observer";
import { isErrorCode } from "@/lib/api/errors";

/** prom-client gauges whose `_total` suffix promtool refuses on a non-counter. */
const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export const REVEAL_OUTCOMES = ["ok", "not_found", "gone", "wrong_passphrase", "ip_not_allowed", "rate_limited", "invalid_request", "store_unavailable", "error"] as const;
export const CHECK_OUTCOMES = ["ok", "not_found", "gone", "ip_not_allowed", "rate_limited", "invalid_request", "store_unavailable", "error"] as const;
/** The gone reasons of PROTOCOL.md §4; `expired` is counted by the expiry sweep (issue 14 §1). */
export const END_REASONS = ["viewed", "burned", "attempts", "expired"] as const;
/** PROTOCOL.md §7 request operations. */
export const REQUEST_OPS = ["create", "check", "respond", "collect", "status", "revoke"] as const;
export const RATE_LIMIT_BUCKETS = ["create", "read", "manage", "passphrase", "other"] as const;
/** `failed` will be retried; `gave_up` ends the delivery; `refused` is the SSRF guard; `disabled` a 410 or 24 h of failures. */
export const WEBHOOK_OUTCOMES = ["delivered", "failed", "gave_up", "refused", "disabled"] as const;
export const STORE_ERROR_KINDS = ["unreachable", "timeout", "full", "refused", "bad_reply", "closed", "other"] as const;
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Seconds: an API answer is usually a few ms; the store's deadline is 1.5 s. */
const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export type RevealOutcome = (typeof REVEAL_OUTCOMES)[number];
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];
export type EndReason = (typeof END_REASONS)[number];
export type RequestOp = (typeof REQUEST_OPS)[number];
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
export type StoreErrorKind = (typeof STORE_ERROR_KINDS)[number];

function clamp<T extends string, F extends string>(value: string, allowed: readonly T[], fallback: F): T | F {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);

  const metrics = {
    registry,
    secretsCreated: new Counter({ name: "burnlink_secrets_created_total", help: "Secrets stored (201 answers to POST /api/secrets).", registers: [registry] }),
    reveals: new Counter({ name: "burnlink_reveals_total", help: "Answers to reveal, by outcome.", labelNames: ["outcome"] as const, registers: [registry] }),
    checks: new Counter({ name: "burnlink_checks_total", help: "Answers to check, by outcome.", labelNames: ["outcome"] as const, registers: [registry] }),
    secretsEnded: new Counter({ name: "burnlink_secrets_ended_total", help: "Secrets whose ciphertext is gone, by reason.", labelNames: ["reason"] as const, registers: [registry] }),
    requests: new Counter({ name: "burnlink_requests_total", help: "Secret-request operations (PROTOCOL.md §7), by operation and outcome.", labelNames: ["op", "outcome"] as const, registers: [registry] }),
    httpDuration: new Histogram({
      name: "burnlink_http_request_duration_seconds",
      help: "API answer time, by route template, method and status class.",
      labelNames: ["route", "method", "status_class"] as const,
      buckets: HTTP_BUCKETS_SECONDS,
      registers: [registry],
    }),
    storeDuration: new Histogram({
      name: "burnlink_store_command_duration_seconds",
      help: "Store command time (one Lua script per operation, or ping), failures included.",
      labelNames: ["script"] as const,
      buckets: STORE_BUCKETS_SECONDS,
      registers: [registry],
    }),
    storeErrors: new Counter({ name: "burnlink_store_errors_total", help: "Store commands that failed, by kind.", labelNames: ["kind"] as const, registers: [registry] }),
    rateLimited: new Counter({ name: "burnlink_rate_limited_total", help: "Requests refused with 429, by rate-limit bucket.", labelNames: ["bucket"] as const, registers: [registry] }),
    webhookDeliveries: new Counter({ name: "burnlink_webhook_deliveries_total", help: "Webhook delivery attempts, by outcome.", labelNames: ["outcome"] as const, registers: [registry] }),
    webhookQueueDepth: new Gauge({ name: "burnlink_webhook_queue_depth", help: "Webhook deliveries waiting in the durable queue.", registers: [registry] }),
    buildInfo: new Gauge({ name: "burnlink_build_info", help: "Always 1; the labels say which build runs.", labelNames: ["version", "node"] as const, registers: [registry] }),
  };
  metrics.buildInfo.set({ version, node: process.version }, 1);
  // Zero series for the outcomes alert rules divide by or compare, so a rate() exists from the first scrape.
  for (const outcome of REVEAL_OUTCOMES) metrics.reveals.inc({ outcome }, 0);
  for (const outcome of CHECK_OUTCOMES) metrics.checks.inc({ outcome }, 0);
  for (const reason of END_REASONS) metrics.secretsEnded.inc({ reason }, 0);
  for (const outcome of WEBHOOK_OUTCOMES) metrics.webhookDeliveries.inc({ outcome }, 0);
  for (const kind of STORE_ERROR_KINDS) metrics.storeErrors.inc({ kind }, 0);
  metrics.secretsCreated.inc(0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

const holder = globalThis as typeof globalThis & { __burnlinkMetrics?: Metrics };

/** The process's metrics, created on first use (also installs the store observer). */
export function getMetrics(): Metrics {
  if (!holder.__burnlinkMetrics) {
    const metrics = createMetrics();
    holder.__burnlinkMetrics = metrics;
    setStoreObserver({
      command(script, seconds, error) {
        metrics.storeDuration.observe({ script: scriptLabel(script) }, seconds);
        if (error !== undefined) metrics.storeErrors.inc({ kind: storeErrorKind(error) });
      },
    });
  }
  return holder.__burnlinkMetrics;
}

// Created when the module loads, so the store observer is in place before the first
// request's store commands run (withApi only touches the metrics after the handler).
getMetrics();

/** Script names are a fixed set in lib/store; anything else (a future bug) becomes "other". */
function scriptLabel(script: string): string {
  return /^[a-z][a-z0-9-]{0,31}$/.test(script) ? script : "other";
}

/** The kind of a store failure, from the driver's message (lib/store names the cause, never an argument). */
export function storeErrorKind(error: unknown): StoreErrorKind {
  const message = error instanceof Error ? error.message : "";
  if (/did not answer|within \d+ ms|timed? ?out/i.test(message)) return "timeout";
  if (/out of memory|maxmemory|is full/i.test(message)) return "full";
  if (/unexpected answer|not JSON/i.test(message)) return "bad_reply";
  if (/is closed/i.test(message)) return "closed";
  if (/refused the operation/i.test(message)) return "refused";
  if (/unreachable/i.test(message)) return "unreachable";
  return "other";
}

export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

/** Methods outside the routable set (TRACE, PROPFIND, ...) share one label. */
export function methodLabel(method: string): string {
  return clamp(method.toUpperCase(), METHODS, "OTHER");
}

/** One API answer, by its route TEMPLATE (never the path: it holds ids). */
export function observeHttpRequest(route: string, method: string, status: number, seconds: number): void {
  getMetrics().httpDuration.observe({ route, method: methodLabel(method), status_class: statusClassOf(status) }, seconds);
}

export function recordSecretCreated(): void {
  getMetrics().secretsCreated.inc();
}

/** `outcome` is "ok" or an error code of PROTOCOL.md §4; others become "error". */
export function recordReveal(outcome: string): void {
  getMetrics().reveals.inc({ outcome: clamp(outcome, REVEAL_OUTCOMES, "error") });
}

export function recordCheck(outcome: string): void {
  getMetrics().checks.inc({ outcome: clamp(outcome, CHECK_OUTCOMES, "error") });
}

export function recordSecretEnded(reason: EndReason): void {
  getMetrics().secretsEnded.inc({ reason });
}

/** For the §7 request routes: `outcome` is "ok" or an error code of lib/api/errors.ts; others become "error". */
export function recordRequestOperation(op: RequestOp, outcome: string): void {
  getMetrics().requests.inc({ op, outcome: outcome === "ok" || isErrorCode(outcome) ? outcome : "error" });
}

export function recordRateLimited(bucket: string): void {
  getMetrics().rateLimited.inc({ bucket: clamp(bucket, RATE_LIMIT_BUCKETS, "other") });
}

export function recordWebhookDelivery(outcome: WebhookOutcome): void {
  getMetrics().webhookDeliveries.inc({ outcome });
}

export function setWebhookQueueDepth(depth: number): void {
  getMetrics().webhookQueueDepth.set(depth);
}

/** The text exposition format and its content type, for /api/metrics and start.mjs's listener. */
export async function metricsExposition(): Promise<{ body: string; contentType: string }> {
  const { registry } = getMetrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
