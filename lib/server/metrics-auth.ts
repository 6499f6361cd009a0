/**
 * The bearer check of /api/metrics (issue 14 §4).
 *
 * Guarantees: both sides are hashed (SHA-256) before a constant-time comparison, so
 * neither the token's content nor its length leaks through timing; a header with another
 * scheme, no token or extra parts is refused like a wrong token.
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

const BEARER = /^Bearer +(\S+)$/i;

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export function metricsAuthorized(authorization: string | null, token: string): boolean {
  const presented = BEARER.exec(authorization?.trim() ?? "")?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(token));
}
