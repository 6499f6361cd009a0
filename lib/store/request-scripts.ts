/**
 * The Lua scripts behind requests on Redis, Redis Cluster and Upstash (PROTOCOL.md §7).
 *
 * Guarantees: each request operation is ONE script, so its proof check, state, expiry and
 * count checks, writes and event record are a single atomic step; the same source runs on
 * every Redis-backed driver through ScriptRunner (./scripted-store.ts). Every script takes
 *   KEYS[1] = `<prefix>:{rid}:request`    hash: verifiers, times, counts, events
 *   KEYS[2] = `<prefix>:{rid}:responses`  hash: n → "<atMs>|<epk>|<ciphertext>"
 *   KEYS[3] = `<prefix>:{rid}:delivered`  hash: claimVerifier → "<untilMs>|<JSON list>"
 *   KEYS[4] = `<prefix>:{rid}:request-outbox`  list: the §9 events (./outbox-lua.ts)
 * all under the hash tag {rid}, so they share one cluster slot. KEYS[5], the shard's pending
 * index, and (create only) KEYS[6], the expiry schedule, are given where one script may touch
 * another slot (Redis, Upstash); on Redis Cluster the driver writes them around the script.
 * The last ARGV of every script is the request's index member ("r:<rid>"). KEYS[1] expires at
 * expiresAt + max(META_RETENTION_SECONDS, COLLECT_WINDOW_SECONDS), KEYS[2] at expiresAt +
 * COLLECT_WINDOW_SECONDS, KEYS[3] when the last collect grace ends. Nothing stored is a
 * proof, a claim, pk or R: only verifiers are compared (why a plain `~=` on verifiers is
 * safe is explained in ./scripts.ts), and a claim verifier is a hash field, never a key.
 *
 * Replies are flat arrays of strings whose first element names the outcome; numbers travel
 * as strings written by the TypeScript side. Where a script deletes, it deletes first, so
 * under maxmemory (Redis refuses only a script's first memory-growing write) a collect and
 * a revoke still complete; a create or a response fails cleanly (OOM, then 503).
 */
import "server-only";
import { MAX_EVENTS } from "./keys";
import { OUTBOX_LUA } from "./outbox-lua";
import { scriptOf } from "./scripts";

/** The hash fields of `<prefix>:{rid}:request`, for readers of this module and for tests. */
export const REQUEST_FIELDS = [
  "writeVerifier",
  "collectVerifier",
  "label",
  "createdAt",
  "expiresAt",
  "maxResponses",
  "received",
  "answeredAt",
  "revokedAt",
  "responsesExpireAt",
  "events",
  /** The last outbox seq, the highest seq the dispatcher took, and the expiry mark (./event-scripts.ts). */
  "seq",
  "outboxSealed",
  "expiredRecorded",
  /** PROTOCOL.md §8: the creator as JSON, absent for an anonymous create; ./event-scripts.ts TAKE reads it too. */
  "creator",
] as const;

const PRELUDE = `${OUTBOX_LUA}
local function read_request()
  local flat = redis.call("HGETALL", KEYS[1])
  if #flat == 0 then return nil end
  local meta = {}
  for i = 1, #flat, 2 do meta[flat[i]] = flat[i + 1] end
  return meta
end

-- PROTOCOL.md §7: revoked wins over answered, answered stays answered after expiresAt.
local function state_of(meta, now_ms)
  if meta.revokedAt ~= "" then return "revoked", meta.revokedAt end
  if tonumber(meta.received) >= tonumber(meta.maxResponses) then return "answered", meta.answeredAt end
  if tonumber(now_ms) >= tonumber(meta.expiresAt) then return "expired", meta.expiresAt end
  return "open", ""
end

-- Appends one event and keeps at most ${MAX_EVENTS}: the first (created) and the newest others.
local function with_event(meta, event, ip)
  local events = cjson.decode(meta.events)
  if ip ~= "" then event.ip = ip end
  events[#events + 1] = event
  while #events > ${MAX_EVENTS} do table.remove(events, 2) end
  return cjson.encode(events)
end
`;

