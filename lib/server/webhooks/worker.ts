/**
 * The delivery worker: a background loop that claims due jobs from the store's queue,
 * delivers them and records the outcome (issue 14 §2). Every instance may run one; the
 * queue's claims make sure a job is attempted by one of them at a time.
 *
 * Per job: 2xx = done; 410 = the endpoint is disabled for the whole deployment (its state
 * key: URL + secrets, so changing the configuration re-enables it); a refused address
 * (SSRF guard) = dropped with `webhook.refused`; any other failure (3xx, 4xx, 5xx, timeout,
 * connection) = tried again per ./backoff.ts, honouring Retry-After, until the schedule is
 * spent (`webhook.gave_up`) or the endpoint has failed for `disableAfterFailingMs` (24 h)
 * without a success in between (`webhook.disabled`). Jobs of a disabled or removed
 * endpoint are dropped when claimed. At least once: a worker that dies mid-delivery leaves
 * the job to come back after its visibility timeout, with the same webhook-id.
 *
 * Start it with startWebhookWorker() once per process (instrumentation.ts); stop() ends the
 * loop and waits for the deliveries in flight.
 */
import "server-only";
import type { ClaimedJob, WebhookQueue } from "@/lib/store/webhook-queue";
import { recordWebhookDelivery, setWebhookQueueDepth, type WebhookOutcome } from "@/lib/server/metrics";
import { attemptDelivery, DELIVERY_TIMEOUT_MS, MAX_RESPONSE_BYTES, type AttemptResult } from "./attempt";
import { auditWebhook, type WebhookAuditAction } from "./audit";
import { nextDelayMs, RETRY_SCHEDULE_MS } from "./backoff";
import { notifyStateKey, webhookUrlProblem, type WebhookConfig } from "./endpoints-config";
import { createWebhookHttp, type Resolver } from "./guarded-dispatcher";
import { openNotifyTarget } from "./notify";
import { signWebhook } from "./signature";

export const DISABLE_AFTER_FAILING_MS = 24 * 60 * 60 * 1000;
const DEPTH_REFRESH_MS = 15_000;

export interface WebhookWorkerOptions {
  queue: WebhookQueue;
  config: WebhookConfig;
  /** How long the loop sleeps when nothing was due. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Jobs claimed (and delivered concurrently) per round. Default 20. */
  batchSize?: number;
  /** How long a claimed job stays hidden from other workers; longer than one attempt. Default 60 s. */
  visibilityMs?: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Tests shrink it; production uses RETRY_SCHEDULE_MS. */
  retryScheduleMs?: readonly number[];
  disableAfterFailingMs?: number;
  /** Tests resolve names themselves (DNS rebinding, localhost). */
  resolve?: Resolver;
  now?: () => number;
  random?: () => number;
}

export interface WebhookDeliverer {
  /** One round: claim, deliver, record. Resolves with the number of jobs handled. */
  runOnce(): Promise<number>;
  /** Closes the HTTP connections. */
  close(): Promise<void>;
}

export interface WebhookWorker {
  runOnce(): Promise<number>;
  /** Ends the loop, waits for the deliveries in flight, closes the connections. */
  stop(): Promise<void>;
}

