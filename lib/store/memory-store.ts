/**
 * The in-memory driver: one process, nothing survives a restart. For local
 * development and single-instance deployments only.
 *
 * Guarantees: the same semantics as the Lua scripts (./scripts.ts), proven by
 * the same contract suite. Each operation runs as one synchronous block with no
 * `await` between reading and writing, and JavaScript runs one block at a time,
 * so every operation is atomic exactly like a script on Redis.
 *
 * Expiry: the caller's `nowMs` is the clock. A ciphertext at or past expiresAt
 * is treated as gone (and dropped) as if Redis had expired its key; an entry
 * past its metadata expiry is dropped when touched, and a lazy sweep every
 * SWEEP_INTERVAL_MS drops the ones nobody touches, so memory does not grow
 * forever. `maxBytes` caps what is held (ciphertext plus a fixed allowance for
 * metadata); a create over the cap fails with StoreUnavailableError, like a
 * Redis at maxmemory.
 */
import "server-only";
import { ipAllowed } from "./allowlist";
import { assertNewSecret, claimOf, isSecretId, MAX_IP_BLOCKED_EVENTS, normalizeIpHex, sameVerifier } from "./keys";
import { assertOwner, isOwnedBy, ownerHash } from "./owner-keys";
import {
  COALESCED_EVENT_TYPES,
  StoreUnavailableError,
  type AccessRequest,
  type BurnResult,
  type CheckResult,
  type CreateResult,
  type Creator,
  type GoneReason,
  type IpPrefix,
  type ManageRequest,
  type NewSecret,
  type OwnedBurnRequest,
  type OwnedSecret,
  type Owner,
  type Requester,
  type RevealRequest,
  type RevealResult,
  type SecretEvent,
  type SecretEventType,
  type SecretStore,
  type StatusResult,
} from "./types";
import { observedStore } from "./observer";
import { admitThen } from "./admission";
import { MemoryRateLimiter, type RateLimiter } from "./rate-limit";
import { bindMemoryEventLog, MemoryEventLog } from "./memory-events";
import { registerEventSource, type ExpireOutcome } from "./event-source";

export interface MemoryStoreOptions {
  /** Cap on bytes held; creates beyond it fail with StoreUnavailableError. Default 256 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MEMORY_STORE_MAX_BYTES = 256 * 1024 * 1024;
/** Allowance per entry for its metadata and a typical list of events. */
const META_BYTES = 16 * 1024;
const SWEEP_INTERVAL_MS = 10_000;
/** Allowance per id tombstone: the id and its expiry, nothing else. */
const TOMBSTONE_BYTES = 64;

interface Entry {
  /** null once viewed out, burned or expired. */
  ciphertext: string | null;
  accessVerifier: string;
  unlockVerifier: string;
  manageVerifier: string;
  createdAtMs: number;
  expiresAtMs: number;
  metaExpiresAtMs: number;
  maxViews: number;
  viewsLeft: number;
  failed: number;
  limit: number;
  state: "active" | "viewed" | "burned";
  goneReason?: Exclude<GoneReason, "expired">;
  goneAtMs?: number;
  allowedIps: string[];
  prefixes: IpPrefix[];
  events: SecretEvent[];
  creator?: Creator;
  /** PROTOCOL.md §6: claimVerifier → when it took a view and the viewsLeft it was told. */
  claims: Map<string, { claimedAtMs: number; viewsLeft: number }>;
  /** When the last claim's grace ends; 0 before any claim and after a burn. */
  graceUntilMs: number;
  /** secret.expired is in the outbox (./memory-events.ts): it is recorded once. */
  expiredRecorded: boolean;
}

/**
 * When the ciphertext goes, like the Redis key's expiry: at max(expiresAt, graceUntil)
 * while views are left, at graceUntil once every view is used (only a claim in its grace
 * may still read it), at once after a burn.
 */
function ciphertextUntilMs(entry: Entry): number {
  if (entry.state === "active") return Math.max(entry.expiresAtMs, entry.graceUntilMs);
  if (entry.state === "viewed") return entry.graceUntilMs;
  return 0;
}

class MemoryStore implements SecretStore {
  readonly kind = "memory";
  /** In process, like the secrets; an admitted check or reveal takes from the same counters. */
  readonly rateLimiter: RateLimiter = new MemoryRateLimiter();
  private readonly entries = new Map<string, Entry>();
  /** Id tombstones (issue 10 item 10): id → when it is free again. Nothing else is kept. */
  private readonly tombstones = new Map<string, number>();
  /** Issue 13 §5: owner hash → (id → when its metadata goes), like the sorted sets on Redis. */
  private readonly owned = new Map<string, Map<string, number>>();
  private readonly maxBytes: number;
  private bytes = 0;
  private nextSweepMs = 0;

