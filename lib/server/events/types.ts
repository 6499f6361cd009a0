/**
 * The §9 event as it leaves the store's outbox (PROTOCOL.md §9, issue 14 §1), and the one
 * interface every outlet implements (audit log, webhooks, metrics).
 *
 * An event is appended by the same atomic step that changed the state (a Lua script on
 * Redis/Cluster/Upstash, one synchronous block in memory), so a crash can neither lose nor
 * invent one. Delivery from the outbox to the sinks is at least once: a sink may see the same
 * event twice after a crash, and recognises it by (subject, id, seq).
 *
 * Server-side only. The raw `id` never leaves the server: outlets name a secret or request by
 * its AUDIT_HASH_KEY fingerprint (the raw id only in a webhook whose creator asked for it).
 * An event never carries a ciphertext, proof, claim, verifier, link or label.
 */
import type { Creator } from "@/lib/store/types";

export type SecretEventName =
  | "secret.created"
  | "secret.viewed"
  | "secret.wrong_passphrase"
  | "secret.ip_blocked"
  | "secret.burned"
  | "secret.expired";

export type RequestEventName =
  | "request.created"
  | "request.responded"
  | "request.collected"
  | "request.revoked"
  | "request.expired";

export type EventName = SecretEventName | RequestEventName;

export interface BurnlinkEvent {
  type: EventName;
  /** "secret" for secret.* events, "request" for request.* events. */
  subject: "secret" | "request";
  /** The raw secret or request id (server-side only; outlets fingerprint it). */
  id: string;
  /**
   * Per-subject sequence number assigned by the atomic step (1, 2, …). With `subject` and
   * `id` it identifies the event across redeliveries; a coalesced event keeps its seq while
   * its count grows.
   */
  seq: number;
  /** When it happened; for a coalesced event the first attempt. */
  atMs: number;
  /** Already masked per AUDIT_IP; absent with AUDIT_IP=none. */
  ip?: string;
  /** The creator recorded at creation (PROTOCOL.md §8), when it was created with a credential. */
  creator?: Creator;
  /** Coalesced wrong_passphrase / ip_blocked: attempts covered (≥ 2) and their last time. */
  count?: number;
  lastAtMs?: number;
  /** request.responded: the response number; request.collected: the numbers handed over. */
  n?: number | number[];
  /**
   * The per-secret webhook target chosen at creation (issue 14 §2 `notify`), opaque to the
   * store: encrypted at rest by the webhook module, copied from the metadata into every event.
   */
  notify?: string;
}

/** One outlet. `deliver` resolves once the events are durably handled (written, enqueued). */
export interface EventSink {
  readonly name: string;
  deliver(events: readonly BurnlinkEvent[]): Promise<void>;
}
