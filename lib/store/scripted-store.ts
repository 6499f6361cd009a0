/**
 * The SecretStore behind both Redis drivers: it turns each operation into one
 * Lua script call (./scripts.ts) and the script's reply into a result union.
 *
 * Guarantees: every operation is exactly one script invocation, hence one
 * atomic step on the server; a reply of an unexpected shape is never guessed
 * at but reported as StoreUnavailableError. Drivers only supply the transport
 * (ScriptRunner): how to reach the server, EVALSHA with EVAL on NOSCRIPT, and
 * which of their errors mean "unavailable".
 */
import "server-only";
import { outcome, text, unexpected, whole } from "./script-replies";
import {
  assertKeyPrefix,
  assertNewSecret,
  claimOf,
  claimsKey,
  idKey,
  isSecretId,
  isVerifier,
  metaKey,
  normalizeIpHex,
  secretKey,
} from "./keys";
import { EVENT_SCRIPTS } from "./event-scripts";
import { expiryKey, memberOf, pendingKey, secretOutboxKey, shardOf } from "./event-keys";
import { observedRunner } from "./observer";
import { assertOwner, ownerFields, ownerIndexKey } from "./owner-keys";
import { OWNER_SCRIPTS } from "./owner-scripts";
import { SCRIPTS, type LuaScript } from "./scripts";
import { admittedCall, admittedScript, admitThen, operationReplyOf, type Admission } from "./admission";
import { ScriptedRateLimiter, type RateLimiter } from "./rate-limit";
import {
  StoreUnavailableError,
  type AccessRequest,
  type BurnResult,
  type Creator,
  type CheckResult,
  type CreateResult,
  type GoneReason,
  type ManageRequest,
  type NewSecret,
  type OwnedBurnRequest,
  type OwnedSecret,
  type Owner,
  type Requester,
  type RevealRequest,
  type RevealResult,
  type SecretEvent,
  type SecretState,
  type SecretStore,
  type StatusResult,
  type StoreKind,
} from "./types";

export interface ScriptRunner {
  /** Runs the script (EVALSHA, then EVAL on NOSCRIPT); rejects with StoreUnavailableError. */
  run(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
  /**
   * `WAIT replicas timeoutMs` on the connection (the node) that ran scripts on `key`;
   * resolves with the number of replicas that acknowledged. Absent where WAIT does not
   * exist (Upstash).
   */
  waitForReplicas?(key: string, replicas: number, timeoutMs: number): Promise<number>;
  /** CONFIG GET appendonly, appendfsync, save, where the server allows it. */
  persistenceSettings?(): Promise<Record<string, string>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const GONE_REASONS: readonly string[] = ["viewed", "burned", "attempts", "expired"] satisfies GoneReason[];
const STATES: readonly string[] = ["active", "viewed", "burned", "expired"] satisfies SecretState[];
const EVENT_TYPES: readonly string[] = ["created", "viewed", "wrong_passphrase", "ip_blocked", "burned"];

function gone(reply: unknown[], what: string): { kind: "gone"; reason: GoneReason; atMs: number } {
  const reason = text(reply, 1, what);
  if (!GONE_REASONS.includes(reason)) throw unexpected(what);
  return { kind: "gone", reason: reason as GoneReason, atMs: whole(reply, 2, what) };
}

function parseEvents(json: string): SecretEvent[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw unexpected("status");
  return parsed.map((item: unknown) => {
    const event = item as { type?: unknown; atMs?: unknown; ip?: unknown; count?: unknown; lastAtMs?: unknown };
    if (typeof event.type !== "string" || !EVENT_TYPES.includes(event.type) || typeof event.atMs !== "number") {
      throw unexpected("status");
    }
    const result: SecretEvent = { type: event.type as SecretEvent["type"], atMs: event.atMs };
    if (typeof event.ip === "string") result.ip = event.ip;
    if (event.count !== undefined) {
      if (!Number.isSafeInteger(event.count) || typeof event.lastAtMs !== "number") throw unexpected("status");
      result.count = event.count as number;
      result.lastAtMs = event.lastAtMs;
    }
    return result;
  });
}

/** The creator JSON a script returns ("" or absent: none), PROTOCOL.md §8. */
export function creatorOf(value: unknown, what: string): Creator | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw unexpected(what);
  const parsed = JSON.parse(value) as Partial<Record<string, unknown>>;
  if (parsed.kind === "token" && typeof parsed.name === "string") {
    return typeof parsed.kid === "string" ? { kind: "token", name: parsed.name, kid: parsed.kid } : { kind: "token", name: parsed.name };
  }
  if (parsed.kind === "sso" && typeof parsed.issuer === "string" && typeof parsed.subject === "string" && typeof parsed.email === "string") {
    return { kind: "sso", issuer: parsed.issuer, subject: parsed.subject, email: parsed.email };
  }
  throw unexpected(what);
}

const withCreator = (creator: Creator | undefined) => (creator ? { creator } : {});

/**
 * How many per-secret scripts of one owner operation are in flight at once: an owner with
 * thousands of secrets must not open thousands of Upstash requests (each with its own
 * deadline) in one go.
 */
const OWNED_BATCH_SIZE = 32;

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += OWNED_BATCH_SIZE) {
    results.push(...(await Promise.all(items.slice(start, start + OWNED_BATCH_SIZE).map(run))));
  }
  return results;
}

/** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS (PROTOCOL.md §6, "Durability"). */
export interface Durability {
  /** Replicas that must acknowledge a changed secret before it is answered; 0 = don't wait. */
  waitReplicas: number;
  waitTimeoutMs: number;
}

/** Marks a ScriptedStore whichever copy of this module made it (see hasInstance below). */
const SCRIPTED_STORE = Symbol.for("burnlink.ScriptedStore");

export class ScriptedStore implements SecretStore {
  /**
   * `instanceof ScriptedStore` by brand, not by prototype: Next loads lib/store into several
   * bundles (instrumentation.ts and the routes), each with its own copy of this class, while
   * getStore() hands all of them the one store on globalThis. A prototype check would send
   * the rate limiter, the auth store and the request store of every other bundle to memory.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SCRIPTED_STORE] === true;
  }

  readonly [SCRIPTED_STORE] = true;
  /** Shared with the rate limiter (./rate-limit.ts), so one connection serves both. */
  readonly runner: ScriptRunner;
  readonly rateLimiter: RateLimiter;

  constructor(
    readonly kind: StoreKind,
    runner: ScriptRunner,
    readonly keyPrefix: string,
    readonly durability: Durability = { waitReplicas: 0, waitTimeoutMs: 500 },
  ) {
    assertKeyPrefix(keyPrefix);
    // Every script the store and the rate limiter run is timed for the metrics (./observer.ts).
    this.runner = observedRunner(runner);
    this.rateLimiter = new ScriptedRateLimiter(this.runner, keyPrefix);
    if (durability.waitReplicas > 0 && !runner.waitForReplicas) {
      throw new TypeError(`REDIS_WAIT_REPLICAS needs a store with WAIT; the ${kind} store has none`);
    }
  }