  constructor(
    options: MemoryStoreOptions,
    private readonly events: MemoryEventLog,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MEMORY_STORE_MAX_BYTES;
    events.setExpirer("secret", (id, nowMs) => this.expire(id, nowMs));
  }

  /** The §9 event of a change, appended in the same synchronous block (PROTOCOL.md §9). */
  private emit(id: string, type: Parameters<MemoryEventLog["append"]>[1], atMs: number, auditIp: string | undefined): void {
    this.events.append({ subject: "secret", id }, type, atMs, auditIp);
  }

  /** The expiry sweep's step (lib/store/event-scripts.ts EXPIRE_SECRET): expired with views left, once. */
  private expire(id: string, nowMs: number): ExpireOutcome {
    const entry = this.entries.get(id);
    if (!entry || entry.expiredRecorded || entry.state !== "active") return "done";
    if (nowMs < entry.expiresAtMs) return "early";
    entry.expiredRecorded = true;
    this.emit(id, "secret.expired", entry.expiresAtMs, undefined);
    return "recorded";
  }

  private dropCiphertext(entry: Entry): void {
    if (entry.ciphertext === null) return;
    this.bytes -= entry.ciphertext.length;
    entry.ciphertext = null;
  }

  private drop(id: string, entry: Entry): void {
    this.dropCiphertext(entry);
    this.bytes -= META_BYTES;
    this.entries.delete(id);
  }

  /** What a Redis key lookup would see at nowMs: expired keys are gone. */
  private lookup(id: string, nowMs: number): Entry | undefined {
    this.sweep(nowMs);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (nowMs >= entry.metaExpiresAtMs) {
      this.drop(id, entry);
      return undefined;
    }
    if (nowMs >= ciphertextUntilMs(entry)) this.dropCiphertext(entry);
    if (nowMs >= entry.graceUntilMs) entry.claims.clear();
    return entry;
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    for (const [id, entry] of this.entries) {
      if (nowMs >= entry.metaExpiresAtMs) this.drop(id, entry);
      else if (nowMs >= ciphertextUntilMs(entry)) this.dropCiphertext(entry);
    }
    for (const [id, untilMs] of this.tombstones) {
      if (nowMs >= untilMs) this.dropTombstone(id);
    }
    for (const [key, index] of this.owned) {
      for (const [id, untilMs] of index) if (nowMs >= untilMs) index.delete(id);
      if (index.size === 0) this.owned.delete(key);
    }
  }

  private dropTombstone(id: string): void {
    if (this.tombstones.delete(id)) this.bytes -= TOMBSTONE_BYTES;
  }

  /** True while the id tombstone of `id` stands at nowMs (like an unexpired Redis key). */
  private tombstoned(id: string, nowMs: number): boolean {
    const untilMs = this.tombstones.get(id);
    if (untilMs === undefined) return false;
    if (nowMs < untilMs) return true;
    this.dropTombstone(id);
    return false;
  }

  /** Coalesces repeats and caps ip_blocked entries, exactly like the scripts' with_events. */
  private record(entry: Entry, types: SecretEventType[], atMs: number, auditIp: string | undefined): void {
    for (const type of types) {
      const last = entry.events.at(-1);
      if (COALESCED_EVENT_TYPES.includes(type) && last?.type === type && last.ip === auditIp) {
        last.count = (last.count ?? 1) + 1;
        last.lastAtMs = atMs;
      } else {
        entry.events.push(auditIp === undefined ? { type, atMs } : { type, atMs, ip: auditIp });
      }
    }
    let blocked = entry.events.filter((event) => event.type === "ip_blocked").length;
    while (blocked > MAX_IP_BLOCKED_EVENTS) {
      entry.events.splice(entry.events.findIndex((event) => event.type === "ip_blocked"), 1);
      blocked -= 1;
    }
  }

