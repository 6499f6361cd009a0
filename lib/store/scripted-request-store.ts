/**
 * The RequestStore behind the Redis, Redis Cluster and Upstash drivers: each operation is
 * one Lua script of ./request-scripts.ts, run through the driver's ScriptRunner (the same
 * connection, EVALSHA/EVAL fallback and deadline as the secret store, ./scripted-store.ts).
 *
 * Guarantees: exactly one script invocation per operation, hence one atomic step on the
 * server; ids and verifiers of the wrong shape never reach a script (not_found); a reply of
 * an unexpected shape is never guessed at but reported as StoreUnavailableError.
 */
import "server-only";
import { outcome, text, unexpected, whole } from "./script-replies";
import { assertKeyPrefix, isSecretId, isVerifier } from "./keys";
import { assertNewRequest, assertResponseShape, requestKeys } from "./request-keys";
import { REQUEST_SCRIPTS } from "./request-scripts";
import { EVENT_SCRIPTS } from "./event-scripts";
import { expiryKey, memberOf, pendingKey, requestOutboxKey, shardOf } from "./event-keys";
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
  RequestGoneReason,
  RequestState,
  RequestStatusResult,
  RequestStore,
  RespondResult,
  RevokeResult,
  StoredResponse,
  WriteAccess,
} from "./request-types";
import { creatorOf, type ScriptRunner } from "./scripted-store";
import type { StoreKind } from "./types";

const STATES: readonly string[] = [
  "open",
  "answered",
  "expired",
  "revoked",
] satisfies RequestState[];
const GONE_REASONS: readonly string[] = [
  "expired",
  "revoked",
  "answered",
] satisfies RequestGoneReason[];
const EVENT_TYPES: readonly string[] = ["created", "responded", "collected", "revoked"];

function gone(reply: unknown[], what: string): RequestGone {
  const reason = text(reply, 1, what);
  if (!GONE_REASONS.includes(reason)) throw unexpected(what);
  return { kind: "gone", reason: reason as RequestGoneReason, atMs: whole(reply, 2, what) };
}

function state(reply: unknown[], index: number, what: string): RequestState {
  const value = text(reply, index, what);
  if (!STATES.includes(value)) throw unexpected(what);
  return value as RequestState;
}

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw unexpected(what);
  }
}

function parseResponses(json: string): StoredResponse[] {
  const parsed = parseJson(json, "collect");
  // cjson writes an empty Lua table as {}; the script sends "[]" itself, but be strict.
  if (!Array.isArray(parsed)) throw unexpected("collect");
  return parsed.map((item: unknown) => {
    const entry = item as Partial<StoredResponse>;
    if (
      typeof entry.n !== "number" ||
      typeof entry.atMs !== "number" ||
      typeof entry.epk !== "string" ||
      typeof entry.ciphertext !== "string"
    ) {
      throw unexpected("collect");
    }
    return { n: entry.n, epk: entry.epk, ciphertext: entry.ciphertext, atMs: entry.atMs };
  });
}

function parseEvents(json: string): RequestEvent[] {
  const parsed = parseJson(json, "request status");
  if (!Array.isArray(parsed)) throw unexpected("request status");
  return parsed.map((item: unknown) => {
    const event = item as { type?: unknown; atMs?: unknown; ip?: unknown; n?: unknown };
    if (
      typeof event.type !== "string" ||
      !EVENT_TYPES.includes(event.type) ||
      typeof event.atMs !== "number"
    ) {
      throw unexpected("request status");
    }
    const result: RequestEvent = { type: event.type as RequestEvent["type"], atMs: event.atMs };
    if (typeof event.ip === "string") result.ip = event.ip;
    if (typeof event.n === "number") result.n = event.n;
    else if (Array.isArray(event.n) && event.n.every((n) => typeof n === "number"))
      result.n = event.n as number[];
    return result;
  });
}

export class ScriptedRequestStore implements RequestStore {
  constructor(
    readonly kind: StoreKind,
    private readonly runner: ScriptRunner,
    private readonly keyPrefix: string,
  ) {
    assertKeyPrefix(keyPrefix);
  }

  /** Redis Cluster keeps the shard indexes in other slots: the driver writes them there. */
  private get indexesInScript(): boolean {
    return this.kind !== "redis-cluster";
  }

  /** The request's four keys (./request-scripts.ts), then the shard indexes where allowed. */
  private keys(id: string, withSchedule = false): string[] {
    const keys: string[] = [...requestKeys(this.keyPrefix, id), requestOutboxKey(this.keyPrefix, id)];
    if (!this.indexesInScript) return keys;
    keys.push(pendingKey(this.keyPrefix, shardOf(id)));
    if (withSchedule) keys.push(expiryKey(this.keyPrefix, shardOf(id)));
    return keys;
  }

  private member(id: string): string {
    return memberOf({ subject: "request", id });
  }

  /** Redis Cluster: the pending pointer after the script (see ./event-source.ts); logged, never answered. */
  private async pointAt(id: string, nowMs: number): Promise<void> {
    if (this.indexesInScript) return;
    try {
      await this.runner.run(EVENT_SCRIPTS.indexAdd, [pendingKey(this.keyPrefix, shardOf(id))], [String(nowMs), this.member(id)]);
    } catch {
      console.error("burnlink: could not index a request's new event; the expiry sweep will pick it up");
    }
  }

