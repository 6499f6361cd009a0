/**
 * The in-memory RequestStore: one process, nothing survives a restart (like ./memory-store.ts).
 *
 * Guarantees: the same semantics as the Lua scripts of ./request-scripts.ts, proven by the
 * same contract suite. Each operation is one synchronous block with no `await` between
 * reading and writing, so it is atomic exactly like a script on Redis.
 *
 * Expiry follows the caller's `nowMs` as Redis follows its clock: responses vanish at
 * expiresAt + collectWindow, the record at expiresAt + max(retention, collectWindow), a
 * delivered list when its grace ends; a lazy sweep drops what nobody touches. `maxBytes`
 * caps labels and responses held; a create or response over it fails with
 * StoreUnavailableError, like a Redis at maxmemory.
 */
import "server-only";
import { isSecretId, MAX_EVENTS, sameVerifier } from "./keys";
import { assertNewRequest, assertResponseShape } from "./request-keys";
import type {
  CheckRequestResult,
  CollectAccess,
  CollectRequest,
  CollectResult,
  CreateRequestResult,
  NewRequest,
  NewResponse,
  RequestEvent,
  RequestGone,
  RequestState,
  RequestStatusResult,
  RequestStore,
  RespondResult,
  RevokeResult,
  StoredResponse,
  WriteAccess,
} from "./request-types";
import { StoreUnavailableError, type Creator } from "./types";
import { MemoryEventLog } from "./memory-events";
import type { ExpireOutcome } from "./event-source";
import type { EventName } from "@/lib/server/events/types";

export interface MemoryRequestStoreOptions {
  /** Cap on bytes held; creates and responses beyond it fail. Default 256 MiB. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Allowance per record for its metadata, including a full list of MAX_EVENTS events. */
const META_BYTES = 16 * 1024;
const SWEEP_INTERVAL_MS = 10_000;

interface Delivered {
  untilMs: number;
  responses: StoredResponse[];
}

interface RequestEntry {
  writeVerifier: string;
  collectVerifier: string;
  label: string | undefined;
  createdAtMs: number;
  expiresAtMs: number;
  responsesExpireAtMs: number;
  metaExpiresAtMs: number;
  maxResponses: number;
  received: number;
  answeredAtMs?: number;
  revokedAtMs?: number;
  /** pending responses by n */
  responses: Map<number, StoredResponse>;
  /** claimVerifier → the list that collect returned */
  delivered: Map<string, Delivered>;
  events: RequestEvent[];
  /** request.expired is in the outbox (./memory-events.ts): it is recorded once. */
  expiredRecorded: boolean;
  /** PROTOCOL.md §8: who made it with a credential. */
  creator?: Creator;
}

function sizeOf(response: StoredResponse): number {
  return response.ciphertext.length + response.epk.length + 64;
}

function stateOf(entry: RequestEntry, nowMs: number): { state: RequestState; atMs: number } {
  if (entry.revokedAtMs !== undefined) return { state: "revoked", atMs: entry.revokedAtMs };
  if (entry.received >= entry.maxResponses)
    return { state: "answered", atMs: entry.answeredAtMs ?? entry.expiresAtMs };
  if (nowMs >= entry.expiresAtMs) return { state: "expired", atMs: entry.expiresAtMs };
  return { state: "open", atMs: 0 };
}

function copy(response: StoredResponse): StoredResponse {
  return { ...response };
}

export class MemoryRequestStore implements RequestStore {
  readonly kind = "memory";
  private readonly entries = new Map<string, RequestEntry>();
  private readonly maxBytes: number;
  private bytes = 0;
  private nextSweepMs = 0;

  constructor(
    options: MemoryRequestStoreOptions = {},
    private readonly events: MemoryEventLog = new MemoryEventLog(),
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    events.setExpirer("request", (id, nowMs) => this.expireEvent(id, nowMs));
  }

  /** The §9 event of a change, appended in the same synchronous block (PROTOCOL.md §9). */
  private emit(id: string, type: EventName, atMs: number, auditIp: string | undefined, n?: number | number[]): void {
    this.events.append({ subject: "request", id }, type, atMs, auditIp, n === undefined ? {} : { n });
  }

  /** The expiry sweep's step (EXPIRE_REQUEST in ./event-scripts.ts): open at expiresAt, once. */
  private expireEvent(id: string, nowMs: number): ExpireOutcome {
    const entry = this.entries.get(id);
    if (!entry || entry.expiredRecorded || entry.revokedAtMs !== undefined || entry.received >= entry.maxResponses) return "done";
    if (nowMs < entry.expiresAtMs) return "early";
    entry.expiredRecorded = true;
    this.emit(id, "request.expired", entry.expiresAtMs, undefined);
    return "recorded";
  }

