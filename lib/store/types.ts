/**
 * The one storage contract behind every driver (PROTOCOL.md §4 rules, §5 storage).
 *
 * Guarantees every driver must keep, proven by tests/store/contract.ts:
 * - create is one atomic write-if-absent: an id whose ciphertext, metadata OR id
 *   tombstone is still stored is taken, so a consumed link can never be re-armed;
 * - check, reveal and burn are each ONE atomic step (a Lua script on Redis and
 *   Upstash, one synchronous block in memory): proof check, allowlist, tombstone,
 *   failure counting with burn-at-limit, view decrement, deletion at zero and the
 *   event record happen together, so N concurrent reveals of a secret with
 *   maxViews = v succeed exactly min(N, v) times;
 * - nothing stored is plaintext, a key or a proof: the caller passes verifiers
 *   (SHA-512(proof)[0..32], b64u) and the store only compares them.
 *
 * All times are Unix epoch milliseconds. The caller passes `nowMs` so that every
 * driver agrees on one clock per request; the ciphertext key additionally expires
 * natively at `expiresAt` (PXAT on Redis), so expiry holds even if no request comes.
 */
import type { IpPrefix } from "@/lib/net/ip-address";
import type { Admission } from "./admission";
import type { RateLimiter } from "./rate-limit";

export type StoreKind = "memory" | "redis" | "redis-cluster" | "upstash";

export type SecretState = "active" | "viewed" | "burned" | "expired";
export type GoneReason = "viewed" | "burned" | "attempts" | "expired";
export type SecretEventType = "created" | "viewed" | "wrong_passphrase" | "ip_blocked" | "burned";

export interface SecretEvent {
  type: SecretEventType;
  /** When it happened; for a coalesced event, the first of its attempts. */
  atMs: number;
  /** Already masked by the caller per AUDIT_IP; absent when AUDIT_IP=none. */
  ip?: string;
  /**
   * Only on a coalesced event (PROTOCOL.md §9): consecutive `ip_blocked`, or consecutive
   * `wrong_passphrase`, from the same recorded `ip` are one event. `count` ≥ 2 attempts,
   * the last at `lastAtMs`. Absent for a single attempt.
   */
  count?: number;
  lastAtMs?: number;
}

/** Event types that coalesce into one entry while they repeat from one recorded ip. */
export const COALESCED_EVENT_TYPES: readonly SecretEventType[] = ["ip_blocked", "wrong_passphrase"];

/**
 * An allowlist entry in canonical 128-bit form: IPv4 addresses and networks are
 * mapped into ::ffff:0:0/96 so that one comparison covers v4, v6 and v4-mapped v6.
 * `network` is 32 lowercase hex digits, `prefixLength` 0..128.
 */
export type { IpPrefix };

/** Who is asking, as far as the store needs to know. */
export interface Requester {
  /** The client address as 32 lowercase hex digits (IPv4 mapped into ::ffff:0:0/96). */
  ipHex: string;
  /** What to record in an event's `ip` field (masked per AUDIT_IP), or undefined for none. */
  auditIp?: string;
}

export interface NewSecret {
  id: string; // b64u, 22 chars
  ciphertext: string; // b64u, stored as received
  accessVerifier: string; // b64u, 43 chars
  unlockVerifier: string;
  manageVerifier: string;
  ttlSeconds: number;
  maxViews: number;
  /** Wrong-passphrase limit for this secret (PASSPHRASE_ATTEMPTS at creation). */
  attemptsLimit: number;
  /** Display form, as given by the creator (validated), for status. */
  allowedIps: string[];
  /** Canonical form of allowedIps, same order; empty = unrestricted. */
  allowedPrefixes: IpPrefix[];
  /** How long metadata outlives expiresAt. */
  retentionSeconds: number;
  /**
   * How long after expiresAt the id alone stays taken (ID_TOMBSTONE_SECONDS), so a link
   * can never be re-armed once its metadata is gone. Nothing but the id is kept. Default 0:
   * the id is free when the metadata goes.
   */
  idTombstoneSeconds?: number;
  nowMs: number;
  requester: Requester;
  /** PROTOCOL.md §8: the credential it was created with; absent for an anonymous create. */
  creator?: Creator;
  /**
   * Issue 14 §2: the per-secret webhook target, already encrypted by the webhook module;
   * opaque to the store, kept in the metadata and copied into every outbox event.
   */
  notify?: string;
}

