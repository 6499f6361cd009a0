/**
 * Where the dispatcher and the expiry sweep (lib/server/events) read the §9 events of
 * PROTOCOL.md §9: one EventSource per SecretStore, over the same backend.
 *
 * Guarantees, proven by tests/store/event-contract.ts on every driver:
 * - every state change appended exactly one outbox entry in the step that made it
 *   (./outbox-lua.ts; the memory drivers in their synchronous block);
 * - `take` hands out a subject's oldest events and seals them against coalescing; `ack`
 *   removes those up to a seq and only then, when the outbox is empty, its pending pointer
 *   (re-added at once if an event arrived meanwhile), so an event is delivered at least once
 *   and never lost while its subject's metadata lives;
 * - `expire` records secret.expired / request.expired at most once per subject.
 *
 * The pending index on Redis Cluster: it lives in the shard's slot, not the subject's, so
 * the script cannot write it; the driver adds the pointer right after the script. A crash in
 * that gap (after the script, before the ZADD) leaves the events in the outbox without a
 * pointer. They are not lost: the expiry schedule (written BEFORE the create script, so every
 * subject is in it) re-adds the pointer when it sweeps the subject at expiresAt, and the
 * outbox lives as long as the metadata (expiresAt + retention). Such events are late by up
 * to the secret's TTL; with META_RETENTION_SECONDS=0 they would expire with it. On Redis and
 * Upstash the pointer is written inside the script and there is no gap.
 */
import "server-only";
import type { BurnlinkEvent, EventName } from "@/lib/server/events/types";
import { EVENT_SCRIPTS } from "./event-scripts";
import {
  EVENT_SHARDS,
  expiryKey,
  leaseKey,
  memberOf,
  pendingKey,
  refOf,
  requestOutboxKey,
  secretOutboxKey,
  shardOf,
  type LeaseJob,
  type SubjectRef,
} from "./event-keys";
import { metaKey, secretKey } from "./keys";
import { requestKeys } from "./request-keys";
import { outcome, text, unexpected, whole } from "./script-replies";
import type { ScriptRunner } from "./scripted-store";
import type { Creator, SecretStore } from "./types";

export type ExpireOutcome = "recorded" | "done" | "early";

export interface EventSource {
  readonly shards: number;
  /** SET lease token NX PX ms: true when this caller holds the shard's job now. */
  tryLease(job: LeaseJob, shard: number, token: string, ms: number): Promise<boolean>;
  /** Gives the lease back, only if it is still this token's. */
  release(job: LeaseJob, shard: number, token: string): Promise<void>;
  /** Subjects of the shard with undelivered events, oldest first. */
  pending(shard: number, limit: number): Promise<SubjectRef[]>;
  /**
   * The shards whose pending index is not empty, ascending: what an idle dispatcher round
   * asks. ONE store call on Redis and Upstash (one script over every shard's index); one
   * per shard on Redis Cluster, where each index has its own slot.
   */
  busyShards(): Promise<number[]>;
  /** The subject's oldest undelivered events (at most `limit`), sealed against coalescing. */
  take(ref: SubjectRef, limit: number): Promise<BurnlinkEvent[]>;
  /** Removes the subject's events up to `seq`; drops its pending pointer once none is left. */
  ack(ref: SubjectRef, seq: number): Promise<void>;
  /** Subjects of the shard whose expiresAt is at or before nowMs. */
  dueExpiries(shard: number, nowMs: number, limit: number): Promise<SubjectRef[]>;
  /** Records the expiry event once if it applies; takes the subject off the schedule unless early. */
  expire(ref: SubjectRef, nowMs: number): Promise<ExpireOutcome>;
  /**
   * The audit fingerprint key every instance on this backend uses when AUDIT_HASH_KEY is
   * unset: the first candidate ever offered (SET NX), then that one for everybody.
   */
  agreeOnHashKey(candidate: string): Promise<string>;
}

export const EVENT_NAMES: readonly EventName[] = [
  "secret.created",
  "secret.viewed",
  "secret.wrong_passphrase",
  "secret.ip_blocked",
  "secret.burned",
  "secret.expired",
  "request.created",
  "request.responded",
  "request.collected",
  "request.revoked",
  "request.expired",
];

/** An outbox entry as the scripts and the memory log write it. */
export interface OutboxEntry {
  type: EventName;
  seq: number;
  atMs: number;
  ip?: string;
  count?: number;
  lastAtMs?: number;
  n?: number | number[];
}

