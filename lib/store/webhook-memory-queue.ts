/**
 * The memory driver of the webhook queue (./webhook-types.ts): the same semantics in one
 * process, each operation one synchronous block (so two workers in one process never
 * claim the same job). Nothing survives a restart, as with the memory secret store.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { assertJob, assertStateKey, DONE_RETENTION_MS, MAX_CLAIM, type ClaimedJob, type WebhookJob, type WebhookQueue } from "./webhook-types";

interface Entry {
  job: WebhookJob;
  dueAtMs: number;
  lease: string | null;
}

export class MemoryWebhookQueue implements WebhookQueue {
  private readonly jobs = new Map<string, Entry>();
  private readonly done = new Map<string, number>();
  private readonly disabled = new Map<string, number>();
  private readonly failing = new Map<string, number>();

  async enqueue(jobs: readonly WebhookJob[], dueAtMs: number, nowMs: number): Promise<number> {
    jobs.forEach(assertJob);
    this.pruneDone(nowMs);
    let added = 0;
    for (const job of jobs) {
      if (this.jobs.has(job.id) || this.done.has(job.id)) continue;
      this.jobs.set(job.id, { job: structuredClone(job), dueAtMs, lease: null });
      added++;
    }
    return added;
  }

  async claim(nowMs: number, limit: number, visibilityMs: number): Promise<ClaimedJob[]> {
    const due = [...this.jobs.values()]
      .filter((entry) => entry.dueAtMs <= nowMs)
      .sort((a, b) => a.dueAtMs - b.dueAtMs || a.job.id.localeCompare(b.job.id))
      .slice(0, Math.min(limit, MAX_CLAIM));
    const lease = randomBytes(16).toString("base64url");
    return due.map((entry) => {
      entry.dueAtMs = nowMs + visibilityMs;
      entry.lease = lease;
      return { job: structuredClone(entry.job), lease };
    });
  }

  async complete(jobId: string, lease: string, nowMs: number): Promise<boolean> {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.lease !== lease) return false;
    this.jobs.delete(jobId);
    this.done.set(jobId, nowMs);
    this.pruneDone(nowMs);
    return true;
  }

  async reschedule(job: WebhookJob, lease: string, dueAtMs: number): Promise<boolean> {
    assertJob(job);
    const entry = this.jobs.get(job.id);
    if (!entry || entry.lease !== lease) return false;
    entry.job = structuredClone(job);
    entry.dueAtMs = dueAtMs;
    entry.lease = null;
    return true;
  }

  async disable(stateKey: string, nowMs: number): Promise<boolean> {
    assertStateKey(stateKey);
    if (this.disabled.has(stateKey)) return false;
    this.disabled.set(stateKey, nowMs);
    this.failing.delete(stateKey);
    return true;
  }

  async disabledAt(stateKey: string): Promise<number | null> {
    return this.disabled.get(stateKey) ?? null;
  }

  async recordFailure(stateKey: string, nowMs: number): Promise<number> {
    assertStateKey(stateKey);
    const since = this.failing.get(stateKey) ?? nowMs;
    this.failing.set(stateKey, since);
    return since;
  }

  async recordSuccess(stateKey: string): Promise<void> {
    this.failing.delete(stateKey);
  }

  async depth(): Promise<number> {
    return this.jobs.size;
  }

  private pruneDone(nowMs: number): void {
    for (const [id, atMs] of this.done) if (atMs <= nowMs - DONE_RETENTION_MS) this.done.delete(id);
  }
}