  /**
   * PROTOCOL.md §4 order after a right access proof: allowlist, then tombstone, which a
   * claim in its grace skips for viewed and expired, never for a burn (§6).
   */
  private gate(entry: Entry, request: AccessRequest, inGrace = false): IpNotAllowedOrGone | undefined {
    if (!ipAllowed(normalizeIpHex(request.requester.ipHex), entry.prefixes)) {
      this.record(entry, ["ip_blocked"], request.nowMs, request.requester.auditIp);
      this.emit(request.id, "secret.ip_blocked", request.nowMs, request.requester.auditIp);
      return { kind: "ip_not_allowed" };
    }
    if (entry.state === "burned") {
      return { kind: "gone", reason: entry.goneReason ?? "burned", atMs: entry.goneAtMs ?? entry.expiresAtMs };
    }
    if (inGrace && entry.ciphertext !== null) return undefined;
    if (entry.state !== "active") {
      return { kind: "gone", reason: entry.goneReason ?? "burned", atMs: entry.goneAtMs ?? entry.expiresAtMs };
    }
    if (request.nowMs >= entry.expiresAtMs || entry.ciphertext === null) {
      return { kind: "gone", reason: "expired", atMs: entry.expiresAtMs };
    }
    return undefined;
  }

  async create(secret: NewSecret): Promise<CreateResult> {
    assertNewSecret(secret);
    if (this.lookup(secret.id, secret.nowMs) || this.tombstoned(secret.id, secret.nowMs)) return { kind: "id_taken" };
    const expiresAtMs = secret.nowMs + secret.ttlSeconds * 1000;
    const metaExpiresAtMs = expiresAtMs + secret.retentionSeconds * 1000;
    const tombstoneUntilMs = expiresAtMs + (secret.idTombstoneSeconds ?? 0) * 1000;
    const tombstone = tombstoneUntilMs > metaExpiresAtMs;
    const size = secret.ciphertext.length + META_BYTES + (tombstone ? TOMBSTONE_BYTES : 0);
    if (this.bytes + size > this.maxBytes) {
      throw new StoreUnavailableError("The in-memory secret store is full (maxBytes reached); it accepts new secrets again as old ones go");
    }
    const entry: Entry = {
      ciphertext: secret.ciphertext,
      accessVerifier: secret.accessVerifier,
      unlockVerifier: secret.unlockVerifier,
      manageVerifier: secret.manageVerifier,
      createdAtMs: secret.nowMs,
      expiresAtMs,
      metaExpiresAtMs,
      maxViews: secret.maxViews,
      viewsLeft: secret.maxViews,
      failed: 0,
      limit: secret.attemptsLimit,
      state: "active",
      allowedIps: [...secret.allowedIps],
      prefixes: secret.allowedPrefixes.map((prefix) => ({ ...prefix })),
      events: [],
      claims: new Map(),
      graceUntilMs: 0,
      expiredRecorded: false,
    };
    if (secret.creator) entry.creator = { ...secret.creator };
    this.record(entry, ["created"], secret.nowMs, secret.requester.auditIp);
    this.events.open(
      { subject: "secret", id: secret.id },
      {
        untilMs: metaExpiresAtMs,
        expiresAtMs,
        ...(secret.creator ? { creator: secret.creator } : {}),
        ...(secret.notify ? { notify: secret.notify } : {}),
      },
    );
    this.emit(secret.id, "secret.created", secret.nowMs, secret.requester.auditIp);
    this.entries.set(secret.id, entry);
    if (tombstone) this.tombstones.set(secret.id, tombstoneUntilMs);
    this.bytes += size;
    return { kind: "created", expiresAtMs };
  }

  check(request: AccessRequest): Promise<CheckResult> {
    return admitThen(this.rateLimiter, request.admission, () => this.checkAdmitted(request), (result) => result.kind);
  }

  private async checkAdmitted(request: AccessRequest): Promise<CheckResult> {
    const entry = isSecretId(request.id) ? this.lookup(request.id, request.nowMs) : undefined;
    // A wrong access proof looks exactly like an unknown id and counts nothing.
    if (!entry || !sameVerifier(request.accessVerifier, entry.accessVerifier)) return { kind: "not_found" };
    const refused = this.gate(entry, request);
    if (refused) return refused;
    const ok = { kind: "ok" as const, expiresAtMs: entry.expiresAtMs, viewsLeft: entry.viewsLeft };
    return entry.creator ? { ...ok, creator: { ...entry.creator } } : ok;
  }

  reveal(request: RevealRequest): Promise<RevealResult> {
    return admitThen(this.rateLimiter, request.admission, () => this.revealAdmitted(request), (result) => result.kind);
  }

