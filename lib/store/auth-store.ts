/**
 * The credential stores of PROTOCOL.md §8: API tokens (TokenStore) and sign-in
 * sessions (SessionStore), on the same backend as the secrets.
 *
 * Guarantees, proven on every driver by tests/store/auth-contract.ts:
 * - a token record holds only SHA-256(token), never the token; its key expires with the
 *   token, and a record past its expiry is never returned even before Redis drops it;
 * - last-used is written at most once a minute (TOUCH_INTERVAL_MS), so a busy token does
 *   not turn every create into a write;
 * - every operation is ONE Lua script (memory: one synchronous block). Token records and
 *   their index share the hash tag `{auth}`, so put/list/revoke update both atomically on
 *   a cluster too (`<prefix>:{auth}:token:<kid>`, `<prefix>:{auth}:tokens`); a list prunes
 *   index entries whose record has expired;
 * - a session is keyed by a hash of its id (`<prefix>:session:{<hash>}`), never the id or
 *   the cookie, and expires with the session; deleting it ends the session at once.
 */
import "server-only";
import { ScriptedStore, type ScriptRunner } from "./scripted-store";
import { scriptOf } from "./scripts";
import { StoreUnavailableError, type AuthStore, type SecretStore, type StoredSession, type StoredToken } from "./types";

/** last-used is recorded at most this often per token. */
export const TOUCH_INTERVAL_MS = 60_000;

const KID = /^[A-Za-z0-9]{8}$/;
const HASH_HEX = /^[0-9a-f]{64}$/;
const SESSION_HASH = /^[0-9a-f]{32,64}$/;

function assertKid(kid: string): void {
  if (!KID.test(kid)) throw new TypeError("A token id must be 8 of A-Z a-z 0-9");
}

function assertToken(token: StoredToken): void {
  assertKid(token.kid);
  if (!HASH_HEX.test(token.hashHex)) throw new TypeError("A stored token hash must be 64 lowercase hex digits");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(token.name)) throw new TypeError("A token name must be 1 to 64 of A-Z a-z 0-9 . _ -");
  if (!token.scopes.every((scope) => /^[a-z:]{1,32}$/.test(scope))) throw new TypeError("Invalid token scope");
}

function assertSessionHash(hash: string): void {
  if (!SESSION_HASH.test(hash)) throw new TypeError("A session key must be 32 to 64 lowercase hex digits");
}

const live = (token: { expiresAtMs: number | null }, nowMs: number) => token.expiresAtMs === null || nowMs < token.expiresAtMs;

/** The memory driver: same semantics, one process. */
export class MemoryAuthStore implements AuthStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly sessions = new Map<string, StoredSession>();

  async putToken(token: StoredToken, nowMs: number): Promise<"created" | "kid_taken"> {
    assertToken(token);
    const existing = this.tokens.get(token.kid);
    if (existing && live(existing, nowMs)) return "kid_taken";
    this.tokens.set(token.kid, { ...token, scopes: [...token.scopes] });
    return "created";
  }

  async getToken(kid: string, nowMs: number): Promise<StoredToken | null> {
    if (!KID.test(kid)) return null;
    const token = this.tokens.get(kid);
    if (!token) return null;
    if (!live(token, nowMs)) {
      this.tokens.delete(kid);
      return null;
    }
    return { ...token, scopes: [...token.scopes] };
  }

  async touchToken(kid: string, nowMs: number): Promise<void> {
    const token = KID.test(kid) ? this.tokens.get(kid) : undefined;
    if (!token || !live(token, nowMs)) return;
    if (token.lastUsedAtMs === null || nowMs - token.lastUsedAtMs >= TOUCH_INTERVAL_MS) token.lastUsedAtMs = nowMs;
  }

  async listTokens(nowMs: number): Promise<StoredToken[]> {
    const result: StoredToken[] = [];
    for (const [kid, token] of this.tokens) {
      if (live(token, nowMs)) result.push({ ...token, scopes: [...token.scopes] });
      else this.tokens.delete(kid);
    }
    return result.sort((a, b) => a.createdAtMs - b.createdAtMs || a.kid.localeCompare(b.kid));
  }

  async revokeToken(kid: string, nowMs: number): Promise<"revoked" | "not_found"> {
    const token = KID.test(kid) ? this.tokens.get(kid) : undefined;
    this.tokens.delete(kid);
    return token && live(token, nowMs) ? "revoked" : "not_found";
  }

  async putSession(sessionIdHash: string, session: StoredSession): Promise<void> {
    assertSessionHash(sessionIdHash);
    // Ended sessions go when new ones come, so the map holds only live ones (plus a few).
    for (const [hash, old] of this.sessions) if (old.expiresAtMs <= session.createdAtMs) this.sessions.delete(hash);
    this.sessions.set(sessionIdHash, { ...session });
  }

  async getSession(sessionIdHash: string, nowMs: number): Promise<StoredSession | null> {
    if (!SESSION_HASH.test(sessionIdHash)) return null;
    const session = this.sessions.get(sessionIdHash);
    if (!session || nowMs >= session.expiresAtMs) return null;
    return { ...session };
  }

  async deleteSession(sessionIdHash: string): Promise<"deleted" | "not_found"> {
    return this.sessions.delete(sessionIdHash) ? "deleted" : "not_found";
  }
}

