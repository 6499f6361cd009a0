/**
 * The event pipeline of the memory drivers (PROTOCOL.md §9): outboxes, the pending index,
 * the expiry schedule and the leases, in this process only, with the same semantics as the
 * scripts of ./outbox-lua.ts and ./event-scripts.ts (proven by tests/store/event-contract.ts).
 *
 * Guarantees: the memory stores call `append` inside the synchronous block that changes the
 * state, so an event is recorded exactly when the change is; a repeat coalesces into the
 * last entry only while the dispatcher has not taken it; an outbox goes with its subject's
 * metadata (`untilMs`). Nothing here is a ciphertext, a verifier or a label.
 */
import "server-only";
import type { BurnlinkEvent, EventName } from "@/lib/server/events/types";
import { EVENT_SHARDS, memberOf, refOf, shardOf, type LeaseJob, type SubjectKind, type SubjectRef } from "./event-keys";
import { eventOf, type EventSource, type ExpireOutcome, type OutboxEntry } from "./event-source";
import type { Creator } from "./types";

interface Outbox {
  seq: number;
  sealed: number;
  entries: OutboxEntry[];
  /** When the subject's metadata goes, and the outbox with it. */
  untilMs: number;
  creator?: Creator;
  notify?: string;
}

const COALESCED: readonly EventName[] = ["secret.wrong_passphrase", "secret.ip_blocked"];

/** Decides and records a subject's expiry event in the memory store that owns the subject. */
export type Expirer = (id: string, nowMs: number) => ExpireOutcome;

export class MemoryEventLog implements EventSource {
  readonly shards = EVENT_SHARDS;
  private readonly outboxes = new Map<string, Outbox>();
  private readonly pendingSets = Array.from({ length: EVENT_SHARDS }, () => new Map<string, number>());
  private readonly schedules = Array.from({ length: EVENT_SHARDS }, () => new Map<string, number>());
  private readonly leases = new Map<string, { token: string; untilMs: number }>();
  private readonly expirers: Partial<Record<SubjectKind, Expirer>> = {};
  private hashKey: string | undefined;

  async agreeOnHashKey(candidate: string): Promise<string> {
    this.hashKey ??= candidate;
    return this.hashKey;
  }

  setExpirer(subject: SubjectKind, expirer: Expirer): void {
    this.expirers[subject] = expirer;
  }

  /** At create: a new outbox (metadata lifetime, creator, notify) and a place on the schedule. */
  open(ref: SubjectRef, details: { untilMs: number; expiresAtMs: number; creator?: Creator; notify?: string }): void {
    const outbox: Outbox = { seq: 0, sealed: 0, entries: [], untilMs: details.untilMs };
    // As the Redis drivers' TAKE reads it (./event-source.ts): events name a token, never its kid.
    if (details.creator) {
      outbox.creator =
        details.creator.kind === "token" ? { kind: "token", name: details.creator.name } : { ...details.creator };
    }
    if (details.notify) outbox.notify = details.notify;
    const member = memberOf(ref);
    this.outboxes.set(member, outbox);
    this.schedules[shardOf(ref.id)]!.set(member, details.expiresAtMs);
  }

  /** The metadata lives longer (a claim's grace): so does the outbox. */
  extend(ref: SubjectRef, untilMs: number): void {
    const outbox = this.outboxes.get(memberOf(ref));
    if (outbox) outbox.untilMs = Math.max(outbox.untilMs, untilMs);
  }

  /** Appends one event, coalescing like outbox_append. Synchronous: call it inside the change. */
  append(ref: SubjectRef, type: EventName, atMs: number, ip: string | undefined, extra: Pick<OutboxEntry, "n"> = {}): void {
    const member = memberOf(ref);
    const outbox = this.outboxes.get(member);
    if (!outbox) return;
    const last = outbox.entries.at(-1);
    if (COALESCED.includes(type) && last && last.seq > outbox.sealed && last.type === type && last.ip === ip) {
      last.count = (last.count ?? 1) + 1;
      last.lastAtMs = atMs;
      return;
    }
    outbox.seq += 1;
    const entry: OutboxEntry = { type, seq: outbox.seq, atMs, ...extra };
    if (ip !== undefined) entry.ip = ip;
    outbox.entries.push(entry);
    const pending = this.pendingSets[shardOf(ref.id)]!;
    if (!pending.has(member)) pending.set(member, atMs);
  }