export type CreateResult =
  | { kind: "created"; expiresAtMs: number }
  | { kind: "id_taken" };

export type Gone = { kind: "gone"; reason: GoneReason; atMs: number };
export type NotFound = { kind: "not_found" };
export type IpNotAllowed = { kind: "ip_not_allowed" };

export type CheckResult =
  | { kind: "ok"; expiresAtMs: number; viewsLeft: number; creator?: Creator }
  | NotFound
  | IpNotAllowed
  | Gone;

export type RevealResult =
  | {
      kind: "ok";
      ciphertext: string;
      viewsLeft: number;
      expiresAtMs: number;
      /** A claim's retry within its grace (PROTOCOL.md §6): the first answer again, nothing consumed or recorded. */
      replayed?: true;
    }
  | { kind: "wrong_passphrase"; attemptsLeft: number }
  | NotFound
  | IpNotAllowed
  | Gone;

export interface SecretStatus {
  id: string;
  state: SecretState;
  createdAtMs: number;
  expiresAtMs: number;
  maxViews: number;
  viewsLeft: number; // 0 unless state is active
  failedAttempts: number;
  allowedIps: string[];
  events: SecretEvent[]; // oldest first
  creator?: Creator;
}

export type StatusResult = { kind: "ok"; status: SecretStatus } | NotFound;
export type BurnResult = { kind: "burned" } | { kind: "already_gone" } | NotFound;

export interface AccessRequest {
  id: string;
  accessVerifier: string;
  nowMs: number;
  requester: Requester;
  /**
   * The request's rate limits (./admission.ts): taken before anything else, in the same
   * script where the store allows it; refused → AdmissionRefusedError and nothing ran.
   */
  admission?: Admission;
}

/** A reveal claim (PROTOCOL.md §6), present only when the client sent one and grace > 0. */
export interface RevealClaim {
  /** SHA512(claim)[0..32] as b64u (43 chars): the store never sees the claim itself. */
  verifier: string;
  /** REVEAL_GRACE_SECONDS, ≥ 1: how long after it took a view the claim can read again. */
  graceSeconds: number;
}

export interface RevealRequest extends AccessRequest {
  unlockVerifier: string;
  claim?: RevealClaim;
}

export interface ManageRequest {
  id: string;
  manageVerifier: string;
  nowMs: number;
  requester: Requester;
  /** As AccessRequest.admission: the status's or the burn's rate limit, taken first. */
  admission?: Admission;
}