/**
 * ARGV: writeVerifier, collectVerifier, label ("" for none), nowMs, expiresAt,
 * responsesExpireAt, metaExpiresAt, maxResponses, auditIp, creator JSON ("" for an
 * anonymous create, PROTOCOL.md §8), index member (last, as in every script).
 */
const CREATE_REQUEST = `${OUTBOX_LUA}
if redis.call("EXISTS", KEYS[1]) == 1 or redis.call("EXISTS", KEYS[2]) == 1 or redis.call("EXISTS", KEYS[3]) == 1 then
  -- The metadata is the tombstone: while it is kept, the rid can never be re-armed.
  return { "id_taken" }
end
local created = { type = "created", atMs = tonumber(ARGV[4]) }
if ARGV[9] ~= "" then created.ip = ARGV[9] end
redis.call("HSET", KEYS[1],
  "writeVerifier", ARGV[1], "collectVerifier", ARGV[2], "label", ARGV[3],
  "createdAt", ARGV[4], "expiresAt", ARGV[5], "responsesExpireAt", ARGV[6],
  "maxResponses", ARGV[8], "received", "0", "answeredAt", "", "revokedAt", "",
  "events", cjson.encode({ created }))
if ARGV[10] ~= "" then redis.call("HSET", KEYS[1], "creator", ARGV[10]) end
redis.call("PEXPIREAT", KEYS[1], ARGV[7])
outbox_append(KEYS[4], KEYS[1], KEYS[5], ARGV[11], "request.created", ARGV[4], ARGV[9], nil)
if KEYS[6] then redis.call("ZADD", KEYS[6], ARGV[5], ARGV[11]) end
return { "created", ARGV[5] }
`;

/** ARGV: writeVerifier, nowMs. Read-only. */
const CHECK_REQUEST = `${PRELUDE}
local meta = read_request()
-- A wrong write proof looks exactly like an unknown rid (PROTOCOL.md §7).
if meta == nil or meta.writeVerifier ~= ARGV[1] then return { "not_found" } end
local state, at = state_of(meta, ARGV[2])
if state ~= "open" then return { "gone", state, at } end
return { "ok", meta.expiresAt, tostring(tonumber(meta.maxResponses) - tonumber(meta.received)), meta.label,
  meta.creator or "" }
`;

/**
 * ARGV: writeVerifier, epk, ciphertext, nowMs, auditIp, index member.
 * State, expiry and count are checked and the response stored in one step, so two
 * responders can never both take the last place.
 */
const RESPOND = `${PRELUDE}
local meta = read_request()
if meta == nil or meta.writeVerifier ~= ARGV[1] then return { "not_found" } end
local state, at = state_of(meta, ARGV[4])
if state ~= "open" then return { "gone", state, at } end
local n = tonumber(meta.received) + 1
local max = tonumber(meta.maxResponses)
redis.call("HSET", KEYS[2], tostring(n), ARGV[4] .. "|" .. ARGV[2] .. "|" .. ARGV[3])
redis.call("PEXPIREAT", KEYS[2], meta.responsesExpireAt)
local answered_at = meta.answeredAt
if n >= max then answered_at = ARGV[4] end
redis.call("HSET", KEYS[1], "received", tostring(n), "answeredAt", answered_at,
  "events", with_event(meta, { type = "responded", atMs = tonumber(ARGV[4]), n = n }, ARGV[5]))
outbox_append(KEYS[4], KEYS[1], KEYS[5], ARGV[6], "request.responded", ARGV[4], ARGV[5], { n = n })
return { "ok", tostring(n), tostring(max - n) }
`;

/**
 * ARGV: collectVerifier, claimVerifier ("" for none), graceMs ("0" = claims off), nowMs, auditIp,
 * index member.
 * Returns { "ok", state, JSON list of {n, epk, ciphertext, atMs} in order of n }.
 */