function creatorOf(json: string): Creator | undefined {
  if (json === "") return undefined;
  try {
    const parsed = JSON.parse(json) as Partial<Record<string, unknown>>;
    if (parsed.kind === "token" && typeof parsed.name === "string") return { kind: "token", name: parsed.name };
    if (parsed.kind === "sso" && typeof parsed.issuer === "string" && typeof parsed.subject === "string" && typeof parsed.email === "string") {
      return { kind: "sso", issuer: parsed.issuer, subject: parsed.subject, email: parsed.email };
    }
  } catch {
    // A creator that does not parse is left out, the event still goes.
  }
  return undefined;
}

/** An outbox entry as JSON, checked field by field; undefined for anything else. */
export function parseOutboxEntry(json: string): OutboxEntry | undefined {
  let value: Partial<Record<keyof OutboxEntry, unknown>>;
  try {
    value = JSON.parse(json) as typeof value;
  } catch {
    return undefined;
  }
  if (typeof value.type !== "string" || !EVENT_NAMES.includes(value.type as EventName)) return undefined;
  if (!Number.isSafeInteger(value.seq) || !Number.isSafeInteger(value.atMs)) return undefined;
  const entry: OutboxEntry = { type: value.type as EventName, seq: value.seq as number, atMs: value.atMs as number };
  if (typeof value.ip === "string") entry.ip = value.ip;
  if (Number.isSafeInteger(value.count) && Number.isSafeInteger(value.lastAtMs)) {
    entry.count = value.count as number;
    entry.lastAtMs = value.lastAtMs as number;
  }
  if (Number.isSafeInteger(value.n)) entry.n = value.n as number;
  else if (Array.isArray(value.n) && value.n.every((n) => Number.isSafeInteger(n))) entry.n = value.n as number[];
  return entry;
}

/** The event the sinks get: the entry, its subject, and what the metadata adds. */
export function eventOf(ref: SubjectRef, entry: OutboxEntry, creator: Creator | undefined, notify: string | undefined): BurnlinkEvent {
  const event: BurnlinkEvent = { ...entry, subject: ref.subject, id: ref.id };
  if (creator) event.creator = creator;
  if (notify) event.notify = notify;
  return event;
}

