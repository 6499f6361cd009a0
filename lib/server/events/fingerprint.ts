/**
 * The name of a secret or request outside the server (PROTOCOL.md §9):
 * `b64u(HMAC-SHA256(utf8(AUDIT_HASH_KEY), utf8(id)))[0..22]`.
 *
 * Guarantees: the same id and key always give the same 22 characters, so a SIEM can join
 * the webhook, the audit line and the metrics of one secret; without the key nobody can
 * go from a fingerprint back to the id (and so to the reveal endpoint). The key is a
 * parameter: the events module owns AUDIT_HASH_KEY and passes it in.
 */
import "server-only";
import { createHmac } from "node:crypto";

/** Characters of the fingerprint: 22 b64u characters carry 132 bits, as many as an id. */
export const FINGERPRINT_CHARS = 22;

/** The §9 fingerprint of `id` under `auditHashKey` (both used as UTF-8). */
export function fingerprintOf(id: string, auditHashKey: string): string {
  return createHmac("sha256", Buffer.from(auditHashKey, "utf8"))
    .update(Buffer.from(id, "utf8"))
    .digest("base64url")
    .slice(0, FINGERPRINT_CHARS);
}
