/**
 * The durable webhook delivery queue (issue 14 §2): one record kind beside secrets,
 * requests and credentials, on the same backend.
 *
 * Guarantees, proven on every driver by tests/store/webhook-queue-contract.ts:
 * - enqueue is idempotent per job id (the webhook-id): a job already queued, or completed
 *   within DONE_RETENTION_MS, is not queued again, so an event redelivered by the outbox
 *   after a crash is not delivered twice;
 * - claim hands each due job to ONE caller: the job becomes invisible for `visibilityMs`
 *   and carries a lease; only the lease holder can complete or reschedule it. A worker that
 *   crashes holding a job loses nothing: the job is due again when the visibility ends, and
 *   the late worker's complete is refused (its lease is stale);
 * - the disabled state and the failing-since time are kept per endpoint state key (a hash
 *   of URL + secrets: a configuration change is a new key, so it re-enables), shared by
 *   every instance; `disable` reports whether this call was the one that disabled, so one
 *   audit event is written per disablement;
 * - Redis, Redis Cluster and Upstash run one Lua script per operation, every key under the
 *   hash tag `{webhooks}` (`<prefix>:{webhooks}:jobs|due|leases|done|disabled|failing`);
 *   the memory driver does the same in one synchronous block per operation.
 * Stored: the job's body (the thin §9 payload: fingerprint, times, masked ip, creator),
 * the endpoint's URL hash or the sealed per-secret target; never a plain per-secret URL,
 * a webhook secret, a ciphertext, a proof or a link.
 */
import "server-only";

/** How long a completed job id is remembered, so a redelivered event is not queued again. */
export const DONE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Most jobs one claim hands out. */
export const MAX_CLAIM = 100;

export type WebhookTarget =
  /** An operator endpoint of WEBHOOK_ENDPOINTS, by the hash of its URL (rotations keep it). */
  | { kind: "endpoint"; urlKey: string }
  /** A per-secret notify: the sealed {url, events, includeId} of lib/server/webhooks/notify.ts. */
  | { kind: "notify"; sealed: string };

export interface WebhookJob {
  /** The webhook-id header: `msg_` + 32 b64u; stable across retries. */
  id: string;
  target: WebhookTarget;
  /** The exact JSON body; it is signed as these bytes on every attempt. */
  body: string;
  /** Attempts made so far (0 when enqueued). */
  attempts: number;
  enqueuedAtMs: number;
}

export interface ClaimedJob {
  job: WebhookJob;
  /** Proves the claim to complete and reschedule. */
  lease: string;
}

export interface WebhookQueue {
  /** Queues jobs due at `dueAtMs`; resolves with how many were new (see idempotence above). */
  enqueue(jobs: readonly WebhookJob[], dueAtMs: number, nowMs: number): Promise<number>;
  /** Up to `limit` jobs due at `nowMs`, each hidden from other claims for `visibilityMs`. */
  claim(nowMs: number, limit: number, visibilityMs: number): Promise<ClaimedJob[]>;
  /** Done (delivered, given up or dropped): forgets the job. False when the lease is stale. */
  complete(jobId: string, lease: string, nowMs: number): Promise<boolean>;
  /** Due again at `dueAtMs`, stored as `job` (its attempts counted). False when the lease is stale. */
  reschedule(job: WebhookJob, lease: string, dueAtMs: number): Promise<boolean>;
  /** Marks the endpoint disabled; true only for the call that changed it. */
  disable(stateKey: string, nowMs: number): Promise<boolean>;
  /** When it was disabled, or null. */
  disabledAt(stateKey: string): Promise<number | null>;
  /** A failed attempt: resolves with when the endpoint started failing (this call's time if it was healthy). */
  recordFailure(stateKey: string, nowMs: number): Promise<number>;
  /** A delivered attempt: the endpoint is healthy again. */
  recordSuccess(stateKey: string): Promise<void>;
  /** Jobs waiting (due or claimed): burnlink_webhook_queue_depth. */
  depth(): Promise<number>;
}

const JOB_ID = /^msg_[A-Za-z0-9_-]{16,64}$/;
const STATE_KEY = /^[0-9a-f]{64}$/;

export function assertJob(job: WebhookJob): void {
  if (!JOB_ID.test(job.id)) throw new TypeError("A webhook job id must be msg_ and 16 to 64 b64u characters");
  if (job.target.kind === "endpoint" ? !STATE_KEY.test(job.target.urlKey) : !/^[A-Za-z0-9._-]{1,8192}$/.test(job.target.sealed)) {
    throw new TypeError("Invalid webhook job target");
  }
  if (!Number.isSafeInteger(job.attempts) || job.attempts < 0) throw new TypeError("Invalid webhook job attempts");
}

export function assertStateKey(stateKey: string): void {
  if (!STATE_KEY.test(stateKey)) throw new TypeError("A webhook state key must be 64 lowercase hex digits");
}

export const isJobId = (id: string) => JOB_ID.test(id);

/** The job as stored (JSON), and back; a record of the wrong shape is null, never guessed at. */
export function jobToJson(job: WebhookJob): string {
  return JSON.stringify(job);
}

export function jobFromJson(json: string): WebhookJob | null {
  try {
    const value = JSON.parse(json) as Partial<WebhookJob>;
    const target = value.target as Partial<WebhookTarget> | undefined;
    if (
      typeof value.id !== "string" ||
      typeof value.body !== "string" ||
      typeof value.attempts !== "number" ||
      typeof value.enqueuedAtMs !== "number" ||
      !target ||
      !((target.kind === "endpoint" && typeof target.urlKey === "string") || (target.kind === "notify" && typeof target.sealed === "string"))
    ) {
      return null;
    }
    return value as WebhookJob;
  } catch {
    return null;
  }
}