  /**
   * After a script that changed a secret (a view, a claim's replay, a counted failure, a
   * burn): WAIT for the replicas, and answer 503 when too few acknowledged, so nothing is
   * released that a failover could undo. The step itself stays done on the primary; a
   * client with a claim gets its view by retrying (PROTOCOL.md §6).
   */
  private async replicated(id: string): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.durability;
    if (waitReplicas === 0 || !this.runner.waitForReplicas) return;
    const acknowledged = await this.runner.waitForReplicas(secretKey(this.keyPrefix, id), waitReplicas, waitTimeoutMs);
    if (acknowledged < waitReplicas) {
      throw new StoreUnavailableError(
        `Only ${acknowledged} of ${waitReplicas} Redis replicas acknowledged the change within ${waitTimeoutMs} ms (REDIS_WAIT_REPLICAS)`,
      );
    }
  }

  /**
   * One sentence on what survives a Redis restart, from CONFIG GET (for the start-up log);
   * undefined where the settings cannot be read.
   */
  async durabilityReport(): Promise<string | undefined> {
    const settings = await this.runner.persistenceSettings?.().catch(() => undefined);
    return settings ? describePersistence(settings, this.durability) : undefined;
  }

  /** Redis Cluster keeps the shard indexes in other slots: the driver writes them there. */
  private get indexesInScript(): boolean {
    return this.kind !== "redis-cluster";
  }

  /**
   * An operation's script behind its admission (./admission.ts): one script where the
   * limiter's keys may share it (Redis, Upstash), the limiter's script first on a cluster.
   * `answer` of the reply: the outcome name, which decides whether a held unit is kept.
   */
  private admitted(admission: Admission | undefined, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    const answer = (reply: unknown) => (Array.isArray(reply) ? reply[0] : undefined);
    if (!admission || admission.buckets.length === 0) return this.runner.run(script, keys, args);
    if (!this.indexesInScript) return admitThen(this.rateLimiter, admission, () => this.runner.run(script, keys, args), answer);
    const call = admittedCall(this.keyPrefix, admission, keys, args);
    return this.runner.run(admittedScript(script), call.keys, call.args).then((reply) => operationReplyOf(reply, admission));
  }

  /**
   * The subject's five keys for every script (./scripts.ts: one hash tag, one slot), then,
   * where a script may touch another slot, the shard's pending index and (create) schedule.
   */
  private keys(id: string, withSchedule = false): string[] {
    const keys = [
      secretKey(this.keyPrefix, id),
      metaKey(this.keyPrefix, id),
      claimsKey(this.keyPrefix, id),
      idKey(this.keyPrefix, id),
      secretOutboxKey(this.keyPrefix, id),
    ];
    if (!this.indexesInScript) return keys;
    keys.push(pendingKey(this.keyPrefix, shardOf(id)));
    if (withSchedule) keys.push(expiryKey(this.keyPrefix, shardOf(id)));
    return keys;
  }

  /**
   * Redis Cluster: after a script that may have appended an event, the pending pointer in
   * the shard's slot (./event-source.ts documents the crash gap and its recovery). A failure
   * here is logged, not answered: the change is done and a retry would repeat it.
   */
  private async pointAt(id: string, nowMs: number): Promise<void> {
    if (this.indexesInScript) return;
    try {
      await this.runner.run(EVENT_SCRIPTS.indexAdd, [pendingKey(this.keyPrefix, shardOf(id))], [String(nowMs), memberOf({ subject: "secret", id })]);
    } catch {
      console.error("burnlink: could not index a secret's new event; the expiry sweep will pick it up");
    }
  }

  async create(secret: NewSecret): Promise<CreateResult> {
    assertNewSecret(secret);
    const expiresAtMs = secret.nowMs + secret.ttlSeconds * 1000;
    const metaExpiresAtMs = expiresAtMs + secret.retentionSeconds * 1000;
    const member = memberOf({ subject: "secret", id: secret.id });
    if (!this.indexesInScript) {
      // Before the script: every subject is on the schedule, which also recovers a pending
      // pointer lost after the script (./event-source.ts).
      await this.runner.run(EVENT_SCRIPTS.indexAdd, [expiryKey(this.keyPrefix, shardOf(secret.id))], [String(expiresAtMs), member]);
    }
    const reply = await this.runner.run(SCRIPTS.create, this.keys(secret.id, true), [
      secret.ciphertext,
      secret.accessVerifier,
      secret.unlockVerifier,
      secret.manageVerifier,
      String(secret.nowMs),
      String(expiresAtMs),
      String(metaExpiresAtMs),
      String(secret.maxViews),
      String(secret.attemptsLimit),
      JSON.stringify(secret.allowedIps),
      secret.allowedPrefixes.map((prefix) => `${prefix.network}/${prefix.prefixLength}`).join(","),
      secret.requester.auditIp ?? "",
      String(expiresAtMs + (secret.idTombstoneSeconds ?? 0) * 1000),
      secret.creator === undefined ? "" : JSON.stringify(secret.creator),
      secret.notify ?? "",
      member,
    ]);
    const [kind, parts] = outcome(reply, "create");
    if (kind === "created") {
      await this.pointAt(secret.id, secret.nowMs);
      return { kind: "created", expiresAtMs: whole(parts, 1, "create") };
    }
    if (kind === "id_taken") return { kind: "id_taken" };
    throw unexpected("create");
  }

  async check(request: AccessRequest): Promise<CheckResult> {
    if (!isSecretId(request.id) || !isVerifier(request.accessVerifier)) return this.notFound(request.admission);
    const reply = await this.admitted(request.admission, SCRIPTS.check, this.keys(request.id), [
      request.accessVerifier,
      String(request.nowMs),
      normalizeIpHex(request.requester.ipHex),
      request.requester.auditIp ?? "",
      memberOf({ subject: "secret", id: request.id }),
    ]);
    const [kind, parts] = outcome(reply, "check");
    if (kind === "ip_not_allowed") await this.pointAt(request.id, request.nowMs);
    switch (kind) {
      case "ok": {
        const creator = creatorOf(parts[3], "check");
        const ok = { kind: "ok" as const, expiresAtMs: whole(parts, 1, "check"), viewsLeft: whole(parts, 2, "check") };
        return creator ? { ...ok, creator } : ok;
      }
      case "gone":
        return gone(parts, "check");
      case "not_found":
      case "ip_not_allowed":
        return { kind };
      default:
        throw unexpected("check");
    }
  }

  async reveal(request: RevealRequest): Promise<RevealResult> {
    if (!isSecretId(request.id) || !isVerifier(request.accessVerifier)) return this.notFound(request.admission);
    const claim = claimOf(request);
    const reply = await this.admitted(request.admission, SCRIPTS.reveal, this.keys(request.id), [
      request.accessVerifier,
      request.unlockVerifier,
      String(request.nowMs),
      normalizeIpHex(request.requester.ipHex),
      request.requester.auditIp ?? "",
      claim?.verifier ?? "",
      String(request.nowMs + (claim?.graceMs ?? 0)),
      String(request.nowMs - (claim?.graceMs ?? 0)),
      memberOf({ subject: "secret", id: request.id }),
    ]);
    const [kind, parts] = outcome(reply, "reveal");
    if (kind === "ok" || kind === "wrong_passphrase" || kind === "ip_not_allowed") await this.pointAt(request.id, request.nowMs);
    if (kind === "ok" || kind === "wrong_passphrase") await this.replicated(request.id);
    switch (kind) {
      case "ok":
        return {
          kind: "ok",
          ciphertext: text(parts, 1, "reveal"),
          viewsLeft: whole(parts, 2, "reveal"),
          expiresAtMs: whole(parts, 3, "reveal"),
          ...(parts[4] === "replayed" ? { replayed: true as const } : {}),
        };
      case "wrong_passphrase":
        return { kind: "wrong_passphrase", attemptsLeft: whole(parts, 1, "reveal") };
      case "gone":
        return gone(parts, "reveal");
      case "not_found":
      case "ip_not_allowed":
        return { kind };
      default:
        throw unexpected("reveal");
    }
  }

  /** An id or a proof that cannot exist: not_found without a script, but counted like any request. */
  private notFound(admission: Admission | undefined): Promise<{ kind: "not_found" }> {
    return admitThen(this.rateLimiter, admission, async () => ({ kind: "not_found" as const }), (result) => result.kind);
  }

  async status(request: ManageRequest): Promise<StatusResult> {
    if (!isSecretId(request.id) || !isVerifier(request.manageVerifier)) return this.notFound(request.admission);
    const reply = await this.admitted(request.admission, SCRIPTS.status, this.keys(request.id), [
      request.manageVerifier,
      String(request.nowMs),
    ]);
    const [kind, parts] = outcome(reply, "status");
    if (kind === "not_found") return { kind };
    if (kind !== "ok") throw unexpected("status");
    const state = text(parts, 1, "status");
    if (!STATES.includes(state)) throw unexpected("status");
    const allowedIps: unknown = JSON.parse(text(parts, 7, "status"));
    if (!Array.isArray(allowedIps) || !allowedIps.every((ip) => typeof ip === "string")) throw unexpected("status");
    return {
      kind: "ok",
      status: {
        id: request.id,
        state: state as SecretState,
        createdAtMs: whole(parts, 2, "status"),
        expiresAtMs: whole(parts, 3, "status"),
        maxViews: whole(parts, 4, "status"),
        viewsLeft: whole(parts, 5, "status"),
        failedAttempts: whole(parts, 6, "status"),
        allowedIps,
        events: parseEvents(text(parts, 8, "status")),
        ...withCreator(creatorOf(parts[9], "status")),
      },
    };
  }

  async burn(request: ManageRequest): Promise<BurnResult> {
    if (!isSecretId(request.id) || !isVerifier(request.manageVerifier)) return this.notFound(request.admission);
    const reply = await this.admitted(request.admission, SCRIPTS.burn, this.keys(request.id), [
      request.manageVerifier,
      String(request.nowMs),
      request.requester.auditIp ?? "",
      memberOf({ subject: "secret", id: request.id }),
    ]);
    const [kind] = outcome(reply, "burn");
    if (kind === "burned") await this.pointAt(request.id, request.nowMs);
    if (kind === "burned") await this.replicated(request.id);
    if (kind === "burned" || kind === "already_gone" || kind === "not_found") return { kind };
    throw unexpected("burn");
  }

  /** Owner ARGV of ./owner-scripts.ts: kind, nowMs, auditIp, kid or issuer, "" or subject. */
  private ownerArgs(owner: Owner, nowMs: number, requester?: Requester): string[] {
    const [kind, first, second] = ownerFields(owner);
    return [kind, String(nowMs), requester?.auditIp ?? "", first, second];
  }

  async indexOwned(owner: Owner, id: string, untilMs: number, nowMs: number): Promise<void> {
    assertOwner(owner);
    if (!isSecretId(id)) throw new TypeError("An indexed secret needs a secret id");
    const reply = await this.runner.run(OWNER_SCRIPTS.add, [ownerIndexKey(this.keyPrefix, owner)], [id, String(untilMs), String(nowMs)]);
    if (outcome(reply, "owned-add")[0] !== "ok") throw unexpected("owned-add");
  }

  /** The ids in the owner's index (their scores not yet passed); on a cluster, the index's node. */
  private async ownedIds(owner: Owner, nowMs: number): Promise<string[]> {
    const [kind, parts] = outcome(await this.runner.run(OWNER_SCRIPTS.ids, [ownerIndexKey(this.keyPrefix, owner)], [String(nowMs)]), "owned-ids");
    if (kind !== "ok") throw unexpected("owned-ids");
    return parts.slice(1).map((_, index) => text(parts, index + 1, "owned-ids")).filter(isSecretId);
  }

  /** Lazy pruning: drops ids the secret scripts found gone. A separate call (another slot on a cluster). */
  private async forgetOwned(owner: Owner, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.runner.run(OWNER_SCRIPTS.forget, [ownerIndexKey(this.keyPrefix, owner)], ids);
  }

  async listOwned(owner: Owner, nowMs: number): Promise<OwnedSecret[]> {
    assertOwner(owner);
    const ids = await this.ownedIds(owner, nowMs);
    const args = this.ownerArgs(owner, nowMs);
    const replies = await inBatches(ids, (id) => this.runner.run(OWNER_SCRIPTS.summary, this.keys(id), args));
    const listed: OwnedSecret[] = [];
    const gone: string[] = [];
    replies.forEach((reply, index) => {
      const id = ids[index] as string;
      const [kind, parts] = outcome(reply, "owned-summary");
      if (kind === "not_found") return void gone.push(id);
      if (kind !== "ok") throw unexpected("owned-summary");
      const state = text(parts, 1, "owned-summary");
      if (!STATES.includes(state)) throw unexpected("owned-summary");
      listed.push({
        id,
        state: state as SecretState,
        createdAtMs: whole(parts, 2, "owned-summary"),
        expiresAtMs: whole(parts, 3, "owned-summary"),
        maxViews: whole(parts, 4, "owned-summary"),
        viewsLeft: whole(parts, 5, "owned-summary"),
      });
    });
    await this.forgetOwned(owner, gone);
    return listed.sort((a, b) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id));
  }

  async burnOwned(request: OwnedBurnRequest): Promise<BurnResult> {
    assertOwner(request.owner);
    if (!isSecretId(request.id)) return { kind: "not_found" };
    const reply = await this.runner.run(OWNER_SCRIPTS.burn, this.keys(request.id), [
      ...this.ownerArgs(request.owner, request.nowMs, request.requester),
      memberOf({ subject: "secret", id: request.id }),
    ]);
    const [kind] = outcome(reply, "owned-burn");
    if (kind === "burned") await this.pointAt(request.id, request.nowMs);
    if (kind === "burned") await this.replicated(request.id);
    if (kind === "burned" || kind === "already_gone" || kind === "not_found") return { kind };
    throw unexpected("owned-burn");
  }

  async burnAllOwned(owner: Owner, nowMs: number, requester: Requester): Promise<number> {
    assertOwner(owner);
    const ids = await this.ownedIds(owner, nowMs);
    // One script per secret, each in its own slot; a failure leaves the rest for a retry.
    const results = await inBatches(ids, (id) => this.burnOwned({ owner, id, nowMs, requester }));
    await this.forgetOwned(owner, ids.filter((_, index) => results[index]?.kind === "not_found"));
    return results.filter((result) => result.kind === "burned").length;
  }

  ping(): Promise<void> {
    return this.runner.ping();
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}

