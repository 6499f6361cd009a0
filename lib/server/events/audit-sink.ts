/**
 * The audit-log outlet of the §9 events (issue 14 §3): one line per event, the subject named
 * by its fingerprint, the creator as ECS `user`, the masked ip as `source.ip`.
 */
import "server-only";
import { auditLine, userOfCreator, writeAuditLines, type AuditLogSettings, type AuditRecord } from "../audit";
import { fingerprintOf } from "./fingerprint";
import type { BurnlinkEvent, EventSink } from "./types";

/** Refusals are failures with the protocol's error code as reason; an expiry says why it ended. */
const REASONS: Partial<Record<BurnlinkEvent["type"], { outcome: AuditRecord["outcome"]; reason: string }>> = {
  "secret.wrong_passphrase": { outcome: "failure", reason: "wrong_passphrase" },
  "secret.ip_blocked": { outcome: "failure", reason: "ip_not_allowed" },
  "secret.expired": { outcome: "success", reason: "expired_unread" },
  "request.expired": { outcome: "success", reason: "expired_unanswered" },
};

export function auditRecordOf(event: BurnlinkEvent, hashKey: string): AuditRecord {
  const burnlink: Record<string, string | number | number[]> = { [event.subject]: fingerprintOf(event.id, hashKey), seq: event.seq };
  if (event.count !== undefined) burnlink.count = event.count;
  if (event.lastAtMs !== undefined) {
    burnlink.firstAt = new Date(event.atMs).toISOString();
    burnlink.lastAt = new Date(event.lastAtMs).toISOString();
  }
  if (event.n !== undefined) burnlink.n = event.n;
  const { outcome, reason } = REASONS[event.type] ?? { outcome: "success" as const, reason: undefined };
  const user = userOfCreator(event.creator);
  return {
    atMs: event.atMs,
    action: event.type,
    outcome,
    ...(reason ? { reason } : {}),
    ...(event.ip ? { ip: event.ip } : {}),
    ...(user ? { user } : {}),
    burnlink,
  };
}

/** `hashKey` is asked for at each delivery, so a store that is down at start-up only delays the lines. */
export function auditSink(settings: AuditLogSettings, hashKey: () => Promise<string>): EventSink {
  return {
    name: "audit",
    async deliver(events) {
      const key = await hashKey();
      await writeAuditLines(settings, events.map((event) => auditLine(auditRecordOf(event, key))));
    },
  };
}