export interface SecretStore {
  readonly kind: StoreKind;
  /** Rate-limit counters kept where this store keeps its data (./rate-limit.ts). */
  readonly rateLimiter: RateLimiter;
  create(secret: NewSecret): Promise<CreateResult>;
  /** Consumes nothing. Order after a right access proof: allowlist, tombstone. */
  check(request: AccessRequest): Promise<CheckResult>;
  /**
   * One atomic step: access, allowlist (records ip_blocked), tombstone (skipped for viewed
   * and expired by a claim in its grace), unlock (counts failures, burns at the limit),
   * then either the claim's first answer again (consuming nothing) or a view, recording
   * the claim with it (PROTOCOL.md §6).
   */
  reveal(request: RevealRequest): Promise<RevealResult>;
  status(request: ManageRequest): Promise<StatusResult>;
  /** Destroys the ciphertext and ends every claim's grace; records `burned`. Changes nothing when already gone. */
  burn(request: ManageRequest): Promise<BurnResult>;
  /**
   * Adds a secret to its owner's index (issue 13 §5), after create: a separate write, since
   * on a cluster the index lives in another slot than the secret. The entry is kept until
   * `untilMs` (when the secret's metadata goes) and pruned lazily after that.
   */
  indexOwned(owner: Owner, id: string, untilMs: number, nowMs: number): Promise<void>;
  /**
   * The owner's secrets whose metadata is still stored, newest first. Entries whose
   * metadata is gone, or whose recorded creator is not this owner, are pruned from the index.
   */
  listOwned(owner: Owner, nowMs: number): Promise<OwnedSecret[]>;
  /**
   * The manage burn, authorised by the recorded creator instead of the manage verifier:
   * the owner check and the burn are ONE atomic step. not_found for an unknown id and for
   * another owner's secret alike.
   */
  burnOwned(request: OwnedBurnRequest): Promise<BurnResult>;
  /** burnOwned for every indexed secret of the owner; answers how many were burned now. */
  burnAllOwned(owner: Owner, nowMs: number, requester: Requester): Promise<number>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by every driver when its backend cannot be reached or refuses a write (e.g. OOM). */
export class StoreUnavailableError extends Error {
  constructor(message = "The secret store is unavailable", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** PROTOCOL.md §8: who created a secret, as recorded in its metadata. */
export type Creator =
  | {
      kind: "token";
      name: string;
      /**
       * The token's kid (issue 13 §5): kept in the metadata so that a burn by the token's
       * owner checks ownership in the burn's own atomic step. Never on the wire (status,
       * check and sender show the name only); absent on secrets made before it was recorded.
       */
      kid?: string;
    }
  | { kind: "sso"; issuer: string; subject: string; email: string };

/**
 * Whose secrets a creator index holds (issue 13 §5): an API token by its kid, a signed-in
 * user by issuer + subject (never the email, which can change hands).
 */
export type Owner = { kind: "token"; kid: string } | { kind: "sso"; issuer: string; subject: string };

/** One entry of an owner's list: what "My secrets" shows; never a verifier, a key or a link. */
export interface OwnedSecret {
  id: string;
  state: SecretState;
  createdAtMs: number;
  expiresAtMs: number;
  maxViews: number;
  viewsLeft: number; // 0 unless state is active
}

export interface OwnedBurnRequest {
  owner: Owner;
  id: string;
  nowMs: number;
  requester: Requester;
}

/**
 * An API token's stored record (PROTOCOL.md §8): never the token, only its SHA-256.
 * The record's key expires with the token.
 */
export interface StoredToken {
  /** 8 of [A-Za-z0-9], the part of the token between `blt_` and the second `_`. */
  kid: string;
  /** Lowercase hex SHA-256 of the whole token, 64 characters. */
  hashHex: string;
  name: string;
  scopes: string[];
  createdAtMs: number;
  /** null: never expires. */
  expiresAtMs: number | null;
  /** null: never used. Written at most once a minute. */
  lastUsedAtMs: number | null;
}

/** The API tokens of the admin API; one record per kid, the key expiring with the token. */
export interface TokenStore {
  /** Writes a new token; "kid_taken" if the kid is in use (the caller draws another). */
  putToken(token: StoredToken, nowMs: number): Promise<"created" | "kid_taken">;
  /** The live record of a kid, or null (unknown, revoked or expired at nowMs). */
  getToken(kid: string, nowMs: number): Promise<StoredToken | null>;
  /** Records a use at nowMs unless the last recorded use is under a minute old. */
  touchToken(kid: string, nowMs: number): Promise<void>;
  /** Every live token, oldest first. */
  listTokens(nowMs: number): Promise<StoredToken[]>;
  /** Deletes the record; "not_found" when there was no live one. */
  revokeToken(kid: string, nowMs: number): Promise<"revoked" | "not_found">;
}

/** A signed-in creator's session (PROTOCOL.md §8), stored so logout and revocation end it. */
export interface StoredSession {
  issuer: string;
  subject: string;
  email: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/**
 * Sessions keyed by a hash of the session id (the id itself lives only inside the
 * encrypted cookie), each key expiring with its session.
 */
export interface SessionStore {
  putSession(sessionIdHash: string, session: StoredSession): Promise<void>;
  getSession(sessionIdHash: string, nowMs: number): Promise<StoredSession | null>;
  /** "not_found" when no live session had this id. */
  deleteSession(sessionIdHash: string): Promise<"deleted" | "not_found">;
}

export interface AuthStore extends TokenStore, SessionStore {}