/**
 * What a Redis restart can undo, in words (issue 11 §3): snapshots or an fsync that is not
 * `always` can bring back a viewed or burned secret; no persistence loses secrets, which is
 * safe. Waiting for replicas is said separately.
 */
export function describePersistence(settings: Record<string, string>, durability: Durability): string {
  const snapshots = (settings.save ?? "").trim() !== "";
  const aof = settings.appendonly === "yes";
  const fsyncAlways = settings.appendfsync === "always";
  const replicas =
    durability.waitReplicas > 0
      ? ` Every change waits for ${durability.waitReplicas} replica(s) (REDIS_WAIT_REPLICAS).`
      : " No replica is waited for (REDIS_WAIT_REPLICAS=0): a failover to a lagging replica can undo a reveal or a burn.";
  if (aof && fsyncAlways) return `burnlink: Redis durability: append-only file with appendfsync always: a restart keeps every answered change.${replicas}`;
  if (snapshots || aof) {
    const why = [snapshots ? `snapshots (save "${settings.save}")` : "", aof ? `appendfsync ${settings.appendfsync ?? "?"}` : ""]
      .filter((part) => part !== "")
      .join(" and ");
    return `burnlink: Redis durability: ${why}: a Redis restart can bring back viewed and burned secrets. Use no persistence (save "", appendonly no) or appendonly yes with appendfsync always.${replicas}`;
  }
  return `burnlink: Redis durability: no persistence: a restart loses stored secrets, which is safe.${replicas}`;
}
