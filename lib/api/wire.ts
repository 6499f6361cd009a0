/**
 * The JSON shapes of PROTOCOL.md §4, as plain types. Browser and CLI import these
 * (no zod in the page bundle); the server's zod schemas in schemas.ts are checked
 * against them with `satisfies`, so the two cannot drift apart silently.
 * All binary values are b64u strings; all times ISO-8601 UTC strings.
 */
import type { ErrorCode } from "./errors";

export interface CreateSecretRequest {
  id: string;
  ciphertext: string;
  accessVerifier: string;
  unlockVerifier: string;
  manageVerifier: string;
  ttlSeconds: number;
  maxViews: number;
  allowedIps?: string[];
}

export interface CreateSecretResponse {
  id: string;
  expiresAt: string;
  maxViews: number;
}

export interface CheckSecretRequest {
  access: string;
}

export interface CheckSecretResponse {
  expiresAt: string;
  viewsLeft: number;
}

export interface RevealSecretRequest {
  access: string;
  unlock: string;
  /** v1.1 (PROTOCOL.md §6): b64u of 32 CSPRNG bytes, one per reveal attempt, the same on every retry. */
  claim?: string;
}

export interface RevealSecretResponse {
  ciphertext: string;
  viewsLeft: number;
  expiresAt: string;
}

export type SecretStateName = "active" | "viewed" | "burned" | "expired";
export type GoneReasonName = "viewed" | "burned" | "attempts" | "expired";
export type SecretEventName = "created" | "viewed" | "wrong_passphrase" | "ip_blocked" | "burned";

export interface SecretEventBody {
  type: SecretEventName;
  /** For a coalesced event, the same as firstAt. */
  at: string;
  ip?: string;
  /** v1.1, coalesced `ip_blocked`/`wrong_passphrase` only: how many attempts (≥ 2) and their span. */
  count?: number;
  firstAt?: string;
  lastAt?: string;
}

export interface SecretStatusResponse {
  id: string;
  state: SecretStateName;
  createdAt: string;
  expiresAt: string;
  maxViews: number;
  viewsLeft: number;
  failedAttempts: number;
  allowedIps: string[];
  events: SecretEventBody[];
}

export interface ServerConfigResponse {
  maxCiphertextBytes: number;
  minTtlSeconds: number;
  maxTtlSeconds: number;
  maxViews: number;
  maxAllowedIps: number;
  passphraseAttempts: number;
  /** v1.1: absent on a v1 server. */
  protocol?: "1.1";
  /** v1.1 (§6): how long a claim's retry gets the same answer; 0 = claims off. */
  revealGraceSeconds?: number;
}

export interface HealthResponse {
  status: "ok";
  store: "memory" | "redis" | "redis-cluster" | "upstash";
}

/** Every failure: `{error, message}` plus, for some codes, the extra members below. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  /** gone */
  reason?: GoneReasonName;
  at?: string;
  /** wrong_passphrase */
  attemptsLeft?: number;
}
