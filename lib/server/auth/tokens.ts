/**
 * API tokens (PROTOCOL.md §8): `blt_` ‖ kid (8 of [A-Za-z0-9]) ‖ `_` ‖ b64u(32 random bytes).
 *
 * Guarantees: only SHA-256(token) is ever stored or configured; a token is looked up by
 * its kid and then compared in constant time, and a stored hash that is not 64 hex digits
 * (an empty one included) never matches anything. Every way a token can fail (missing,
 * empty, malformed, wrong scheme, unknown, revoked, expired) gives the same answer:
 * `{ kind: "invalid" }`, so callers cannot leak which one it was.
 */
import "server-only";
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { AuthConfig, TokenScope } from "@/lib/server/config";
import { TOKEN_SCOPE_NAMES } from "@/lib/server/config";
import type { TokenStore } from "@/lib/store/types";

export const API_TOKEN_PATTERN = /^blt_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const KID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SHA256_HEX = /^[0-9a-f]{64}$/;
const TOKEN_SECRET_BYTES = 32;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Constant-time equality of two SHA-256 hex digests; anything that is not one never matches. */
export function sameHashHex(given: string, stored: string): boolean {
  if (!SHA256_HEX.test(given) || !SHA256_HEX.test(stored)) return false;
  return timingSafeEqual(Buffer.from(given, "latin1"), Buffer.from(stored, "latin1"));
}

/** The kid of a well-formed token (canonical base64url of exactly 32 bytes), else undefined. */
export function kidOfToken(token: string): string | undefined {
  const match = API_TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const secret = match[2] as string;
  if (Buffer.from(secret, "base64url").toString("base64url") !== secret) return undefined;
  return match[1];
}

/** A new token and what may be stored of it. The token itself is shown once and forgotten. */
export function generateApiToken(): { token: string; kid: string; hashHex: string } {
  const kid = Array.from({ length: 8 }, () => KID_ALPHABET[randomInt(KID_ALPHABET.length)]).join("");
  const token = `blt_${kid}_${randomBytes(TOKEN_SECRET_BYTES).toString("base64url")}`;
  return { token, kid, hashHex: sha256Hex(token) };
}

/**
 * The bearer credential of an Authorization header: `undefined` when there is no header at
 * all, `""` when there is one that is not `Bearer <something>` (so a wrong scheme or an
 * empty value is "presented but invalid", never "absent").
 */
export function bearerOf(headers: Headers): string | undefined {
  const header = headers.get("authorization");
  if (header === null) return undefined;
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  return match?.[1] ?? "";
}

export type VerifiedToken =
  | { kind: "ok"; kid: string; name: string; scopes: TokenScope[]; source: "store" | "environment" }
  | { kind: "invalid" };

const INVALID: VerifiedToken = { kind: "invalid" };

function knownScopes(scopes: string[]): TokenScope[] {
  return scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPE_NAMES as readonly string[]).includes(scope));
}

/** Checks a presented token against API_TOKENS, then against the store under its kid. */
export async function verifyApiToken(
  token: string,
  auth: Pick<AuthConfig, "bootstrapTokens">,
  store: TokenStore,
  nowMs: number,
): Promise<VerifiedToken> {
  const kid = kidOfToken(token);
  if (kid === undefined) return INVALID;
  const hashHex = sha256Hex(token);
  // Every bootstrap entry is compared, so timing does not tell which one matched.
  let bootstrap: VerifiedToken = INVALID;
  for (const entry of auth.bootstrapTokens) {
    if (sameHashHex(hashHex, entry.hashHex) && bootstrap.kind === "invalid") {
      bootstrap = { kind: "ok", kid, name: entry.name, scopes: entry.scopes, source: "environment" };
    }
  }
  if (bootstrap.kind === "ok") return bootstrap;
  const record = await store.getToken(kid, nowMs);
  if (!record || !sameHashHex(hashHex, record.hashHex)) return INVALID;
  if (record.expiresAtMs !== null && nowMs >= record.expiresAtMs) return INVALID;
  await store.touchToken(kid, nowMs);
  return { kind: "ok", kid, name: record.name, scopes: knownScopes(record.scopes), source: "store" };
}
