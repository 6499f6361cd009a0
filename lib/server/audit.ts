/**
 * The audit log (issue 14 §3): NDJSON, one object per line with `"log":"audit"` so it splits
 * from the request log, on stdout or appended to AUDIT_LOG_FILE; AUDIT_LOG=off turns it off.
 * Field names follow ECS as nested objects: `@timestamp`, `event: {action, outcome, reason}`,
 * `source: {ip}` (already masked per AUDIT_IP), `user: {id | name}`, `burnlink: {secret |
 * request: fingerprint, …}`.
 *
 * Guarantees: a line is built only from the fields listed here; callers pass names, masked
 * addresses, fingerprints and counts, never an id, link, proof, verifier, claim, ciphertext,
 * passphrase, token or cookie (tests/api/audit-log.test.ts greps the whole output of real
 * flows for each of them). A failed write is reported once on stderr and never breaks a request.
 */
import "server-only";
import { appendFile } from "node:fs/promises";
import type { Creator } from "@/lib/store/types";

export type AuditOutcome = "success" | "failure" | "unknown";

export interface AuditRecord {
  /** When it happened (epoch ms); defaults to now. */
  atMs?: number;
  action: string;
  outcome: AuditOutcome;
  reason?: string;
  ip?: string;
  user?: AuditUser;
  /** Burnlink's own fields: a fingerprint, seq, counts; never an id. */
  burnlink?: Record<string, string | number | number[]>;
}

/** ECS user fields: the SSO subject (and its issuer's host), or an API token by its name. */
export type AuditUser = { id: string; domain?: string; email?: string } | { name: string };

export interface AuditLogSettings {
  /** AUDIT_LOG: "off" writes nothing. */
  enabled: boolean;
  /** AUDIT_LOG_FILE: appended to instead of stdout. */
  file?: string;
}

export function userOfCreator(creator: Creator | undefined): AuditUser | undefined {
  if (!creator) return undefined;
  if (creator.kind === "token") return { name: `token:${creator.name}` };
  let domain: string | undefined;
  try {
    domain = new URL(creator.issuer).host;
  } catch {
    domain = undefined;
  }
  return { id: creator.subject, email: creator.email, ...(domain ? { domain } : {}) };
}

/** The NDJSON line of one record (with its newline). */
export function auditLine(record: AuditRecord): string {
  const event: Record<string, string> = { action: record.action, outcome: record.outcome };
  if (record.reason) event.reason = record.reason;
  const line: Record<string, unknown> = {
    log: "audit",
    "@timestamp": new Date(record.atMs ?? Date.now()).toISOString(),
    event,
  };
  if (record.ip) line.source = { ip: record.ip };
  if (record.user) line.user = record.user;
  if (record.burnlink) line.burnlink = record.burnlink;
  return `${JSON.stringify(line)}\n`;
}

let warned = false;

function writeFailed(error: unknown): void {
  if (warned) return;
  warned = true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  console.error(`burnlink: cannot write the audit log${code ? ` (${code})` : ""}; events stay in the outbox and are retried`);
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes lines; resolves once they are handed to the file or stdout, rejects when that failed. */
export async function writeAuditLines(settings: AuditLogSettings, lines: readonly string[]): Promise<void> {
  if (!settings.enabled || lines.length === 0) return;
  const text = lines.join("");
  try {
    if (settings.file) await appendFile(settings.file, text, { encoding: "utf8", mode: 0o600 });
    else await writeStdout(text);
    warned = false;
  } catch (error) {
    writeFailed(error);
    throw error;
  }
}

/** The settings of this process, from the parsed config. */
export async function processAuditSettings(): Promise<AuditLogSettings> {
  const { getServerConfig } = await import("./config");
  const { auditLog, auditLogFile } = getServerConfig();
  return { enabled: auditLog, ...(auditLogFile ? { file: auditLogFile } : {}) };
}

/** The masked client address of a request, for `source.ip` (per AUDIT_IP). */
export async function auditIpOfRequest(headers: Headers): Promise<string | undefined> {
  const [{ getServerConfig }, { requesterOf }] = await Promise.all([import("./config"), import("./client-ip")]);
  return requesterOf(headers, getServerConfig()).auditIp;
}

/** audit() for a request: the record with the request's masked client address. */
export function auditRequest(headers: Headers, record: Omit<AuditRecord, "ip">): void {
  void auditIpOfRequest(headers)
    .then((ip) => audit({ ...record, ...(ip ? { ip } : {}) }))
    .catch(() => undefined);
}

/**
 * One auth or token event, written directly (no outbox: these change no secret): sign-in ok
 * or refused, sign-out, token created or revoked, session revoked. Never throws.
 */
export function audit(record: AuditRecord): void {
  void processAuditSettings()
    .then((settings) => writeAuditLines(settings, [auditLine(record)]))
    .catch(() => undefined);
}
