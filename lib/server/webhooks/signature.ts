/**
 * Standard Webhooks 1.0 signing: `webhook-signature` = space-separated `v1,<base64
 * HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`, one per secret, where the
 * key is the bytes after `whsec_` base64-decoded.
 *
 * Guarantees: every attempt is signed afresh with its own timestamp (seconds), so a
 * receiver's replay window accepts a retry two days later; during a rotation each secret
 * signs, and a receiver that knows either one verifies. Secrets never appear in a header.
 */
import "server-only";
import { createHmac } from "node:crypto";
import { webhookSecretBytes } from "./endpoints-config";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signWebhook(webhookId: string, timestampSeconds: number, body: string, secrets: readonly string[]): SignedHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  const content = `${webhookId}.${timestamp}.${body}`;
  const signatures = secrets.map((secret) => {
    const key = webhookSecretBytes(secret);
    // Config parsing refused such secrets; reaching here is a bug, not a receiver's problem.
    if (!key) throw new TypeError("A webhook secret must be whsec_ and base64 of 24 to 64 bytes");
    return `v1,${createHmac("sha256", key).update(content, "utf8").digest("base64")}`;
  });
  if (signatures.length === 0) throw new TypeError("A webhook needs at least one secret");
  return { "webhook-id": webhookId, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") };
}
