/**
 * The Lua scripts of the event pipeline (PROTOCOL.md §9, issue 14 §1) for Redis, Redis
 * Cluster and Upstash: taking and acknowledging a subject's outbox, recording an expiry once,
 * and the small index and lease commands. Each script touches keys of ONE hash tag (the
 * subject's `{id}`, or one shard's `{events:N}`), except that the expiry scripts also write
 * the shard's pending index where the driver passes it (not on Redis Cluster).
 *
 * Guarantees:
 * - TAKE returns the outbox's oldest entries with the creator and notify target of the
 *   metadata, and seals them (`outboxSealed`): no later attempt is coalesced into an entry
 *   that may already have been delivered.
 * - ACK removes only entries with seq ≤ the acknowledged one, so events appended while a
 *   batch was out stay for the next round (at least once, never lost).
 * - EXPIRE_SECRET / EXPIRE_REQUEST record `secret.expired` (expired with views left) or
 *   `request.expired` (open at expiresAt) at most once per subject: the mark
 *   `expiredRecorded` is set in the same step, so racing sweeps and restarts record it once.
 */
import "server-only";
import { OUTBOX_LUA } from "./outbox-lua";
import { scriptOf } from "./scripts";

/** KEYS: meta, outbox. ARGV: most entries. Reply: { "ok", creator, notify, entry… } or { "empty" }. */
const TAKE = `
local raw = redis.call("LRANGE", KEYS[2], 0, tonumber(ARGV[1]) - 1)
if #raw == 0 then return { "empty" } end
local creator, notify = "", ""
if redis.call("EXISTS", KEYS[1]) == 1 then
  local last = cjson.decode(raw[#raw])
  local sealed = tonumber(redis.call("HGET", KEYS[1], "outboxSealed") or "0")
  if last.seq > sealed then redis.call("HSET", KEYS[1], "outboxSealed", tostring(last.seq)) end
  creator = redis.call("HGET", KEYS[1], "creator") or ""
  notify = redis.call("HGET", KEYS[1], "notify") or ""
end
local reply = { "ok", creator, notify }
for _, entry in ipairs(raw) do reply[#reply + 1] = entry end
return reply
`;

/** KEYS: outbox. ARGV: highest delivered seq. Reply: { "ok", entries left }. */
const ACK = `
while true do
  local first = redis.call("LINDEX", KEYS[1], 0)
  if not first or cjson.decode(first).seq > tonumber(ARGV[1]) then break end
  redis.call("LPOP", KEYS[1])
end
return { "ok", tostring(redis.call("LLEN", KEYS[1])) }
`;

/**
 * KEYS: meta, ciphertext, outbox, [pending]. ARGV: nowMs, index member.
 * Reply: { "recorded" | "done" | "early", outbox length }. "done": nothing to record (gone,
 * ended otherwise, or already recorded); "early": expiresAt is still ahead (another
 * instance's clock ran ahead), so the schedule keeps it.
 */
const EXPIRE_SECRET = `${OUTBOX_LUA}
local function finish(outcome)
  local left = redis.call("LLEN", KEYS[3])
  -- Recovery of a pending pointer a crash lost on Redis Cluster (./event-source.ts).
  if left > 0 and KEYS[4] then redis.call("ZADD", KEYS[4], "NX", ARGV[1], ARGV[2]) end
  return { outcome, tostring(left) }
end
local flat = redis.call("HMGET", KEYS[1], "state", "expiresAt", "expiredRecorded")
local state, expires_at, recorded = flat[1], flat[2], flat[3]
if not state then return finish("done") end
if recorded == "1" or state ~= "active" then return finish("done") end
if tonumber(ARGV[1]) < tonumber(expires_at) then return { "early", "0" } end
redis.call("HSET", KEYS[1], "expiredRecorded", "1")
-- At expiresAt, the moment it happened; no ip: nobody asked for it.
outbox_append(KEYS[3], KEYS[1], KEYS[4], ARGV[2], "secret.expired", expires_at, "", nil)
return finish("recorded")
`;