/**
 * KEYS[1] = token record, KEYS[2] = index. ARGV: kid, hashHex, name, scopes joined by "+",
 * createdAt, expiresAt ("" = never), nowMs. A live record with this kid is never replaced.
 */
const TOKEN_PUT = scriptOf(
  "token-put",
  `
local expires = redis.call("HGET", KEYS[1], "expiresAt")
if expires and (expires == "" or tonumber(ARGV[7]) < tonumber(expires)) then return { "kid_taken" } end
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "kid", ARGV[1], "hash", ARGV[2], "name", ARGV[3], "scopes", ARGV[4],
  "createdAt", ARGV[5], "expiresAt", ARGV[6], "lastUsedAt", "")
if ARGV[6] ~= "" then redis.call("PEXPIREAT", KEYS[1], ARGV[6]) end
redis.call("SADD", KEYS[2], ARGV[1])
return { "created" }
`,
);

/** Shared by get and list: a live record as a flat reply, or nil. */
const TOKEN_READ = `
local function read_token(key, now_ms)
  local flat = redis.call("HGETALL", key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  if t.expiresAt ~= "" and tonumber(now_ms) >= tonumber(t.expiresAt) then return nil end
  return { t.kid, t.hash, t.name, t.scopes, t.createdAt, t.expiresAt, t.lastUsedAt }
end
`;

/** KEYS[1] = token record. ARGV: nowMs. */
const TOKEN_GET = scriptOf(
  "token-get",
  `${TOKEN_READ}
local token = read_token(KEYS[1], ARGV[1])
if token == nil then return { "none" } end
return { "ok", unpack(token) }
`,
);

/** KEYS[1] = token record. ARGV: nowMs, interval ms. At most one write per interval. */
const TOKEN_TOUCH = scriptOf(
  "token-touch",
  `
local fields = redis.call("HMGET", KEYS[1], "expiresAt", "lastUsedAt")
if not fields[1] then return { "none" } end
local now = tonumber(ARGV[1])
if fields[1] ~= "" and now >= tonumber(fields[1]) then return { "none" } end
if fields[2] == "" or now - tonumber(fields[2]) >= tonumber(ARGV[2]) then
  redis.call("HSET", KEYS[1], "lastUsedAt", ARGV[1])
  return { "touched" }
end
return { "recent" }
`,
);

/**
 * KEYS[1] = index. ARGV: the record key prefix (`<prefix>:{auth}:token:`), nowMs. The
 * records share the index's hash tag, so the script reads them on the index's node;
 * entries whose record is gone (expired) are pruned from the index here.
 */
const TOKEN_LIST = scriptOf(
  "token-list",
  `${TOKEN_READ}
local reply = { "ok" }
for _, kid in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  local token = read_token(ARGV[1] .. kid, ARGV[2])
  if token == nil then
    redis.call("SREM", KEYS[1], kid)
  else
    for _, value in ipairs(token) do reply[#reply + 1] = value end
  end
end
return reply
`,
);