  private dropResponses(entry: RequestEntry): void {
    for (const response of entry.responses.values()) this.bytes -= sizeOf(response);
    entry.responses.clear();
  }

  private dropDelivered(entry: RequestEntry, nowMs?: number): void {
    for (const [claim, delivered] of entry.delivered) {
      if (nowMs !== undefined && delivered.untilMs > nowMs) continue;
      for (const response of delivered.responses) this.bytes -= sizeOf(response);
      entry.delivered.delete(claim);
    }
  }

  private drop(id: string, entry: RequestEntry): void {
    this.dropResponses(entry);
    this.dropDelivered(entry);
    this.bytes -= META_BYTES + (entry.label?.length ?? 0);
    this.entries.delete(id);
  }

  /** Applies what Redis's own expiry would have done by nowMs. */
  private expire(id: string, entry: RequestEntry, nowMs: number): boolean {
    this.dropDelivered(entry, nowMs);
    if (nowMs >= entry.metaExpiresAtMs) {
      // The delivered list of a grace that outlives the record keeps the rid taken, as on Redis.
      if (entry.delivered.size === 0) {
        this.drop(id, entry);
        return false;
      }
    }
    if (nowMs >= entry.responsesExpireAtMs) this.dropResponses(entry);
    return nowMs < entry.metaExpiresAtMs;
  }

  private lookup(id: string, nowMs: number): RequestEntry | undefined {
    this.sweep(nowMs);
    const entry = isSecretId(id) ? this.entries.get(id) : undefined;
    if (!entry) return undefined;
    return this.expire(id, entry, nowMs) ? entry : undefined;
  }

  private taken(id: string, nowMs: number): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.expire(id, entry, nowMs);
    return this.entries.has(id);
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    for (const [id, entry] of this.entries) this.expire(id, entry, nowMs);
  }

  private reserve(bytes: number): void {
    if (this.bytes + bytes > this.maxBytes) {
      throw new StoreUnavailableError(
        "The in-memory secret store is full (maxBytes reached); it accepts new requests and responses again as old ones go",
      );
    }
    this.bytes += bytes;
  }

  /** Keeps `created` and the newest others, like the scripts' with_event. */
  private record(entry: RequestEntry, event: RequestEvent, auditIp: string | undefined): void {
    entry.events.push(auditIp === undefined ? event : { ...event, ip: auditIp });
    while (entry.events.length > MAX_EVENTS) entry.events.splice(1, 1);
  }

  private writable(request: WriteAccess): RequestEntry | undefined {
    const entry = this.lookup(request.id, request.nowMs);
    return entry && sameVerifier(request.writeVerifier, entry.writeVerifier) ? entry : undefined;
  }

  private collectable(request: CollectAccess): RequestEntry | undefined {
    const entry = this.lookup(request.id, request.nowMs);
    return entry && sameVerifier(request.collectVerifier, entry.collectVerifier)
      ? entry
      : undefined;
  }

  async create(request: NewRequest): Promise<CreateRequestResult> {
    assertNewRequest(request);
    this.sweep(request.nowMs);
    if (this.taken(request.id, request.nowMs)) return { kind: "id_taken" };
    this.reserve(META_BYTES + (request.label?.length ?? 0));
    const expiresAtMs = request.nowMs + request.ttlSeconds * 1000;
    const entry: RequestEntry = {
      writeVerifier: request.writeVerifier,
      collectVerifier: request.collectVerifier,
      label: request.label,
      createdAtMs: request.nowMs,
      expiresAtMs,
      responsesExpireAtMs: expiresAtMs + request.collectWindowSeconds * 1000,
      metaExpiresAtMs:
        expiresAtMs + Math.max(request.retentionSeconds, request.collectWindowSeconds) * 1000,
      maxResponses: request.maxResponses,
      received: 0,
      responses: new Map(),
      delivered: new Map(),
      events: [],
      expiredRecorded: false,
    };
    if (request.creator) entry.creator = { ...request.creator };
    this.record(entry, { type: "created", atMs: request.nowMs }, request.requester.auditIp);
    this.entries.set(request.id, entry);
    this.events.open(
      { subject: "request", id: request.id },
      { untilMs: entry.metaExpiresAtMs, expiresAtMs, ...(request.creator ? { creator: request.creator } : {}) },
    );
    this.emit(request.id, "request.created", request.nowMs, request.requester.auditIp);
    return { kind: "created", expiresAtMs };
  }