/** KEYS: request, outbox, [pending]. ARGV: nowMs, index member. Reply as EXPIRE_SECRET's. */
const EXPIRE_REQUEST = `${OUTBOX_LUA}
local function finish(outcome)
  local left = redis.call("LLEN", KEYS[2])
  if left > 0 and KEYS[3] then redis.call("ZADD", KEYS[3], "NX", ARGV[1], ARGV[2]) end
  return { outcome, tostring(left) }
end
local flat = redis.call("HMGET", KEYS[1], "expiresAt", "received", "maxResponses", "revokedAt", "expiredRecorded")
local expires_at, received, max, revoked, recorded = flat[1], flat[2], flat[3], flat[4], flat[5]
if not expires_at then return finish("done") end
-- PROTOCOL.md §7: revoked and answered win over expired.
if recorded == "1" or (revoked and revoked ~= "") or tonumber(received) >= tonumber(max) then return finish("done") end
if tonumber(ARGV[1]) < tonumber(expires_at) then return { "early", "0" } end
redis.call("HSET", KEYS[1], "expiredRecorded", "1")
outbox_append(KEYS[2], KEYS[1], KEYS[3], ARGV[2], "request.expired", expires_at, "", nil)
return finish("recorded")
`;

/** KEYS: lease. ARGV: token, ms. Reply: { "ok" } when taken, { "busy" } when another holds it. */
const LEASE = `
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return { "ok" } end
return { "busy" }
`;

/** KEYS: lease. ARGV: token. Deletes the lease only while it is still ours. */
const RELEASE = `
if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("DEL", KEYS[1]) end
return { "ok" }
`;

/** KEYS: index. ARGV: max score ("+inf" for all), most members. Reply: { "ok", member… }. */
const INDEX_RANGE = `
local members = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[2]))
local reply = { "ok" }
for _, member in ipairs(members) do reply[#reply + 1] = member end
return reply
`;

/**
 * KEYS: every shard's pending index (Redis and Upstash only: they are in different slots).
 * Reply: { "ok", i… }, the 1-based positions of the non-empty ones.
 */
const INDEX_BUSY = `
local reply = { "ok" }
for i = 1, #KEYS do
  if redis.call("EXISTS", KEYS[i]) == 1 then reply[#reply + 1] = tostring(i) end
end
return reply
`;

/** KEYS: index. ARGV: score, member. Adds unless present (the first score stays). */
const INDEX_ADD = `
redis.call("ZADD", KEYS[1], "NX", ARGV[1], ARGV[2])
return { "ok" }
`;

/** KEYS: index. ARGV: member. */
const INDEX_REMOVE = `
redis.call("ZREM", KEYS[1], ARGV[1])
return { "ok" }
`;

/** KEYS: outbox. Reply: { "ok", length }. */
const OUTBOX_LENGTH = `
return { "ok", tostring(redis.call("LLEN", KEYS[1])) }
`;

/** KEYS: the shared key. ARGV: a fresh random key. Keeps the first one ever written. */
const AGREE = `
redis.call("SET", KEYS[1], ARGV[1], "NX")
return { "ok", redis.call("GET", KEYS[1]) }
`;

export const EVENT_SCRIPTS = {
  agree: scriptOf("events-agree", AGREE),
  take: scriptOf("events-take", TAKE),
  ack: scriptOf("events-ack", ACK),
  expireSecret: scriptOf("events-expire-secret", EXPIRE_SECRET),
  expireRequest: scriptOf("events-expire-request", EXPIRE_REQUEST),
  lease: scriptOf("events-lease", LEASE),
  release: scriptOf("events-release", RELEASE),
  indexRange: scriptOf("events-index-range", INDEX_RANGE),
  indexBusy: scriptOf("events-index-busy", INDEX_BUSY),
  indexAdd: scriptOf("events-index-add", INDEX_ADD),
  indexRemove: scriptOf("events-index-remove", INDEX_REMOVE),
  outboxLength: scriptOf("events-outbox-length", OUTBOX_LENGTH),
} as const;