/** KEYS[1] = token record, KEYS[2] = index. ARGV: kid, nowMs. */
const TOKEN_REVOKE = scriptOf(
  "token-revoke",
  `
local expires = redis.call("HGET", KEYS[1], "expiresAt")
redis.call("DEL", KEYS[1])
redis.call("SREM", KEYS[2], ARGV[1])
if expires and (expires == "" or tonumber(ARGV[2]) < tonumber(expires)) then return { "revoked" } end
return { "not_found" }
`,
);

/** KEYS[1] = session. ARGV: session JSON, expiresAt. */
const SESSION_PUT = scriptOf(
  "session-put",
  `
redis.call("SET", KEYS[1], ARGV[1], "PXAT", ARGV[2])
return { "ok" }
`,
);

/** KEYS[1] = session. */
const SESSION_GET = scriptOf(
  "session-get",
  `
local value = redis.call("GET", KEYS[1])
if not value then return { "none" } end
return { "ok", value }
`,
);

/** KEYS[1] = session. */
const SESSION_DELETE = scriptOf(
  "session-delete",
  `
if redis.call("DEL", KEYS[1]) == 1 then return { "deleted" } end
return { "not_found" }
`,
);

export const AUTH_SCRIPTS = {
  tokenPut: TOKEN_PUT,
  tokenGet: TOKEN_GET,
  tokenTouch: TOKEN_TOUCH,
  tokenList: TOKEN_LIST,
  tokenRevoke: TOKEN_REVOKE,
  sessionPut: SESSION_PUT,
  sessionGet: SESSION_GET,
  sessionDelete: SESSION_DELETE,
} as const;

function unexpected(what: string): StoreUnavailableError {
  return new StoreUnavailableError(`The secret store gave an unexpected answer to ${what}`);
}

function outcomeOf(reply: unknown, what: string): [string, unknown[]] {
  if (!Array.isArray(reply) || typeof reply[0] !== "string") throw unexpected(what);
  return [reply[0], reply];
}

function field(parts: unknown[], index: number, what: string): string {
  const value = parts[index];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw unexpected(what);
}

function optionalTime(value: string, what: string): number | null {
  if (value === "") return null;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw unexpected(what);
  return parsed;
}

/** Seven fields from `offset`: kid, hash, name, scopes, createdAt, expiresAt, lastUsedAt. */
function tokenFrom(parts: unknown[], offset: number, what: string): StoredToken {
  const scopes = field(parts, offset + 3, what);
  const createdAtMs = optionalTime(field(parts, offset + 4, what), what);
  if (createdAtMs === null) throw unexpected(what);
  return {
    kid: field(parts, offset, what),
    hashHex: field(parts, offset + 1, what),
    name: field(parts, offset + 2, what),
    scopes: scopes === "" ? [] : scopes.split("+"),
    createdAtMs,
    expiresAtMs: optionalTime(field(parts, offset + 5, what), what),
    lastUsedAtMs: optionalTime(field(parts, offset + 6, what), what),
  };
}

function sessionFrom(json: string): StoredSession {
  const value = JSON.parse(json) as Partial<StoredSession>;
  if (
    typeof value.issuer !== "string" ||
    typeof value.subject !== "string" ||
    typeof value.email !== "string" ||
    typeof value.createdAtMs !== "number" ||
    typeof value.expiresAtMs !== "number"
  ) {
    throw unexpected("session-get");
  }
  return {
    issuer: value.issuer,
    subject: value.subject,
    email: value.email,
    createdAtMs: value.createdAtMs,
    expiresAtMs: value.expiresAtMs,
  };
}