  private live(member: string): Outbox | undefined {
    const outbox = this.outboxes.get(member);
    if (outbox && Date.now() >= outbox.untilMs) {
      this.outboxes.delete(member);
      return undefined;
    }
    return outbox;
  }

  async tryLease(job: LeaseJob, shard: number, token: string, ms: number): Promise<boolean> {
    const key = `${job}:${shard}`;
    const held = this.leases.get(key);
    if (held && held.untilMs > Date.now()) return false;
    this.leases.set(key, { token, untilMs: Date.now() + ms });
    return true;
  }

  async release(job: LeaseJob, shard: number, token: string): Promise<void> {
    const key = `${job}:${shard}`;
    if (this.leases.get(key)?.token === token) this.leases.delete(key);
  }

  private oldest(index: Map<string, number>, maxScore: number, limit: number): SubjectRef[] {
    return [...index.entries()]
      .filter(([, score]) => score <= maxScore)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .flatMap(([member]) => {
        const ref = refOf(member);
        return ref ? [ref] : [];
      });
  }

  async pending(shard: number, limit: number): Promise<SubjectRef[]> {
    return this.oldest(this.pendingSets[shard]!, Infinity, limit);
  }

  async busyShards(): Promise<number[]> {
    return this.pendingSets.flatMap((pending, shard) => (pending.size > 0 ? [shard] : []));
  }

  async take(ref: SubjectRef, limit: number): Promise<BurnlinkEvent[]> {
    const outbox = this.live(memberOf(ref));
    if (!outbox || outbox.entries.length === 0) return [];
    const taken = outbox.entries.slice(0, limit);
    outbox.sealed = Math.max(outbox.sealed, taken.at(-1)!.seq);
    return taken.map((entry) => eventOf(ref, { ...entry, ...(Array.isArray(entry.n) ? { n: [...entry.n] } : {}) }, outbox.creator, outbox.notify));
  }

  async ack(ref: SubjectRef, seq: number): Promise<void> {
    const member = memberOf(ref);
    const outbox = this.live(member);
    if (outbox) outbox.entries = outbox.entries.filter((entry) => entry.seq > seq);
    if (!outbox || outbox.entries.length === 0) this.pendingSets[shardOf(ref.id)]!.delete(member);
  }

  async dueExpiries(shard: number, nowMs: number, limit: number): Promise<SubjectRef[]> {
    return this.oldest(this.schedules[shard]!, nowMs, limit);
  }

  async expire(ref: SubjectRef, nowMs: number): Promise<ExpireOutcome> {
    const outcome = this.expirers[ref.subject]?.(ref.id, nowMs) ?? "done";
    if (outcome !== "early") this.schedules[shardOf(ref.id)]!.delete(memberOf(ref));
    return outcome;
  }
}

/** On globalThis: Next's bundles each load this module, and must all find one log per store. */
const holder = globalThis as typeof globalThis & { __burnlinkMemoryEventLogs?: WeakMap<object, MemoryEventLog> };
const logs = (holder.__burnlinkMemoryEventLogs ??= new WeakMap<object, MemoryEventLog>());

/** Ties a memory secret store to its log, so that its request store appends to the same one. */
export function bindMemoryEventLog(store: object, log: MemoryEventLog): void {
  logs.set(store, log);
}

/** The log a memory secret store was created with (a fresh one for a store without). */
export function memoryEventLogOf(store: object): MemoryEventLog {
  let log = logs.get(store);
  if (!log) {
    log = new MemoryEventLog();
    logs.set(store, log);
  }
  return log;
}
