/**
 * The audit events of the webhook outlet (`webhook.refused`, `webhook.disabled`,
 * `webhook.gave_up`), written through ONE function (setWebhookAuditWriter can take them
 * over, as tests do). By default they go where every audit line goes (lib/server/audit.ts:
 * stdout, or AUDIT_LOG_FILE, nothing with AUDIT_LOG=off), as NDJSON with `"log": "audit"`
 * and ECS names.
 *
 * Guarantees: an entry names the endpoint by its host (operator endpoints) or not at all
 * (per-secret targets, whose URL is the creator's business), plus the hash that keys its
 * state; never a path, a query, a secret, a signature or a payload.
 */
import "server-only";
import { processAuditSettings, writeAuditLines } from "../audit";

export type WebhookAuditAction = "webhook.refused" | "webhook.disabled" | "webhook.gave_up";

export interface WebhookAuditEntry {
  action: WebhookAuditAction;
  /** Why, in words: the refused range, "gone (410)", "failing for 24 h", "retries exhausted". */
  reason: string;
  target: "endpoint" | "notify";
  /** Operator endpoints only. */
  host?: string;
  /** The first 16 hex digits of the endpoint's state key. */
  endpoint: string;
  atMs: number;
}

export type WebhookAuditWriter = (entry: WebhookAuditEntry) => void;

const holder = globalThis as typeof globalThis & { __burnlinkWebhookAudit?: WebhookAuditWriter };

export const auditLogWriter: WebhookAuditWriter = (entry) => {
  const line: Record<string, unknown> = {
    log: "audit",
    "@timestamp": new Date(entry.atMs).toISOString(),
    event: { action: entry.action, outcome: "failure", reason: entry.reason },
    burnlink: { webhook: { target: entry.target, endpoint: entry.endpoint } },
  };
  if (entry.host !== undefined) line.url = { domain: entry.host };
  // Through the audit module's writer, so AUDIT_LOG=off and AUDIT_LOG_FILE apply here too.
  void processAuditSettings()
    .then((settings) => writeAuditLines(settings, [`${JSON.stringify(line)}\n`]))
    .catch(() => undefined);
};

/** Where webhook audit entries go (the audit module calls this once it exists). */
export function setWebhookAuditWriter(writer: WebhookAuditWriter | undefined): void {
  holder.__burnlinkWebhookAudit = writer;
}

export function auditWebhook(entry: WebhookAuditEntry): void {
  try {
    (holder.__burnlinkWebhookAudit ?? auditLogWriter)(entry);
  } catch {
    // An audit writer that throws must not stop deliveries.
  }
}
