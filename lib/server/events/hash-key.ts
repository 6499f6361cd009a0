/**
 * The AUDIT_HASH_KEY behind every fingerprint (PROTOCOL.md §9). Fingerprints must agree
 * across instances and restarts, or a SIEM could not follow one secret:
 * - set (AUDIT_HASH_KEY or AUDIT_HASH_KEY_FILE): that key, on every instance alike;
 * - unset: a random 32-byte key is offered to the store and the first one ever written is
 *   kept there (SET NX at `<prefix>:audit-hash-key`, no expiry), so every instance on the
 *   same store agrees. It lasts as long as the store keeps it: a Redis without persistence
 *   that restarts starts a new one, and fingerprints before and after no longer match. With
 *   the memory store it lives as long as the process. Set AUDIT_HASH_KEY to rule both out.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import type { EventSource } from "@/lib/store/event-source";
import { getServerConfig } from "../config";

let agreed: string | undefined;

export async function auditHashKey(source: EventSource): Promise<string> {
  const configured = getServerConfig().auditHashKey;
  if (configured) return configured;
  agreed ??= await source.agreeOnHashKey(randomBytes(32).toString("base64url"));
  return agreed;
}
