/**
 * The body and the webhook-id of one delivery (PROTOCOL.md §9, Standard Webhooks 1.0).
 *
 * Guarantees: the body is `{type, timestamp, data}` with data `{secret | request, at, ip?,
 * creator?, count?, firstAt?, lastAt?}` and, only for a per-secret notify whose creator
 * asked (`includeId`), `id`. It is built from a closed list of fields, so nothing else an
 * event might carry (notify, n, a future field) leaks into it; an event never holds a
 * ciphertext, proof, claim, verifier, link or label in the first place. The webhook-id is
 * a hash of (target, subject, id, seq, count): stable across retries and redeliveries of the
 * same event, different per target, and it does not reveal the id.
 */
import "server-only";
import { createHash } from "node:crypto";
import { fingerprintOf } from "@/lib/server/events/fingerprint";
import type { BurnlinkEvent } from "@/lib/server/events/types";

const iso = (ms: number) => new Date(ms).toISOString();

/** The events §9 allows to be coalesced: they always say how many attempts they cover. */
const COUNTED: readonly string[] = ["secret.wrong_passphrase", "secret.ip_blocked"];

export interface WebhookData {
  secret?: string;
  request?: string;
  id?: string;
  at: string;
  ip?: string;
  creator?: BurnlinkEvent["creator"];
  count?: number;
  firstAt?: string;
  lastAt?: string;
}

export interface WebhookPayload {
  type: BurnlinkEvent["type"];
  timestamp: string;
  data: WebhookData;
}

export function webhookPayloadOf(event: BurnlinkEvent, auditHashKey: string, includeId = false): WebhookPayload {
  const data: WebhookData = { [event.subject]: fingerprintOf(event.id, auditHashKey), at: iso(event.atMs) };
  if (includeId) data.id = event.id;
  if (event.ip !== undefined) data.ip = event.ip;
  if (event.creator !== undefined) data.creator = event.creator;
  if (COUNTED.includes(event.type) || event.count !== undefined) {
    data.count = event.count ?? 1;
    data.firstAt = iso(event.atMs);
    data.lastAt = iso(event.lastAtMs ?? event.atMs);
  }
  return { type: event.type, timestamp: iso(event.atMs), data };
}

/** The exact bytes that are signed and sent. */
export function webhookBodyOf(event: BurnlinkEvent, auditHashKey: string, includeId = false): string {
  return JSON.stringify(webhookPayloadOf(event, auditHashKey, includeId));
}

/**
 * `msg_` + 32 b64u characters. The count is part of it: a coalesced event whose count grew
 * is news for the receiver, the same event delivered again is not.
 */
export function webhookIdOf(event: BurnlinkEvent, targetKey: string): string {
  const digest = createHash("sha256")
    .update(["burnlink/webhook-id", targetKey, event.subject, event.id, String(event.seq), String(event.count ?? 1)].join("\0"))
    .digest("base64url");
  return `msg_${digest.slice(0, 32)}`;
}
