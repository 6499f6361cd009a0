/**
 * The Redis, Redis Cluster and Upstash driver of the webhook queue (./webhook-types.ts):
 * one Lua script per operation over six keys that share the hash tag `{webhooks}`, so each
 * operation is one atomic step on one node (a cluster puts the whole queue in one slot:
 * the queue is small and short-lived, and atomic claims matter more than spreading it).
 *
 * Keys: KEYS[1] `jobs` hash id → job JSON; KEYS[2] `due` sorted set id → due time (a
 * claimed job's score is the end of its visibility); KEYS[3] `leases` hash id → lease;
 * KEYS[4] `done` sorted set id → completion time (pruned after DONE_RETENTION_MS);
 * KEYS[5] `disabled` hash state key → time; KEYS[6] `failing` hash state key → since.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { outcome, text, unexpected, whole } from "./script-replies";
import type { ScriptRunner } from "./scripted-store";
import { scriptOf } from "./scripts";
import {
  assertJob,
  assertStateKey,
  DONE_RETENTION_MS,
  isJobId,
  jobFromJson,
  jobToJson,
  MAX_CLAIM,
  type ClaimedJob,
  type WebhookJob,
  type WebhookQueue,
} from "./webhook-types";

/** ARGV: dueAt, prune bound, then id, json pairs. A job queued or done is not queued again. */
const ENQUEUE = scriptOf(
  "webhook-enqueue",
  `
redis.call("ZREMRANGEBYSCORE", KEYS[4], "-inf", ARGV[2])
local added = 0
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call("HEXISTS", KEYS[1], id) == 0 and not redis.call("ZSCORE", KEYS[4], id) then
    redis.call("HSET", KEYS[1], id, ARGV[i + 1])
    redis.call("ZADD", KEYS[2], ARGV[1], id)
    added = added + 1
  end
end
return { "ok", tostring(added) }
`,
);

/** ARGV: now, limit, visible-again time, lease. Moving the score hides the job from every other claim. */
const CLAIM = scriptOf(
  "webhook-claim",
  `
local ids = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[2]))
local reply = { "ok" }
for _, id in ipairs(ids) do
  local json = redis.call("HGET", KEYS[1], id)
  if json then
    redis.call("ZADD", KEYS[2], ARGV[3], id)
    redis.call("HSET", KEYS[3], id, ARGV[4])
    reply[#reply + 1] = json
  else
    redis.call("ZREM", KEYS[2], id)
    redis.call("HDEL", KEYS[3], id)
  end
end
return reply
`,
);

/** ARGV: id, lease, now, prune bound. Only the current lease holder completes. */
const COMPLETE = scriptOf(
  "webhook-complete",
  `
if redis.call("HGET", KEYS[3], ARGV[1]) ~= ARGV[2] then return { "stale" } end
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("ZADD", KEYS[4], ARGV[3], ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[4], "-inf", ARGV[4])
return { "ok" }
`,
);

/** ARGV: id, lease, dueAt, job JSON. Only the current lease holder reschedules. */
const RESCHEDULE = scriptOf(
  "webhook-reschedule",
  `
if redis.call("HGET", KEYS[3], ARGV[1]) ~= ARGV[2] then return { "stale" } end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[4])
redis.call("ZADD", KEYS[2], ARGV[3], ARGV[1])
redis.call("HDEL", KEYS[3], ARGV[1])
return { "ok" }
`,
);

/** ARGV: state key, now. HSETNX: only the first disabler hears "1". */
const DISABLE = scriptOf(
  "webhook-disable",
  `
local changed = redis.call("HSETNX", KEYS[5], ARGV[1], ARGV[2])
redis.call("HDEL", KEYS[6], ARGV[1])
return { "ok", tostring(changed) }
`,
);

/** ARGV: state key. */
const DISABLED_AT = scriptOf(
  "webhook-disabled-at",
  `
local at = redis.call("HGET", KEYS[5], ARGV[1])
if not at then return { "none" } end
return { "ok", at }
`,
);

/** ARGV: state key, now. The first failure after a success starts the 24 h clock. */
const FAILURE = scriptOf(
  "webhook-failure",
  `
redis.call("HSETNX", KEYS[6], ARGV[1], ARGV[2])
return { "ok", redis.call("HGET", KEYS[6], ARGV[1]) }
`,
);

/** ARGV: state key. */
const SUCCESS = scriptOf(
  "webhook-success",
  `
redis.call("HDEL", KEYS[6], ARGV[1])
return { "ok" }
`,
);