  async check(request: WriteAccess): Promise<CheckRequestResult> {
    const entry = this.writable(request);
    if (!entry) return { kind: "not_found" };
    const { state, atMs } = stateOf(entry, request.nowMs);
    if (state !== "open") return { kind: "gone", reason: state, atMs } satisfies RequestGone;
    return {
      kind: "ok",
      expiresAtMs: entry.expiresAtMs,
      responsesLeft: entry.maxResponses - entry.received,
      ...(entry.label === undefined ? {} : { label: entry.label }),
      ...(entry.creator ? { creator: { ...entry.creator } } : {}),
    };
  }

  async respond(response: NewResponse): Promise<RespondResult> {
    const entry = this.writable(response);
    if (!entry) return { kind: "not_found" };
    assertResponseShape(response);
    const { state, atMs } = stateOf(entry, response.nowMs);
    if (state !== "open") return { kind: "gone", reason: state, atMs };
    const n = entry.received + 1;
    const stored: StoredResponse = {
      n,
      epk: response.epk,
      ciphertext: response.ciphertext,
      atMs: response.nowMs,
    };
    this.reserve(sizeOf(stored));
    entry.responses.set(n, stored);
    entry.received = n;
    if (n >= entry.maxResponses) entry.answeredAtMs = response.nowMs;
    this.record(entry, { type: "responded", atMs: response.nowMs, n }, response.requester.auditIp);
    this.emit(response.id, "request.responded", response.nowMs, response.requester.auditIp, n);
    return { kind: "ok", n, responsesLeft: entry.maxResponses - n };
  }

  async collect(request: CollectRequest): Promise<CollectResult> {
    const entry = this.collectable(request);
    if (!entry) return { kind: "not_found" };
    const { state } = stateOf(entry, request.nowMs);
    const claim =
      request.graceSeconds > 0 && request.claimVerifier !== undefined
        ? request.claimVerifier
        : undefined;
    if (claim !== undefined) {
      // Expired graces were dropped by lookup(), so a hit is still within its grace.
      const recorded = entry.delivered.get(claim);
      if (recorded) return { kind: "ok", state, responses: recorded.responses.map(copy) };
    }
    const responses = [...entry.responses.values()].sort((a, b) => a.n - b.n);
    entry.responses.clear();
    if (claim !== undefined) {
      // The bytes move from the pending map to the delivered list; their allowance stays reserved.
      entry.delivered.set(claim, {
        untilMs: request.nowMs + request.graceSeconds * 1000,
        responses,
      });
    } else {
      for (const response of responses) this.bytes -= sizeOf(response);
    }
    if (responses.length > 0) {
      this.record(
        entry,
        { type: "collected", atMs: request.nowMs, n: responses.map((r) => r.n) },
        request.requester.auditIp,
      );
      this.emit(request.id, "request.collected", request.nowMs, request.requester.auditIp, responses.map((r) => r.n));
    }
    return { kind: "ok", state, responses: responses.map(copy) };
  }

  async status(request: CollectAccess): Promise<RequestStatusResult> {
    const entry = this.collectable(request);
    if (!entry) return { kind: "not_found" };
    const { state } = stateOf(entry, request.nowMs);
    return {
      kind: "ok",
      status: {
        id: request.id,
        state,
        createdAtMs: entry.createdAtMs,
        expiresAtMs: entry.expiresAtMs,
        maxResponses: entry.maxResponses,
        responsesLeft: state === "open" ? entry.maxResponses - entry.received : 0,
        pending: entry.responses.size,
        events: entry.events.map((event) => ({
          ...event,
          ...(Array.isArray(event.n) ? { n: [...event.n] } : {}),
        })),
        ...(entry.creator ? { creator: { ...entry.creator } } : {}),
      },
    };
  }

  async revoke(request: CollectAccess): Promise<RevokeResult> {
    const entry = this.collectable(request);
    if (!entry) return { kind: "not_found" };
    if (entry.revokedAtMs !== undefined) return { kind: "already_revoked" };
    this.dropResponses(entry);
    this.dropDelivered(entry);
    entry.revokedAtMs = request.nowMs;
    this.record(entry, { type: "revoked", atMs: request.nowMs }, request.requester.auditIp);
    this.emit(request.id, "request.revoked", request.nowMs, request.requester.auditIp);
    return { kind: "revoked" };
  }
}

/** `events`: the log of the memory secret store it belongs to (./request-store.ts). */
export function createMemoryRequestStore(options: MemoryRequestStoreOptions = {}, events?: MemoryEventLog): RequestStore {
  return new MemoryRequestStore(options, events);
}