/** The Redis, Redis Cluster and Upstash driver: the secret store's connection, these scripts. */
export class ScriptedAuthStore implements AuthStore {
  constructor(
    private readonly runner: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  private tokenKey(kid: string): string {
    return `${this.keyPrefix}:{auth}:token:${kid}`;
  }

  private indexKey(): string {
    return `${this.keyPrefix}:{auth}:tokens`;
  }

  private sessionKey(hash: string): string {
    return `${this.keyPrefix}:session:{${hash}}`;
  }

  async putToken(token: StoredToken, nowMs: number): Promise<"created" | "kid_taken"> {
    assertToken(token);
    const reply = await this.runner.run(TOKEN_PUT, [this.tokenKey(token.kid), this.indexKey()], [
      token.kid,
      token.hashHex,
      token.name,
      token.scopes.join("+"),
      String(token.createdAtMs),
      token.expiresAtMs === null ? "" : String(token.expiresAtMs),
      String(nowMs),
    ]);
    const [kind] = outcomeOf(reply, "token-put");
    if (kind === "created" || kind === "kid_taken") return kind;
    throw unexpected("token-put");
  }

  async getToken(kid: string, nowMs: number): Promise<StoredToken | null> {
    if (!KID.test(kid)) return null;
    const [kind, parts] = outcomeOf(await this.runner.run(TOKEN_GET, [this.tokenKey(kid)], [String(nowMs)]), "token-get");
    if (kind === "none") return null;
    if (kind !== "ok") throw unexpected("token-get");
    return tokenFrom(parts, 1, "token-get");
  }

  async touchToken(kid: string, nowMs: number): Promise<void> {
    if (!KID.test(kid)) return;
    await this.runner.run(TOKEN_TOUCH, [this.tokenKey(kid)], [String(nowMs), String(TOUCH_INTERVAL_MS)]);
  }

  async listTokens(nowMs: number): Promise<StoredToken[]> {
    const reply = await this.runner.run(TOKEN_LIST, [this.indexKey()], [this.tokenKey(""), String(nowMs)]);
    const [kind, parts] = outcomeOf(reply, "token-list");
    if (kind !== "ok" || (parts.length - 1) % 7 !== 0) throw unexpected("token-list");
    const tokens: StoredToken[] = [];
    for (let offset = 1; offset < parts.length; offset += 7) tokens.push(tokenFrom(parts, offset, "token-list"));
    return tokens.sort((a, b) => a.createdAtMs - b.createdAtMs || a.kid.localeCompare(b.kid));
  }

  async revokeToken(kid: string, nowMs: number): Promise<"revoked" | "not_found"> {
    if (!KID.test(kid)) return "not_found";
    const reply = await this.runner.run(TOKEN_REVOKE, [this.tokenKey(kid), this.indexKey()], [kid, String(nowMs)]);
    const [kind] = outcomeOf(reply, "token-revoke");
    if (kind === "revoked" || kind === "not_found") return kind;
    throw unexpected("token-revoke");
  }

  async putSession(sessionIdHash: string, session: StoredSession): Promise<void> {
    assertSessionHash(sessionIdHash);
    await this.runner.run(SESSION_PUT, [this.sessionKey(sessionIdHash)], [JSON.stringify(session), String(session.expiresAtMs)]);
  }

  async getSession(sessionIdHash: string, nowMs: number): Promise<StoredSession | null> {
    if (!SESSION_HASH.test(sessionIdHash)) return null;
    const [kind, parts] = outcomeOf(await this.runner.run(SESSION_GET, [this.sessionKey(sessionIdHash)], []), "session-get");
    if (kind === "none") return null;
    if (kind !== "ok") throw unexpected("session-get");
    const session = sessionFrom(field(parts, 1, "session-get"));
    return nowMs < session.expiresAtMs ? session : null;
  }

  async deleteSession(sessionIdHash: string): Promise<"deleted" | "not_found"> {
    if (!SESSION_HASH.test(sessionIdHash)) return "not_found";
    const [kind] = outcomeOf(await this.runner.run(SESSION_DELETE, [this.sessionKey(sessionIdHash)], []), "session-delete");
    if (kind === "deleted" || kind === "not_found") return kind;
    throw unexpected("session-delete");
  }
}

/** The credential store that matches a secret store: the same Redis (same connection) or in process. */
export function authStoreFor(store: SecretStore): AuthStore {
  if (store instanceof ScriptedStore) return new ScriptedAuthStore(store.runner, store.keyPrefix);
  return new MemoryAuthStore();
}
