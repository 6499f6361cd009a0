/**
 * How a secret or request is named outside the server (PROTOCOL.md §9):
 * b64u(HMAC-SHA256(utf8(AUDIT_HASH_KEY), utf8(id)))[0..22]. The same key on every instance
 * gives the same fingerprint, so a SIEM can join the lines of one secret across instances;
 * without the key, a fingerprint says nothing about the id.
 */
import "server-only";
import { createHmac } from "node:crypto";

export const FINGERPRINT_CHARS = 22;

export function fingerprintOf(hashKey: string, id: string): string {
  return createHmac("sha256", Buffer.from(hashKey, "utf8")).update(Buffer.from(id, "utf8")).digest("base64url").slice(0, FINGERPRINT_CHARS);
}
