/**
 * The storage contract for requests (PROTOCOL.md §7), beside SecretStore (./types.ts).
 *
 * Guarantees every driver must keep, proven by tests/store/request-contract.ts on memory,
 * Redis, Redis Cluster and Upstash:
 * - every operation is ONE atomic step (one Lua script on the `{rid}` hash tag, one
 *   synchronous block in memory);
 * - create is write-if-absent, also against a retained tombstone: a rid whose metadata is
 *   still kept is taken, so a revoked or answered request can never be re-armed;
 * - respond checks state, expiry and count and stores in the same step, so N concurrent
 *   responses to a request with maxResponses = m succeed exactly min(N, m) times, numbered
 *   1..m in the order the store ran them;
 * - collect returns every stored, not yet collected response and deletes them in the same
 *   step; with a claim it records the list, and a retry with that claim within the grace
 *   gets exactly that list again (never later responses);
 * - nothing stored is plaintext, pk, R, a proof or a claim: callers pass verifiers
 *   (SHA-512(proof)[0..32], b64u) and the store only compares them.
 * Times are Unix epoch milliseconds; the caller passes `nowMs`, one clock per request.
 */
import type { Creator, NotFound, Requester, StoreKind } from "./types";

export type RequestState = "open" | "answered" | "expired" | "revoked";
export type RequestGoneReason = "expired" | "revoked" | "answered";
export type RequestEventType = "created" | "responded" | "collected" | "revoked";

export interface RequestEvent {
  type: RequestEventType;
  atMs: number;
  /** Already masked by the caller per AUDIT_IP; absent when AUDIT_IP=none. */
  ip?: string;
  /** `responded`: the response's number; `collected`: the numbers delivered. */
  n?: number | number[];
}

export interface NewRequest {
  /** rid, b64u, 22 characters */
  id: string;
  writeVerifier: string;
  collectVerifier: string;
  /** nonce ‖ secretbox, b64u as received; undefined without a label */
  label?: string;
  ttlSeconds: number;
  maxResponses: number;
  /** How long responses outlive expiresAt (COLLECT_WINDOW_SECONDS). */
  collectWindowSeconds: number;
  /** META_RETENTION_SECONDS: metadata is kept until expiresAt + max(this, collectWindowSeconds). */
  retentionSeconds: number;
  nowMs: number;
  requester: Requester;
  /** PROTOCOL.md §8: who made it, when made with a credential; stored in the metadata. */
  creator?: Creator;
}

export type RequestGone = { kind: "gone"; reason: RequestGoneReason; atMs: number };

export type CreateRequestResult = { kind: "created"; expiresAtMs: number } | { kind: "id_taken" };

export type CheckRequestResult =
  /** `creator` is the route's to show (as `sender`, only with SHOW_SENDER=1), never the store's. */
  | { kind: "ok"; label?: string; expiresAtMs: number; responsesLeft: number; creator?: Creator }
  | NotFound
  | RequestGone;

export type RespondResult =
  { kind: "ok"; n: number; responsesLeft: number } | NotFound | RequestGone;

export interface StoredResponse {
  n: number;
  /** b64u, as the responder sent it */
  epk: string;
  /** b64u, as the responder sent it */
  ciphertext: string;
  atMs: number;
}

export type CollectResult =
  { kind: "ok"; responses: StoredResponse[]; state: RequestState } | NotFound;

export interface RequestStatus {
  id: string;
  state: RequestState;
  createdAtMs: number;
  expiresAtMs: number;
  maxResponses: number;
  /** 0 unless state is open */
  responsesLeft: number;
  /** responses stored and not yet collected */
  pending: number;
  /** oldest first */
  events: RequestEvent[];
  /** PROTOCOL.md §8: absent for a request made without a credential. */
  creator?: Creator;
}

export type RequestStatusResult = { kind: "ok"; status: RequestStatus } | NotFound;
export type RevokeResult = { kind: "revoked" } | { kind: "already_revoked" } | NotFound;

export interface WriteAccess {
  id: string;
  writeVerifier: string;
  nowMs: number;
  requester: Requester;
}

export interface NewResponse extends WriteAccess {
  /** b64u of 32 bytes */
  epk: string;
  /** b64u */
  ciphertext: string;
}

export interface CollectAccess {
  id: string;
  collectVerifier: string;
  nowMs: number;
  requester: Requester;
}

export interface CollectRequest extends CollectAccess {
  /** SHA-512(claim)[0..32], b64u; undefined without a claim (or when claims are off). */
  claimVerifier?: string;
  /** REVEAL_GRACE_SECONDS; 0 turns claims off and nothing of a claim is stored. */
  graceSeconds: number;
}

export interface RequestStore {
  readonly kind: StoreKind;
  create(request: NewRequest): Promise<CreateRequestResult>;
  /** Consumes nothing. */
  check(request: WriteAccess): Promise<CheckRequestResult>;
  /** One atomic step: write proof, state, expiry, count, store, event. */
  respond(response: NewResponse): Promise<RespondResult>;
  /** Returns and deletes every pending response in one step; never gone. */
  collect(request: CollectRequest): Promise<CollectResult>;
  status(request: CollectAccess): Promise<RequestStatusResult>;
  /** Moves any state to revoked, deletes pending responses, ends every collect grace. */
  revoke(request: CollectAccess): Promise<RevokeResult>;
}