  async create(request: NewRequest): Promise<CreateRequestResult> {
    assertNewRequest(request);
    const expiresAtMs = request.nowMs + request.ttlSeconds * 1000;
    const responsesExpireAtMs = expiresAtMs + request.collectWindowSeconds * 1000;
    const metaExpiresAtMs =
      expiresAtMs + Math.max(request.retentionSeconds, request.collectWindowSeconds) * 1000;
    if (!this.indexesInScript) {
      await this.runner.run(EVENT_SCRIPTS.indexAdd, [expiryKey(this.keyPrefix, shardOf(request.id))], [String(expiresAtMs), this.member(request.id)]);
    }
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.create,
      this.keys(request.id, true),
      [
        request.writeVerifier,
        request.collectVerifier,
        request.label ?? "",
        String(request.nowMs),
        String(expiresAtMs),
        String(responsesExpireAtMs),
        String(metaExpiresAtMs),
        String(request.maxResponses),
        request.requester.auditIp ?? "",
        request.creator === undefined ? "" : JSON.stringify(request.creator),
        this.member(request.id),
      ],
    );
    const [kind, parts] = outcome(reply, "request create");
    if (kind === "created") {
      await this.pointAt(request.id, request.nowMs);
      return { kind: "created", expiresAtMs: whole(parts, 1, "request create") };
    }
    if (kind === "id_taken") return { kind: "id_taken" };
    throw unexpected("request create");
  }

  async check(request: WriteAccess): Promise<CheckRequestResult> {
    if (!isSecretId(request.id) || !isVerifier(request.writeVerifier)) return { kind: "not_found" };
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.check,
      this.keys(request.id),
      [request.writeVerifier, String(request.nowMs)],
    );
    const [kind, parts] = outcome(reply, "request check");
    if (kind === "not_found") return { kind };
    if (kind === "gone") return gone(parts, "request check");
    if (kind !== "ok") throw unexpected("request check");
    const label = text(parts, 3, "request check");
    const creator = creatorOf(parts[4], "request check");
    return {
      kind: "ok",
      expiresAtMs: whole(parts, 1, "request check"),
      responsesLeft: whole(parts, 2, "request check"),
      ...(label === "" ? {} : { label }),
      ...(creator ? { creator } : {}),
    };
  }

  async respond(response: NewResponse): Promise<RespondResult> {
    if (!isSecretId(response.id) || !isVerifier(response.writeVerifier))
      return { kind: "not_found" };
    assertResponseShape(response);
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.respond,
      this.keys(response.id),
      [
        response.writeVerifier,
        response.epk,
        response.ciphertext,
        String(response.nowMs),
        response.requester.auditIp ?? "",
        this.member(response.id),
      ],
    );
    const [kind, parts] = outcome(reply, "respond");
    if (kind === "ok") await this.pointAt(response.id, response.nowMs);
    if (kind === "not_found") return { kind };
    if (kind === "gone") return gone(parts, "respond");
    if (kind !== "ok") throw unexpected("respond");
    return { kind: "ok", n: whole(parts, 1, "respond"), responsesLeft: whole(parts, 2, "respond") };
  }

  async collect(request: CollectRequest): Promise<CollectResult> {
    if (!isSecretId(request.id) || !isVerifier(request.collectVerifier))
      return { kind: "not_found" };
    const claim =
      request.graceSeconds > 0 && isVerifier(request.claimVerifier) ? request.claimVerifier : "";
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.collect,
      this.keys(request.id),
      [
        request.collectVerifier,
        claim,
        claim === "" ? "0" : String(request.graceSeconds * 1000),
        String(request.nowMs),
        request.requester.auditIp ?? "",
        this.member(request.id),
      ],
    );
    const [kind, parts] = outcome(reply, "collect");
    if (kind === "ok") await this.pointAt(request.id, request.nowMs);
    if (kind === "not_found") return { kind };
    if (kind !== "ok") throw unexpected("collect");
    return {
      kind: "ok",
      state: state(parts, 1, "collect"),
      responses: parseResponses(text(parts, 2, "collect")),
    };
  }

  async status(request: CollectAccess): Promise<RequestStatusResult> {
    if (!isSecretId(request.id) || !isVerifier(request.collectVerifier))
      return { kind: "not_found" };
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.status,
      this.keys(request.id),
      [request.collectVerifier, String(request.nowMs)],
    );
    const [kind, parts] = outcome(reply, "request status");
    if (kind === "not_found") return { kind };
    if (kind !== "ok") throw unexpected("request status");
    const creator = creatorOf(parts[8], "request status");
    return {
      kind: "ok",
      status: {
        id: request.id,
        state: state(parts, 1, "request status"),
        createdAtMs: whole(parts, 2, "request status"),
        expiresAtMs: whole(parts, 3, "request status"),
        maxResponses: whole(parts, 4, "request status"),
        responsesLeft: whole(parts, 5, "request status"),
        pending: whole(parts, 6, "request status"),
        events: parseEvents(text(parts, 7, "request status")),
        ...(creator ? { creator } : {}),
      },
    };
  }

  async revoke(request: CollectAccess): Promise<RevokeResult> {
    if (!isSecretId(request.id) || !isVerifier(request.collectVerifier))
      return { kind: "not_found" };
    const reply = await this.runner.run(
      REQUEST_SCRIPTS.revoke,
      this.keys(request.id),
      [request.collectVerifier, String(request.nowMs), request.requester.auditIp ?? "", this.member(request.id)],
    );
    const [kind] = outcome(reply, "revoke");
    if (kind === "revoked") await this.pointAt(request.id, request.nowMs);
    if (kind === "revoked" || kind === "already_revoked" || kind === "not_found") return { kind };
    throw unexpected("revoke");
  }
}
