/**
 * The JSON shapes of PROTOCOL.md §4, as plain types. Browser and CLI import these
 * (no zod in the page bundle); the server's zod schemas in schemas.ts are checked
 * against them with `satisfies`, so the two cannot drift apart silently.
 * All binary values are b64u strings; all times ISO-8601 UTC strings.
 */
import type { ErrorCode } from "./errors";

/** The §9 event names of a secret (PROTOCOL.md §9), as a per-secret `notify` may ask for them. */
export const SECRET_EVENT_NAMES = [
  "secret.created",
  "secret.viewed",
  "secret.wrong_passphrase",
  "secret.ip_blocked",
  "secret.burned",
  "secret.expired",
] as const;
/** The §9 event names of a request (PROTOCOL.md §9, §7). */
export const REQUEST_EVENT_NAMES = ["request.created", "request.responded", "request.collected", "request.revoked", "request.expired"] as const;

export type SecretEventNameWire = (typeof SECRET_EVENT_NAMES)[number];

/**
 * Issue 14 §2: a webhook for this secret's own events. Needs an API token or a session
 * (unless the server sets ALLOW_SECRET_WEBHOOKS=1); stored sealed, never echoed back.
 */
export interface SecretNotifyRequest {
  url: string;
  /** Secret event names, or ["*"] for all of them. */
  events: SecretEventNameWire[] | ["*"];
  /** true: deliveries carry the secret's raw id as `data.id` (default: only the fingerprint). */
  includeId?: boolean;
}

export interface CreateSecretRequest {
  id: string;
  ciphertext: string;
  accessVerifier: string;
  unlockVerifier: string;
  manageVerifier: string;
  ttlSeconds: number;
  maxViews: number;
  allowedIps?: string[];
  notify?: SecretNotifyRequest;
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
  /** PROTOCOL.md §8: only when the operator sets SHOW_SENDER=1 and the secret has a creator. */
  sender?: SenderBody;
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
  /** PROTOCOL.md §8: present when the secret was created with a credential. */
  creator?: CreatorBody;
}

export interface ServerConfigResponse {
  maxCiphertextBytes: number;
  minTtlSeconds: number;
  maxTtlSeconds: number;
  maxViews: number;
  maxAllowedIps: number;
  passphraseAttempts: number;
  /** PROTOCOL.md §7: most responses a request may allow */
  maxRequestResponses: number;
  /** PROTOCOL.md §7: largest decoded label ciphertext */
  maxLabelBytes: number;
  /** PROTOCOL.md §7: how long uncollected responses outlive a request's expiresAt */
  collectWindowSeconds: number;
  /** PROTOCOL.md §8 (1.1); absent from a v1 server, which means "open". */
  createPolicy?: CreatePolicyName;
  /** The sign-in path, under the sso policies only. */
  signInUrl?: string;
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
  /** gone (a secret's reason, or a request's: PROTOCOL.md §7) */
  reason?: GoneReasonName | RequestGoneReasonName;
  at?: string;
  /** wrong_passphrase */
  attemptsLeft?: number;
}

/* Requests, PROTOCOL.md §7. */

export type RequestStateName = "open" | "answered" | "expired" | "revoked";
export type RequestGoneReasonName = "expired" | "revoked" | "answered";
export type RequestEventName = "created" | "responded" | "collected" | "revoked";

export interface CreateRequestRequest {
  id: string;
  writeVerifier: string;
  collectVerifier: string;
  /** nonce ‖ secretbox(envelope, nonce, labelKey) */
  label?: string;
  ttlSeconds: number;
  maxResponses: number;
}

export interface CreateRequestResponse {
  id: string;
  expiresAt: string;
  maxResponses: number;
}

export interface CheckRequestRequest {
  write: string;
}

export interface CheckRequestResponse {
  /** omitted, never null, when the request has no label */
  label?: string;
  expiresAt: string;
  responsesLeft: number;
  /** PROTOCOL.md §8: only when the operator sets SHOW_SENDER=1 and the request has a creator. */
  sender?: SenderBody;
}

export interface RespondToRequestRequest {
  write: string;
  epk: string;
  ciphertext: string;
}

export interface RespondToRequestResponse {
  n: number;
  responsesLeft: number;
}

export interface CollectResponsesRequest {
  collect: string;
  claim?: string;
}

export interface CollectedResponseBody {
  n: number;
  epk: string;
  ciphertext: string;
  at: string;
}

export interface CollectResponsesResponse {
  /** in order of n */
  responses: CollectedResponseBody[];
  state: RequestStateName;
}

export interface RequestEventBody {
  type: RequestEventName;
  at: string;
  ip?: string;
  /** responded: the response's number; collected: the numbers delivered */
  n?: number | number[];
}

export interface RequestStatusResponse {
  id: string;
  state: RequestStateName;
  createdAt: string;
  expiresAt: string;
  maxResponses: number;
  responsesLeft: number;
  pending: number;
  events: RequestEventBody[];
  /** PROTOCOL.md §8: present when the request was created with a credential. */
  creator?: CreatorBody;
}

/** PROTOCOL.md §8: who may call the create endpoints. */
export type CreatePolicyName = "open" | "token" | "sso" | "sso+token";

/** PROTOCOL.md §8: the credential a secret or request was created with. */
export type CreatorBody = { kind: "token"; name: string } | { kind: "sso"; issuer: string; subject: string; email: string };

/** PROTOCOL.md §8: who sent it, as vouched for by the server (SHOW_SENDER=1). */
export interface SenderBody {
  name: string;
}

/** GET /api/auth/me */
export interface SessionUserResponse {
  issuer: string;
  subject: string;
  email: string;
}

/** An API token scope (PROTOCOL.md §8). */
export type TokenScopeName = "secrets:create" | "requests:create" | "admin";

/** POST /api/admin/tokens */
export interface CreateTokenRequest {
  name: string;
  scopes: TokenScopeName[];
  /** Omitted: the token never expires. */
  expiresInSeconds?: number;
}

/** One token as the admin API lists it; never the token or its hash. */
export interface TokenInfoBody {
  /** null for a bootstrap token of API_TOKENS, which has no stored record. */
  kid: string | null;
  name: string;
  scopes: TokenScopeName[];
  source: "store" | "environment";
  createdAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** POST /api/admin/tokens answer: the only time the token is ever shown. */
export interface CreateTokenResponse extends TokenInfoBody {
  token: string;
}

export interface ListTokensResponse {
  tokens: TokenInfoBody[];
}

/* My secrets (issue 13 §5): what a signed-in creator, or an API token, created. */

/** One of my secrets: never a key, a verifier or a link (the server has none of them to give). */
export interface MySecretBody {
  id: string;
  state: SecretStateName;
  createdAt: string;
  expiresAt: string;
  maxViews: number;
  /** 0 unless state is active. */
  viewsLeft: number;
}

export interface MySecretsResponse {
  /** Newest first; secrets whose record has expired are no longer listed. */
  secrets: MySecretBody[];
}

/** POST /api/me/secrets/burn: how many active secrets this call burned. */
export interface BurnAllResponse {
  burned: number;
}

/** DELETE /api/admin/tokens/{kid}?burnSecrets=1: whether a live token was revoked, and how many of its secrets were burned. */
export interface RevokeTokenResponse {
  revoked: boolean;
  burned: number;
}
