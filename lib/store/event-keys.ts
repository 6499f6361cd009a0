/**
 * Key names of the event pipeline (PROTOCOL.md §9, issue 14 §1), shared by every driver.
 *
 * Guarantees: a subject's outbox carries the subject's own hash tag `{id}`, so the script that
 * changes the state appends the event in the same atomic step; the deployment-wide indexes
 * (pending outboxes, the expiry schedule, the leases) are split into EVENT_SHARDS shards with
 * their own tag `{events:N}`, so instances share the work shard by shard and no single key
 * holds every subject. The shard of an id is a pure function of the id, the same on every
 * instance and across restarts.
 */
import "server-only";

/** Shards of the pending index and of the expiry schedule. Changing it strands entries: fixed. */
export const EVENT_SHARDS = 8;

export type SubjectKind = "secret" | "request";

/** A secret or a request, as the indexes name it. */
export interface SubjectRef {
  subject: SubjectKind;
  id: string;
}

/** FNV-1a (32 bit) of the id, mod EVENT_SHARDS: cheap, stable, spreads random ids evenly. */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % EVENT_SHARDS;
}

/** Sorted set of subjects whose outbox holds undelivered events (score: first pending time). */
export function pendingKey(prefix: string, shard: number): string {
  return `${prefix}:{events:${shard}}:pending`;
}

/** Sorted set of subjects by expiresAt, swept for secret.expired / request.expired. */
export function expiryKey(prefix: string, shard: number): string {
  return `${prefix}:{events:${shard}}:expiry`;
}

export type LeaseJob = "deliver" | "expiry";

/** A short lease (SET NX PX): the one instance that works a shard's job right now. */
export function leaseKey(prefix: string, job: LeaseJob, shard: number): string {
  return `${prefix}:{events:${shard}}:lease:${job}`;
}

/** The outbox of a secret, under the secret's hash tag. */
export function secretOutboxKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:outbox`;
}

/** The outbox of a request, under the request's hash tag (named apart from a secret's). */
export function requestOutboxKey(prefix: string, id: string): string {
  return `${prefix}:{${id}}:request-outbox`;
}

/** How a subject is written in the indexes: "s:<id>" or "r:<id>". */
export function memberOf(ref: SubjectRef): string {
  return `${ref.subject === "secret" ? "s" : "r"}:${ref.id}`;
}

const MEMBER = /^([sr]):([A-Za-z0-9_-]{22})$/;

/** The subject an index member names; undefined for anything else (never guessed at). */
export function refOf(member: string): SubjectRef | undefined {
  const match = MEMBER.exec(member);
  if (!match) return undefined;
  return { subject: match[1] === "s" ? "secret" : "request", id: match[2]! };
}