const COLLECT = `${PRELUDE}
local meta = read_request()
if meta == nil or meta.collectVerifier ~= ARGV[1] then return { "not_found" } end
local now = tonumber(ARGV[4])
local state = state_of(meta, ARGV[4])
local claims = ARGV[2] ~= "" and tonumber(ARGV[3]) > 0

if claims then
  local recorded = redis.call("HGET", KEYS[3], ARGV[2])
  if recorded then
    local sep = string.find(recorded, "|", 1, true)
    if now < tonumber(string.sub(recorded, 1, sep - 1)) then
      -- A retry of a collect whose answer was lost: the same list, nothing consumed or recorded.
      return { "ok", state, string.sub(recorded, sep + 1) }
    end
  end
end

local flat = redis.call("HGETALL", KEYS[2])
local items = {}
local numbers = {}
for i = 1, #flat, 2 do
  local value = flat[i + 1]
  local first = string.find(value, "|", 1, true)
  local second = string.find(value, "|", first + 1, true)
  items[#items + 1] = {
    n = tonumber(flat[i]),
    atMs = tonumber(string.sub(value, 1, first - 1)),
    epk = string.sub(value, first + 1, second - 1),
    ciphertext = string.sub(value, second + 1),
  }
end
table.sort(items, function(a, b) return a.n < b.n end)
for _, item in ipairs(items) do numbers[#numbers + 1] = item.n end
local list = "[]"
if #items > 0 then
  -- Deleted before anything is written: delivered once, and possible on a full Redis.
  redis.call("DEL", KEYS[2])
  list = cjson.encode(items)
end

if claims then
  -- Drop ended graces, so the delivered lists never outlive their use.
  local grace_end = now + tonumber(ARGV[3])
  local latest_kept = grace_end
  local delivered = redis.call("HGETALL", KEYS[3])
  for i = 1, #delivered, 2 do
    local value = delivered[i + 1]
    local until_ms = tonumber(string.sub(value, 1, string.find(value, "|", 1, true) - 1))
    if until_ms <= now then
      redis.call("HDEL", KEYS[3], delivered[i])
    elseif until_ms > latest_kept and delivered[i] ~= ARGV[2] then
      latest_kept = until_ms
    end
  end
  redis.call("HSET", KEYS[3], ARGV[2], tostring(grace_end) .. "|" .. list)
  -- The key lives as long as its longest grace (app clocks may differ a little).
  redis.call("PEXPIREAT", KEYS[3], tostring(math.max(grace_end, latest_kept)))
end

if #items > 0 then
  redis.call("HSET", KEYS[1], "events",
    with_event(meta, { type = "collected", atMs = now, n = numbers }, ARGV[5]))
  outbox_append(KEYS[4], KEYS[1], KEYS[5], ARGV[6], "request.collected", ARGV[4], ARGV[5], { n = numbers })
end
return { "ok", state, list }
`;

/** ARGV: collectVerifier, nowMs. Read-only. */
const REQUEST_STATUS = `${PRELUDE}
local meta = read_request()
if meta == nil or meta.collectVerifier ~= ARGV[1] then return { "not_found" } end
local state = state_of(meta, ARGV[2])
local left = "0"
if state == "open" then left = tostring(tonumber(meta.maxResponses) - tonumber(meta.received)) end
return { "ok", state, meta.createdAt, meta.expiresAt, meta.maxResponses, left,
  tostring(redis.call("HLEN", KEYS[2])), meta.events, meta.creator or "" }
`;

/** ARGV: collectVerifier, nowMs, auditIp, index member. A second revoke changes nothing. */
const REVOKE = `${PRELUDE}
local meta = read_request()
if meta == nil or meta.collectVerifier ~= ARGV[1] then return { "not_found" } end
if meta.revokedAt ~= "" then return { "already_revoked" } end
redis.call("DEL", KEYS[2], KEYS[3])
redis.call("HSET", KEYS[1], "revokedAt", ARGV[2],
  "events", with_event(meta, { type = "revoked", atMs = tonumber(ARGV[2]) }, ARGV[3]))
outbox_append(KEYS[4], KEYS[1], KEYS[5], ARGV[4], "request.revoked", ARGV[2], ARGV[3], nil)
return { "revoked" }
`;

export const REQUEST_SCRIPTS = {
  create: scriptOf("request-create", CREATE_REQUEST),
  check: scriptOf("request-check", CHECK_REQUEST),
  respond: scriptOf("request-respond", RESPOND),
  collect: scriptOf("request-collect", COLLECT),
  status: scriptOf("request-status", REQUEST_STATUS),
  revoke: scriptOf("request-revoke", REVOKE),
} as const;
