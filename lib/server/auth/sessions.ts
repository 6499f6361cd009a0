/**
 * Sign-in sessions (PROTOCOL.md §8): the cookie `__Host-burnlink-session` holds a JWE
 * (jose, dir + A256GCM) of a random session id, encrypted with a key derived from
 * AUTH_SECRET; the store keeps the session under SHA-256 of that id, so logout and
 * operator revocation end it at once, and a stolen store holds nothing a browser could send.
 *
 * Guarantees: the cookie is HttpOnly, Secure, SameSite=Lax, Path=/, with Max-Age at most
 * SESSION_MAX_AGE_SECONDS; the JWE expires at the same time as the stored session; a
 * cookie that does not decrypt, has expired, or whose session is gone from the store is
 * no session at all. The short-lived sign-in cookie (state, nonce, PKCE verifier) uses
 * its own derived key, so one can never be replayed as the other.
 */
import "server-only";
import { hkdfSync, randomBytes } from "node:crypto";
import { EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";
import type { AuthConfig } from "@/lib/server/config";
import type { SessionStore, StoredSession } from "@/lib/store/types";
import { sha256Hex } from "./tokens";

export const SESSION_COOKIE = "__Host-burnlink-session";
export const SIGN_IN_COOKIE = "__Host-burnlink-signin";
/** How long a started sign-in may take at the provider. */
export const SIGN_IN_MAX_AGE_SECONDS = 600;

type KeyPurpose = "session" | "sign-in";

function keyOf(authSecret: string, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", authSecret, "burnlink", `burnlink ${purpose} cookie v1`, 32));
}

export async function sealCookieValue(payload: JWTPayload, authSecret: string, purpose: KeyPurpose, maxAgeSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAgeSeconds)
    .encrypt(keyOf(authSecret, purpose));
}

/** The payload of a cookie value, or undefined if it does not decrypt or has expired. */
export async function openCookieValue(value: string, authSecret: string, purpose: KeyPurpose): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtDecrypt(value, keyOf(authSecret, purpose), { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
    return payload;
  } catch {
    return undefined;
  }
}

export function cookieOf(headers: Headers, name: string): string | undefined {
  const header = headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function setCookieHeader(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export function clearCookieHeader(name: string): string {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

export interface SessionIdentity {
  issuer: string;
  subject: string;
  email: string;
}

type SessionConfig = Pick<AuthConfig, "authSecret" | "sessionMaxAgeSeconds">;

function secretOf(auth: SessionConfig): string {
  if (auth.authSecret === undefined) throw new TypeError("Sessions need AUTH_SECRET");
  return auth.authSecret;
}

/** Stores a new session and returns its Set-Cookie header value. */
export async function startSession(identity: SessionIdentity, auth: SessionConfig, store: SessionStore, nowMs = Date.now()): Promise<string> {
  const sessionId = randomBytes(32).toString("base64url");
  const session: StoredSession = { ...identity, createdAtMs: nowMs, expiresAtMs: nowMs + auth.sessionMaxAgeSeconds * 1000 };
  await store.putSession(sha256Hex(sessionId), session);
  const value = await sealCookieValue({ sid: sessionId }, secretOf(auth), "session", auth.sessionMaxAgeSeconds);
  return setCookieHeader(SESSION_COOKIE, value, auth.sessionMaxAgeSeconds);
}

export interface ActiveSession {
  /** SHA-256 of the session id: the store key, never the id. */
  idHash: string;
  session: StoredSession;
}

/** The live session of a request, or undefined (no cookie, not decryptable, expired, revoked). */
export async function sessionOf(headers: Headers, auth: SessionConfig, store: SessionStore, nowMs = Date.now()): Promise<ActiveSession | undefined> {
  if (auth.authSecret === undefined) return undefined;
  const value = cookieOf(headers, SESSION_COOKIE);
  if (!value) return undefined;
  const payload = await openCookieValue(value, auth.authSecret, "session");
  if (typeof payload?.sid !== "string") return undefined;
  const idHash = sha256Hex(payload.sid);
  const session = await store.getSession(idHash, nowMs);
  return session ? { idHash, session } : undefined;
}