  private async revealAdmitted(request: RevealRequest): Promise<RevealResult> {
    const entry = isSecretId(request.id) ? this.lookup(request.id, request.nowMs) : undefined;
    if (!entry || !sameVerifier(request.accessVerifier, entry.accessVerifier)) return { kind: "not_found" };
    const claim = claimOf(request);
    const recorded = claim ? entry.claims.get(claim.verifier) : undefined;
    const inGrace = recorded !== undefined && claim !== undefined && request.nowMs < recorded.claimedAtMs + claim.graceMs;
    const refused = this.gate(entry, request, inGrace);
    if (refused) return refused;
    const ciphertext = entry.ciphertext as string;
    const auditIp = request.requester.auditIp;

    if (!sameVerifier(request.unlockVerifier, entry.unlockVerifier)) {
      entry.failed += 1;
      if (entry.failed >= entry.limit) {
        this.burnNow(entry, "attempts", request.nowMs);
        this.record(entry, ["wrong_passphrase", "burned"], request.nowMs, auditIp);
        this.emit(request.id, "secret.wrong_passphrase", request.nowMs, auditIp);
        this.emit(request.id, "secret.burned", request.nowMs, auditIp);
        return { kind: "wrong_passphrase", attemptsLeft: 0 };
      }
      this.record(entry, ["wrong_passphrase"], request.nowMs, auditIp);
      this.emit(request.id, "secret.wrong_passphrase", request.nowMs, auditIp);
      return { kind: "wrong_passphrase", attemptsLeft: entry.limit - entry.failed };
    }

    // A retry within the grace: the first answer again, consuming and recording nothing.
    if (inGrace && recorded) return { kind: "ok", ciphertext, viewsLeft: recorded.viewsLeft, expiresAtMs: entry.expiresAtMs, replayed: true };

    entry.viewsLeft = Math.max(0, entry.viewsLeft - 1);
    this.record(entry, ["viewed"], request.nowMs, auditIp);
    if (claim) {
      entry.claims.set(claim.verifier, { claimedAtMs: request.nowMs, viewsLeft: entry.viewsLeft });
      entry.graceUntilMs = Math.max(entry.graceUntilMs, request.nowMs + claim.graceMs);
      // The record outlives every grace, as the scripts extend the metadata key.
      entry.metaExpiresAtMs = Math.max(entry.metaExpiresAtMs, entry.graceUntilMs);
      this.events.extend({ subject: "secret", id: request.id }, entry.metaExpiresAtMs);
    }
    this.emit(request.id, "secret.viewed", request.nowMs, auditIp);
    if (entry.viewsLeft === 0) {
      entry.state = "viewed";
      entry.goneReason = "viewed";
      entry.goneAtMs = request.nowMs;
      if (request.nowMs >= entry.graceUntilMs) this.dropCiphertext(entry);
    }
    return { kind: "ok", ciphertext, viewsLeft: entry.viewsLeft, expiresAtMs: entry.expiresAtMs };
  }

  /** A burn, by the creator or at the attempt limit: the ciphertext goes, and every grace with it. */
  private burnNow(entry: Entry, reason: "burned" | "attempts", nowMs: number): void {
    this.dropCiphertext(entry);
    entry.claims.clear();
    entry.graceUntilMs = 0;
    entry.state = "burned";
    entry.goneReason = reason;
    entry.goneAtMs = nowMs;
  }

  private managed(request: ManageRequest): Entry | undefined {
    const entry = isSecretId(request.id) ? this.lookup(request.id, request.nowMs) : undefined;
    return entry && sameVerifier(request.manageVerifier, entry.manageVerifier) ? entry : undefined;
  }

  status(request: ManageRequest): Promise<StatusResult> {
    return admitThen(this.rateLimiter, request.admission, () => this.statusAdmitted(request), (result) => result.kind);
  }

  private async statusAdmitted(request: ManageRequest): Promise<StatusResult> {
    const entry = this.managed(request);
    if (!entry) return { kind: "not_found" };
    const expired = entry.state === "active" && (request.nowMs >= entry.expiresAtMs || entry.ciphertext === null);
    const state = expired ? "expired" : entry.state;
    return {
      kind: "ok",
      status: {
        id: request.id,
        state,
        createdAtMs: entry.createdAtMs,
        expiresAtMs: entry.expiresAtMs,
        maxViews: entry.maxViews,
        viewsLeft: state === "active" ? entry.viewsLeft : 0,
        failedAttempts: entry.failed,
        allowedIps: [...entry.allowedIps],
        events: entry.events.map((event) => ({ ...event })),
        ...(entry.creator ? { creator: { ...entry.creator } } : {}),
      },
    };
  }