/** The EventSource of the Redis, Redis Cluster and Upstash drivers. */
export class ScriptedEventSource implements EventSource {
  readonly shards = EVENT_SHARDS;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly keyPrefix: string,
    /** False on Redis Cluster: a script may not touch the shard's slot. */
    private readonly indexesInScript: boolean,
  ) {}

  private outboxKey(ref: SubjectRef): string {
    return ref.subject === "secret" ? secretOutboxKey(this.keyPrefix, ref.id) : requestOutboxKey(this.keyPrefix, ref.id);
  }

  private metaKeyOf(ref: SubjectRef): string {
    return ref.subject === "secret" ? metaKey(this.keyPrefix, ref.id) : requestKeys(this.keyPrefix, ref.id)[0];
  }

  async tryLease(job: LeaseJob, shard: number, token: string, ms: number): Promise<boolean> {
    const [kind] = outcome(await this.runner.run(EVENT_SCRIPTS.lease, [leaseKey(this.keyPrefix, job, shard)], [token, String(ms)]), "lease");
    return kind === "ok";
  }

  async release(job: LeaseJob, shard: number, token: string): Promise<void> {
    await this.runner.run(EVENT_SCRIPTS.release, [leaseKey(this.keyPrefix, job, shard)], [token]);
  }

  private async range(key: string, maxScore: string, limit: number): Promise<SubjectRef[]> {
    const [, parts] = outcome(await this.runner.run(EVENT_SCRIPTS.indexRange, [key], [maxScore, String(limit)]), "index range");
    return parts.slice(1).flatMap((member) => {
      const ref = typeof member === "string" ? refOf(member) : undefined;
      return ref ? [ref] : [];
    });
  }

  pending(shard: number, limit: number): Promise<SubjectRef[]> {
    return this.range(pendingKey(this.keyPrefix, shard), "+inf", limit);
  }

  async busyShards(): Promise<number[]> {
    const shards = Array.from({ length: this.shards }, (_, shard) => shard);
    if (!this.indexesInScript) {
      const counts = await Promise.all(shards.map((shard) => this.pending(shard, 1)));
      return shards.filter((shard) => (counts[shard]?.length ?? 0) > 0);
    }
    const reply = await this.runner.run(EVENT_SCRIPTS.indexBusy, shards.map((shard) => pendingKey(this.keyPrefix, shard)), []);
    const [, parts] = outcome(reply, "busy shards");
    return parts.slice(1).map((_, index) => whole(parts, index + 1, "busy shards") - 1).filter((shard) => shard >= 0 && shard < this.shards);
  }

  async take(ref: SubjectRef, limit: number): Promise<BurnlinkEvent[]> {
    const reply = await this.runner.run(EVENT_SCRIPTS.take, [this.metaKeyOf(ref), this.outboxKey(ref)], [String(limit)]);
    const [kind, parts] = outcome(reply, "take");
    if (kind === "empty") return [];
    if (kind !== "ok") throw unexpected("take");
    const creator = creatorOf(text(parts, 1, "take"));
    const notify = text(parts, 2, "take");
    return parts.slice(3).flatMap((raw) => {
      const entry = typeof raw === "string" ? parseOutboxEntry(raw) : undefined;
      return entry ? [eventOf(ref, entry, creator, notify === "" ? undefined : notify)] : [];
    });
  }

  async ack(ref: SubjectRef, seq: number): Promise<void> {
    const [, parts] = outcome(await this.runner.run(EVENT_SCRIPTS.ack, [this.outboxKey(ref)], [String(seq)]), "ack");
    if (whole(parts, 1, "ack") > 0) return;
    const pending = pendingKey(this.keyPrefix, shardOf(ref.id));
    const member = memberOf(ref);
    await this.runner.run(EVENT_SCRIPTS.indexRemove, [pending], [member]);
    // An event appended between the ACK and the removal added its pointer before we removed
    // it (or would add it after): look again, and put the pointer back if anything is there.
    const [, again] = outcome(await this.runner.run(EVENT_SCRIPTS.outboxLength, [this.outboxKey(ref)], []), "outbox length");
    if (whole(again, 1, "outbox length") > 0) await this.runner.run(EVENT_SCRIPTS.indexAdd, [pending], [String(Date.now()), member]);
  }

  dueExpiries(shard: number, nowMs: number, limit: number): Promise<SubjectRef[]> {
    return this.range(expiryKey(this.keyPrefix, shard), String(nowMs), limit);
  }

  async expire(ref: SubjectRef, nowMs: number): Promise<ExpireOutcome> {
    const shard = shardOf(ref.id);
    const pending = this.indexesInScript ? [pendingKey(this.keyPrefix, shard)] : [];
    const member = memberOf(ref);
    const keys =
      ref.subject === "secret"
        ? [metaKey(this.keyPrefix, ref.id), secretKey(this.keyPrefix, ref.id), this.outboxKey(ref), ...pending]
        : [requestKeys(this.keyPrefix, ref.id)[0], this.outboxKey(ref), ...pending];
    const script = ref.subject === "secret" ? EVENT_SCRIPTS.expireSecret : EVENT_SCRIPTS.expireRequest;
    const [kind, parts] = outcome(await this.runner.run(script, keys, [String(nowMs), member]), "expire");
    if (kind !== "recorded" && kind !== "done" && kind !== "early") throw unexpected("expire");
    if (kind === "early") return kind;
    if (!this.indexesInScript && whole(parts, 1, "expire") > 0) {
      await this.runner.run(EVENT_SCRIPTS.indexAdd, [pendingKey(this.keyPrefix, shard)], [String(nowMs), member]);
    }
    // Only after the record: a crash before this line repeats the sweep, which finds the mark.
    await this.runner.run(EVENT_SCRIPTS.indexRemove, [expiryKey(this.keyPrefix, shard)], [member]);
    return kind;
  }

  async agreeOnHashKey(candidate: string): Promise<string> {
    const [, parts] = outcome(await this.runner.run(EVENT_SCRIPTS.agree, [auditKeyKey(this.keyPrefix)], [candidate]), "agree");
    return text(parts, 1, "agree");
  }
}

/** Where the agreed audit fingerprint key is kept (no expiry: fingerprints must stay stable). */
export function auditKeyKey(prefix: string): string {
  return `${prefix}:audit-hash-key`;
}

/** On globalThis: Next's bundles (instrumentation.ts, routes) each load this module. */
const holder = globalThis as typeof globalThis & { __burnlinkEventSources?: WeakMap<SecretStore, EventSource> };
const sources = (holder.__burnlinkEventSources ??= new WeakMap<SecretStore, EventSource>());

/** Registers the EventSource of a store that is not scripted (the memory driver). */
export function registerEventSource(store: SecretStore, source: EventSource): void {
  sources.set(store, source);
}

/** The EventSource over `store`'s backend; the same one on every call. */
export function eventSourceFor(store: SecretStore): EventSource {
  const known = sources.get(store);
  if (known) return known;
  const scripted = store as SecretStore & { runner?: ScriptRunner; keyPrefix?: string };
  if (!scripted.runner || scripted.keyPrefix === undefined) throw new TypeError(`The ${store.kind} store has no event source`);
  const source = new ScriptedEventSource(scripted.runner, scripted.keyPrefix, store.kind !== "redis-cluster");
  sources.set(store, source);
  return source;
}
