/**
 * The audit events of the webhook outlet (`webhook.refused`, `webhook.disabled`,
 * `webhook.gave_up`), written through ONE function so the audit module (issue 14 §3) can
 * take them over with setWebhookAuditWriter. Until then they are NDJSON lines on stdout
 * with `"log": "audit"` and ECS names.
 *
 * Guarantees: an entry names the endpoint by its host (operator endpoints) or not at all
 * (per-secret targets, whose URL is the creator's business), plus the hash that keys its
 * state; never a path, a query, a secret, a signature or a payload.
 */
import "server-only";

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

export const stdoutAuditWriter: WebhookAuditWriter = (entry) => {
  const line: Record<string, unknown> = {
    log: "audit",
    "@timestamp": new Date(entry.atMs).toISOString(),
    event: { action: entry.action, outcome: "failure", reason: entry.reason },
    burnlink: { webhook: { target: entry.target, endpoint: entry.endpoint } },
  };
  if (entry.host !== undefined) line.url = { domain: entry.host };
  console.log(JSON.stringify(line));
};

/** Where webhook audit entries go (the audit module calls this once it exists). */
export function setWebhookAuditWriter(writer: WebhookAuditWriter | undefined): void {
  holder.__burnlinkWebhookAudit = writer;
}

export function auditWebhook(entry: WebhookAuditEntry): void {
  try {
    (holder.__burnlinkWebhookAudit ?? stdoutAuditWriter)(entry);
  } catch {
    // An audit writer that throws must not stop deliveries.
  }
}