interface ResolvedTarget {
  url: string;
  secrets: readonly string[];
  stateKey: string;
  kind: "endpoint" | "notify";
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The rounds without the loop (tests drive them one by one). */
export function createWebhookDeliverer(options: WebhookWorkerOptions): WebhookDeliverer {
  const { queue, config } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const schedule = options.retryScheduleMs ?? RETRY_SCHEDULE_MS;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const visibilityMs = options.visibilityMs ?? Math.max(60_000, timeoutMs * 4);
  const disableAfter = options.disableAfterFailingMs ?? DISABLE_AFTER_FAILING_MS;
  const http = createWebhookHttp({
    allowPrivate: config.allowPrivate,
    ...(config.proxyUrl ? { proxyUrl: config.proxyUrl } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
    connectTimeoutMs: timeoutMs,
  });
  const endpoints = new Map(config.endpoints.map((endpoint) => [endpoint.urlKey, endpoint]));

  function targetOf({ job }: ClaimedJob): ResolvedTarget | null {
    if (job.target.kind === "endpoint") {
      const endpoint = endpoints.get(job.target.urlKey);
      return endpoint ? { url: endpoint.url, secrets: endpoint.secrets, stateKey: endpoint.stateKey, kind: "endpoint" } : null;
    }
    const notify = openNotifyTarget(job.target.sealed, config.notifySecrets);
    return notify ? { url: notify.url, secrets: config.notifySecrets, stateKey: notifyStateKey(notify.url), kind: "notify" } : null;
  }

  function audit(action: WebhookAuditAction, reason: string, target: ResolvedTarget, atMs: number): void {
    const host = target.kind === "endpoint" ? hostOf(target.url) : undefined;
    auditWebhook({ action, reason, target: target.kind, endpoint: target.stateKey.slice(0, 16), atMs, ...(host ? { host } : {}) });
  }

  async function finish(claimed: ClaimedJob, outcome: WebhookOutcome): Promise<void> {
    await queue.complete(claimed.job.id, claimed.lease, now());
    recordWebhookDelivery(outcome);
  }

  async function handle(claimed: ClaimedJob): Promise<void> {
    const target = targetOf(claimed);
    // The endpoint left the configuration (or the notify secret was rotated away): nobody to deliver to.
    if (!target) return finish(claimed, "gave_up");
    if ((await queue.disabledAt(target.stateKey)) !== null) return finish(claimed, "disabled");
    // A per-secret URL was checked at creation under the settings of then; http:// turned off since is refused now.
    const urlProblem = webhookUrlProblem(target.url, config.allowHttp, "the target url");
    if (urlProblem) {
      audit("webhook.refused", urlProblem, target, now());
      return finish(claimed, "refused");
    }
    const startedMs = now();
    const signed = signWebhook(claimed.job.id, startedMs / 1000, claimed.job.body, target.secrets);
    const result: AttemptResult = await attemptDelivery(target.url, claimed.job.body, signed, {
      http,
      timeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? MAX_RESPONSE_BYTES,
      nowMs: startedMs,
    });
    const endedMs = now();
    switch (result.kind) {
      case "delivered":
        await queue.recordSuccess(target.stateKey);
        return finish(claimed, "delivered");
      case "gone":
        if (await queue.disable(target.stateKey, endedMs)) audit("webhook.disabled", "the receiver answered 410 Gone", target, endedMs);
        return finish(claimed, "disabled");
      case "refused":
        audit("webhook.refused", result.reason, target, endedMs);
        return finish(claimed, "refused");
      case "failed": {
        const attempts = claimed.job.attempts + 1;
        const failingSince = await queue.recordFailure(target.stateKey, endedMs);
        if (endedMs - failingSince >= disableAfter) {
          if (await queue.disable(target.stateKey, endedMs)) audit("webhook.disabled", "failing for 24 h without a success", target, endedMs);
          return finish(claimed, "disabled");
        }
        const delay = nextDelayMs(attempts, schedule, random, result.retryAfterMs);
        if (delay === null) {
          audit("webhook.gave_up", `retries exhausted after ${attempts} attempts (last: ${result.reason})`, target, endedMs);
          return finish(claimed, "gave_up");
        }
        await queue.reschedule({ ...claimed.job, attempts }, claimed.lease, endedMs + delay);
        recordWebhookDelivery("failed");
        return;
      }
    }
  }

  // The gauge costs a store call: refreshed after work, and at most every DEPTH_REFRESH_MS when idle.
  let depthReadAtMs = -Infinity;
  async function runOnce(): Promise<number> {
    const claimed = await queue.claim(now(), options.batchSize ?? 20, visibilityMs);
    // One job's failure (a store error mid-way) must not lose the others: the job comes
    // back after its visibility timeout anyway.
    await Promise.all(claimed.map((job) => handle(job).catch(() => undefined)));
    if (claimed.length > 0 || now() - depthReadAtMs >= DEPTH_REFRESH_MS) {
      depthReadAtMs = now();
      setWebhookQueueDepth(await queue.depth());
    }
    return claimed.length;
  }

  return { runOnce, close: () => http.close() };
}

/** Starts the background loop: a round, then (when nothing was due) a pause of pollIntervalMs. */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const deliverer = createWebhookDeliverer(options);
  let stopped = false;
  let wake: (() => void) | undefined;
  let storeDownLogged = false;
  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        handled = await deliverer.runOnce();
        storeDownLogged = false;
      } catch (error) {
        if (!storeDownLogged) console.error(`burnlink: webhook worker cannot reach the store (${error instanceof Error ? error.message : "error"}); retrying`);
        storeDownLogged = true;
      }
      if (handled === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollIntervalMs ?? 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();

  return {
    runOnce: () => deliverer.runOnce(),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await deliverer.close();
    },
  };
}
