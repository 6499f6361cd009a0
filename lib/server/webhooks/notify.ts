/**
 * The per-secret webhook target (`notify` at creation, issue 14 §2), sealed at rest.
 *
 * Guarantees: the store and the queue only ever hold `v1.` + b64u(nonce ‖ AES-256-GCM
 * ciphertext ‖ tag) of {url, events, includeId}; the key is HMAC-SHA256(the bytes of the
 * first WEBHOOK_NOTIFY_SECRET, "burnlink/v1/notify-seal"), so it is separate from the
 * signing key made from the same secret. Opening tries every configured secret, so a
 * rotation (new secret first, old one kept) still opens targets sealed before it. A target
 * that does not open (tampered, or its secret removed) is null, never a guess.
 */
import "server-only";
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { EventName } from "@/lib/server/events/types";
import { webhookSecretBytes } from "./endpoints-config";

export interface NotifyTarget {
  url: string;
  events: readonly EventName[] | "*";
  /** The creator asked for the raw id in `data.id` (PROTOCOL.md §9). */
  includeId: boolean;
}

const PREFIX = "v1.";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function sealKey(secret: string): Buffer {
  const bytes = webhookSecretBytes(secret);
  if (!bytes) throw new TypeError("WEBHOOK_NOTIFY_SECRET must be whsec_ and base64 of 24 to 64 bytes");
  return createHmac("sha256", bytes).update("burnlink/v1/notify-seal").digest();
}

export function sealNotifyTarget(target: NotifyTarget, secrets: readonly string[]): string {
  const [first] = secrets;
  if (first === undefined) throw new TypeError("Sealing a notify target needs WEBHOOK_NOTIFY_SECRET");
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", sealKey(first), nonce);
  const plain = Buffer.from(JSON.stringify({ url: target.url, events: target.events, includeId: target.includeId }), "utf8");
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return PREFIX + sealed.toString("base64url");
}

export function openNotifyTarget(sealed: string, secrets: readonly string[]): NotifyTarget | null {
  if (!sealed.startsWith(PREFIX)) return null;
  const bytes = Buffer.from(sealed.slice(PREFIX.length), "base64url");
  if (bytes.length < NONCE_BYTES + TAG_BYTES + 2) return null;
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES);
  for (const secret of secrets) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", sealKey(secret), nonce);
      decipher.setAuthTag(tag);
      const value = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8")) as Partial<NotifyTarget>;
      if (typeof value.url !== "string" || typeof value.includeId !== "boolean" || !(value.events === "*" || Array.isArray(value.events))) return null;
      return { url: value.url, events: value.events, includeId: value.includeId };
    } catch {
      // Not this secret (or tampered): try the next one.
    }
  }
  return null;
}