const DEPTH = scriptOf(
  "webhook-depth",
  `
return { "ok", tostring(redis.call("HLEN", KEYS[1])) }
`,
);

export const WEBHOOK_SCRIPTS = { ENQUEUE, CLAIM, COMPLETE, RESCHEDULE, DISABLE, DISABLED_AT, FAILURE, SUCCESS, DEPTH } as const;

function okOnly(reply: unknown, what: string): unknown[] {
  const [kind, parts] = outcome(reply, what);
  if (kind !== "ok") throw unexpected(what);
  return parts;
}

export class ScriptedWebhookQueue implements WebhookQueue {
  private readonly keys: string[];

  constructor(
    private readonly runner: ScriptRunner,
    keyPrefix: string,
  ) {
    this.keys = ["jobs", "due", "leases", "done", "disabled", "failing"].map((name) => `${keyPrefix}:{webhooks}:${name}`);
  }

  async enqueue(jobs: readonly WebhookJob[], dueAtMs: number, nowMs: number): Promise<number> {
    jobs.forEach(assertJob);
    if (jobs.length === 0) return 0;
    const args = [String(dueAtMs), String(nowMs - DONE_RETENTION_MS), ...jobs.flatMap((job) => [job.id, jobToJson(job)])];
    return whole(okOnly(await this.runner.run(ENQUEUE, this.keys, args), "webhook-enqueue"), 1, "webhook-enqueue");
  }

  async claim(nowMs: number, limit: number, visibilityMs: number): Promise<ClaimedJob[]> {
    const lease = randomBytes(16).toString("base64url");
    const count = Math.max(1, Math.min(MAX_CLAIM, Math.floor(limit)));
    const parts = okOnly(
      await this.runner.run(CLAIM, this.keys, [String(nowMs), String(count), String(nowMs + visibilityMs), lease]),
      "webhook-claim",
    );
    const claimed: ClaimedJob[] = [];
    for (let index = 1; index < parts.length; index++) {
      const job = jobFromJson(text(parts, index, "webhook-claim"));
      if (!job) throw unexpected("webhook-claim");
      claimed.push({ job, lease });
    }
    return claimed;
  }

  async complete(jobId: string, lease: string, nowMs: number): Promise<boolean> {
    if (!isJobId(jobId)) return false;
    const reply = await this.runner.run(COMPLETE, this.keys, [jobId, lease, String(nowMs), String(nowMs - DONE_RETENTION_MS)]);
    return this.okOrStale(reply, "webhook-complete");
  }

  async reschedule(job: WebhookJob, lease: string, dueAtMs: number): Promise<boolean> {
    assertJob(job);
    const reply = await this.runner.run(RESCHEDULE, this.keys, [job.id, lease, String(dueAtMs), jobToJson(job)]);
    return this.okOrStale(reply, "webhook-reschedule");
  }

  async disable(stateKey: string, nowMs: number): Promise<boolean> {
    assertStateKey(stateKey);
    return text(okOnly(await this.runner.run(DISABLE, this.keys, [stateKey, String(nowMs)]), "webhook-disable"), 1, "webhook-disable") === "1";
  }

  async disabledAt(stateKey: string): Promise<number | null> {
    assertStateKey(stateKey);
    const [kind, parts] = outcome(await this.runner.run(DISABLED_AT, this.keys, [stateKey]), "webhook-disabled-at");
    if (kind === "none") return null;
    if (kind !== "ok") throw unexpected("webhook-disabled-at");
    return whole(parts, 1, "webhook-disabled-at");
  }

  async recordFailure(stateKey: string, nowMs: number): Promise<number> {
    assertStateKey(stateKey);
    return whole(okOnly(await this.runner.run(FAILURE, this.keys, [stateKey, String(nowMs)]), "webhook-failure"), 1, "webhook-failure");
  }

  async recordSuccess(stateKey: string): Promise<void> {
    assertStateKey(stateKey);
    okOnly(await this.runner.run(SUCCESS, this.keys, [stateKey]), "webhook-success");
  }

  async depth(): Promise<number> {
    return whole(okOnly(await this.runner.run(DEPTH, this.keys, []), "webhook-depth"), 1, "webhook-depth");
  }

  private okOrStale(reply: unknown, what: string): boolean {
    const [kind] = outcome(reply, what);
    if (kind === "ok") return true;
    if (kind === "stale") return false;
    throw unexpected(what);
  }
}