  burn(request: ManageRequest): Promise<BurnResult> {
    return admitThen(this.rateLimiter, request.admission, () => this.burnAdmitted(request), (result) => result.kind);
  }

  private async burnAdmitted(request: ManageRequest): Promise<BurnResult> {
    const entry = this.managed(request);
    if (!entry) return { kind: "not_found" };
    return this.burnEntry(request.id, entry, request.nowMs, request.requester);
  }

  /** The burn step shared by the manage burn and the owner's burns (the scripts' BURN_STEP). */
  private burnEntry(id: string, entry: Entry, nowMs: number, requester: Requester): BurnResult {
    const readable = entry.state === "active" && nowMs < entry.expiresAtMs;
    const inGrace = entry.state !== "burned" && nowMs < entry.graceUntilMs;
    if (!(readable || inGrace) || entry.ciphertext === null) return { kind: "already_gone" };
    this.burnNow(entry, "burned", nowMs);
    this.record(entry, ["burned"], nowMs, requester.auditIp);
    this.emit(id, "secret.burned", nowMs, requester.auditIp);
    return { kind: "burned" };
  }

  /** The owner's index without its passed entries (the scripts' ZREMRANGEBYSCORE). */
  private ownedIds(owner: Owner, nowMs: number): Map<string, number> {
    const key = ownerHash(owner);
    const index = this.owned.get(key) ?? new Map<string, number>();
    for (const [id, untilMs] of index) if (nowMs >= untilMs) index.delete(id);
    if (index.size === 0) this.owned.delete(key);
    return index;
  }

  async indexOwned(owner: Owner, id: string, untilMs: number, nowMs: number): Promise<void> {
    assertOwner(owner);
    if (!isSecretId(id)) throw new TypeError("An indexed secret needs a secret id");
    const index = this.ownedIds(owner, nowMs);
    index.set(id, untilMs);
    this.owned.set(ownerHash(owner), index);
  }

  /** The entry when it is still stored and its recorded creator is this owner. */
  private ownedEntry(owner: Owner, id: string, nowMs: number): Entry | undefined {
    const entry = isSecretId(id) ? this.lookup(id, nowMs) : undefined;
    return entry && isOwnedBy(entry.creator, owner) ? entry : undefined;
  }

  async listOwned(owner: Owner, nowMs: number): Promise<OwnedSecret[]> {
    assertOwner(owner);
    const index = this.ownedIds(owner, nowMs);
    const listed: OwnedSecret[] = [];
    for (const id of [...index.keys()]) {
      const entry = this.ownedEntry(owner, id, nowMs);
      if (!entry) {
        index.delete(id);
        continue;
      }
      const expired = entry.state === "active" && (nowMs >= entry.expiresAtMs || entry.ciphertext === null);
      const state = expired ? "expired" : entry.state;
      listed.push({
        id,
        state,
        createdAtMs: entry.createdAtMs,
        expiresAtMs: entry.expiresAtMs,
        maxViews: entry.maxViews,
        viewsLeft: state === "active" ? entry.viewsLeft : 0,
      });
    }
    return listed.sort((a, b) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id));
  }

  async burnOwned(request: OwnedBurnRequest): Promise<BurnResult> {
    assertOwner(request.owner);
    const entry = this.ownedEntry(request.owner, request.id, request.nowMs);
    if (!entry) return { kind: "not_found" };
    return this.burnEntry(request.id, entry, request.nowMs, request.requester);
  }

  async burnAllOwned(owner: Owner, nowMs: number, requester: Requester): Promise<number> {
    assertOwner(owner);
    const index = this.ownedIds(owner, nowMs);
    let burned = 0;
    for (const id of [...index.keys()]) {
      const entry = this.ownedEntry(owner, id, nowMs);
      if (!entry) index.delete(id);
      else if (this.burnEntry(id, entry, nowMs, requester).kind === "burned") burned += 1;
    }
    return burned;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.tombstones.clear();
    this.owned.clear();
    this.bytes = 0;
  }
}

type IpNotAllowedOrGone = { kind: "ip_not_allowed" } | { kind: "gone"; reason: GoneReason; atMs: number };

export function createMemoryStore(options: MemoryStoreOptions = {}): SecretStore {
  const events = new MemoryEventLog();
  // Timed like the scripted drivers' commands, for the metrics (./observer.ts).
  const store = observedStore(new MemoryStore(options, events));
  // Its request store (./request-store.ts) and the dispatcher find the same log.
  bindMemoryEventLog(store, events);
  registerEventSource(store, events);
  return store;
}
