/**
 * The Lua scripts behind the Redis and Upstash drivers (PROTOCOL.md §4, §5).
 *
 * Guarantees: each store operation is ONE script, so Redis runs its proof check,
 * allowlist, tombstone, failure counting, view decrement, deletion and event
 * record as a single atomic step; the same source runs on Redis over TCP and on
 * Upstash. Every script takes KEYS[1] = `<prefix>:{id}:secret`,
 * KEYS[2] = `<prefix>:{id}:meta`, KEYS[3] = `<prefix>:{id}:claims` and
 * KEYS[4] = `<prefix>:{id}:id` (same hash tag, same cluster slot) and
 * KEYS[5] = `<prefix>:{id}:outbox`, where the step that changes the state appends its
 * §9 event (./outbox-lua.ts). KEYS[6], the shard's pending index, is given only where one
 * script may touch another slot (Redis, Upstash); on Redis Cluster the driver writes it
 * after the script. The last ARGV of every script is the subject's index member ("s:<id>").
 *
 * Storage layout: the ciphertext is a plain string at KEYS[1] expiring natively
 * at expiresAt (PXAT); the metadata is a hash at KEYS[2] expiring at
 * expiresAt + retention, with the fields listed in META_FIELDS; the id tombstone
 * is an empty string at KEYS[4] expiring ID_TOMBSTONE_SECONDS after expiresAt (when
 * that is later than the metadata). Nothing stored is a proof: only the verifiers
 * SHA-512(proof)[0..32] are compared.
 *
 * Why a plain `~=` on verifiers is safe here: what is compared is a hash of the
 * caller's proof, never the proof. Timing could at best tell an attacker how many
 * leading bytes of SHA-512(guess) match the stored verifier, and choosing guesses
 * whose hashes share a prefix with an unknown value needs preimages, so timing
 * reveals nothing about the proof (the TypeScript side, which has timingSafeEqual,
 * uses it anyway: ./keys.ts sameVerifier). A verifier that is not 43 base64url
 * characters never reaches a script (./scripted-store.ts answers not_found), and
 * every stored verifier was checked at create, so an empty value never meets an
 * empty value.
 *
 * Replies are flat arrays whose first element names the outcome ("ok",
 * "not_found", "gone", ...) and whose other elements are strings; the driver
 * (./scripted-store.ts) turns them into the result unions of ./types.ts. Numbers
 * travel as strings written by the TypeScript side, so no Lua float formatting
 * ever touches a timestamp.
 *
 * Under maxmemory, Redis refuses a script's first memory-growing write while it
 * has written nothing yet, and lets every later write through once one has
 * happened: a script is never cut in half. A burn deletes the ciphertext first,
 * so it still completes when Redis is full; a create fails cleanly (OOM, then
 * 503). A reveal writes its failure count BEFORE it compares the unlock
 * verifier, so when Redis is full every reveal past the access proof answers
 * 503, right passphrase or wrong: a full Redis is never a passphrase oracle.
 */
import "server-only";
import { createHash } from "node:crypto";
import { MAX_IP_BLOCKED_EVENTS } from "./keys";
import { OUTBOX_LUA } from "./outbox-lua";

export interface LuaScript {
  readonly name: string;
  readonly source: string;
  /** Hex SHA-1 of the source, for EVALSHA. */
  readonly sha1: string;
}

/** The hash fields of `<prefix>:{id}:meta`, for readers of this module and for tests. */
export const META_FIELDS = [
  "accessVerifier",
  "unlockVerifier",
  "manageVerifier",
  "createdAt",
  "expiresAt",
  "maxViews",
  "viewsLeft",
  "failed",
  "limit",
  "state",
  "goneReason",
  "goneAt",
  "allowedIps",
  "prefixes",
  "events",
  "creator",
  /** When the metadata key expires: expiresAt + retention, later if a grace runs longer. */
  "metaExpiresAt",
  /** When the last claim's grace ends (PROTOCOL.md §6); "0" before any claim and after a burn. */
  "graceUntil",
  /** Issue 14 §2: the per-secret webhook target, opaque (encrypted by the webhook module); never in status. */
  "notify",
  /** The last outbox seq (./outbox-lua.ts), and the highest seq the dispatcher has taken. */
  "seq",
  "outboxSealed",
  /** "1" once secret.expired is recorded (./event-scripts.ts), so it is recorded once. */
  "expiredRecorded",
] as const;

/**
 * Helpers shared by the scripts. Lua 5.1 as embedded in Redis; cjson is built in.
 * `prefixes` is "network/length" entries joined by ",", "" when unrestricted.
 */
export const PRELUDE = `${OUTBOX_LUA}
local function read_meta()
  local flat = redis.call("HGETALL", KEYS[2])
  if #flat == 0 then return nil end
  local meta = {}
  for i = 1, #flat, 2 do meta[flat[i]] = flat[i + 1] end
  return meta
end

-- Whole nibbles compare as text; the bits of a partial nibble by integer division.
local function ip_in_prefix(ip, network, length)
  local whole = math.floor(length / 4)
  if string.sub(ip, 1, whole) ~= string.sub(network, 1, whole) then return false end
  local rest = length - whole * 4
  if rest == 0 then return true end
  local unit = 2 ^ (4 - rest)
  local a = tonumber(string.sub(ip, whole + 1, whole + 1), 16)
  local b = tonumber(string.sub(network, whole + 1, whole + 1), 16)
  return a ~= nil and b ~= nil and math.floor(a / unit) == math.floor(b / unit)
end

local function ip_allowed(ip, prefixes)
  if prefixes == "" then return true end
  -- An address the caller could not determine ("") matches no entry, not even /0.
  if string.len(ip) ~= 32 then return false end
  for network, length in string.gmatch(prefixes, "(%x+)/(%d+)") do
    if ip_in_prefix(ip, network, tonumber(length)) then return true end
  end
  return false
end

-- Appends events (issue 10 item 3, PROTOCOL.md §9). An ip_blocked or wrong_passphrase that
-- repeats the newest event's type and ip is counted into it (count, lastAtMs) instead of
-- added; at most ${MAX_IP_BLOCKED_EVENTS} ip_blocked entries are kept, the oldest going first.
-- Nothing else is ever evicted, so refused requests cannot push created, viewed,
-- wrong_passphrase or burned out of the timeline.
local COALESCED = { ip_blocked = true, wrong_passphrase = true }
local function with_events(meta, types, at_ms, ip)
  local events = cjson.decode(meta.events)
  local at = tonumber(at_ms)
  for _, kind in ipairs(types) do
    local last = events[#events]
    if COALESCED[kind] and last ~= nil and last.type == kind and (last.ip or "") == ip then
      last.count = (last.count or 1) + 1
      last.lastAtMs = at
    else
      local event = { type = kind, atMs = at }
      if ip ~= "" then event.ip = ip end
      events[#events + 1] = event
    end
  end
  local blocked = 0
  for _, event in ipairs(events) do
    if event.type == "ip_blocked" then blocked = blocked + 1 end
  end
  local i = 1
  while blocked > ${MAX_IP_BLOCKED_EVENTS} and i <= #events do
    if events[i].type == "ip_blocked" then
      table.remove(events, i)
      blocked = blocked - 1
    else
      i = i + 1
    end
  end
  return cjson.encode(events)
end

-- PROTOCOL.md §4 order after a right access proof: allowlist, then tombstone.
-- Returns a reply to send, or nil when the secret may be read. in_grace: the caller holds a
-- claim recorded on this secret and still in its grace (PROTOCOL.md §6), which skips the
-- tombstone for viewed and expired, never for a burn.
local function gate(meta, now_ms, ip, audit_ip, ciphertext_exists, in_grace)
  if not ip_allowed(ip, meta.prefixes) then
    redis.call("HSET", KEYS[2], "events", with_events(meta, { "ip_blocked" }, now_ms, audit_ip))
    outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[#ARGV], "secret.ip_blocked", now_ms, audit_ip, nil)
    return { "ip_not_allowed" }
  end
  if meta.state == "burned" then return { "gone", meta.goneReason, meta.goneAt } end
  if in_grace and ciphertext_exists then return nil end
  if meta.state ~= "active" then return { "gone", meta.goneReason, meta.goneAt } end
  if tonumber(now_ms) >= tonumber(meta.expiresAt) or not ciphertext_exists then
    return { "gone", "expired", meta.expiresAt }
  end
  return nil
end
`;

/**
 * ARGV: ciphertext, accessVerifier, unlockVerifier, manageVerifier, nowMs, expiresAt,
 * metaExpiresAt, maxViews, attemptsLimit, allowedIps JSON, prefixes, auditIp ("" for none),
 * idTombstoneUntil ("0" for none), creator JSON ("" for an anonymous create, PROTOCOL.md §8;
 * stored only when given), notify ("" for none; opaque, never returned), index member.
 * KEYS[7], when given, is the expiry schedule: the subject joins it in the same step.
 */
const CREATE = `${OUTBOX_LUA}
if redis.call("EXISTS", KEYS[1]) == 1 or redis.call("EXISTS", KEYS[2]) == 1 or redis.call("EXISTS", KEYS[4]) == 1 then
  -- A consumed link keeps its metadata until retention ends, then its id tombstone:
  -- it can never be re-armed.
  return { "id_taken" }
end
local created = { type = "created", atMs = tonumber(ARGV[5]) }
if ARGV[12] ~= "" then created.ip = ARGV[12] end
redis.call("HSET", KEYS[2],
  "accessVerifier", ARGV[2], "unlockVerifier", ARGV[3], "manageVerifier", ARGV[4],
  "createdAt", ARGV[5], "expiresAt", ARGV[6], "maxViews", ARGV[8], "viewsLeft", ARGV[8],
  "failed", "0", "limit", ARGV[9], "state", "active", "goneReason", "", "goneAt", "",
  "allowedIps", ARGV[10], "prefixes", ARGV[11], "events", cjson.encode({ created }),
  "metaExpiresAt", ARGV[7], "graceUntil", "0")
if ARGV[14] ~= nil and ARGV[14] ~= "" then redis.call("HSET", KEYS[2], "creator", ARGV[14]) end
redis.call("PEXPIREAT", KEYS[2], ARGV[7])
redis.call("SET", KEYS[1], ARGV[1], "PXAT", ARGV[6])
if tonumber(ARGV[13]) > tonumber(ARGV[7]) then redis.call("SET", KEYS[4], "", "PXAT", ARGV[13]) end
if ARGV[15] ~= "" then redis.call("HSET", KEYS[2], "notify", ARGV[15]) end
outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[16], "secret.created", ARGV[5], ARGV[12], nil)
if KEYS[7] then redis.call("ZADD", KEYS[7], ARGV[6], ARGV[16]) end
return { "created", ARGV[6] }
`;

/** ARGV: accessVerifier, nowMs, ipHex, auditIp, index member. Consumes nothing; may record ip_blocked. */
const CHECK = `${PRELUDE}
local meta = read_meta()
-- A wrong access proof looks exactly like an unknown id and counts nothing (PROTOCOL.md §4).
if meta == nil or meta.accessVerifier ~= ARGV[1] then return { "not_found" } end
local refused = gate(meta, ARGV[2], ARGV[3], ARGV[4], redis.call("EXISTS", KEYS[1]) == 1, false)
if refused then return refused end
return { "ok", meta.expiresAt, meta.viewsLeft, meta.creator or "" }
`;

/**
 * ARGV: accessVerifier, unlockVerifier, nowMs, ipHex, auditIp, claimVerifier ("" for none),
 * claimEndMs (nowMs + grace), graceStartMs (nowMs - grace), index member.
 * The script checks the proofs and decrements in one step, so two readers can
 * never both take the last view, and N wrong passphrases count exactly N.
 *
 * Claims (PROTOCOL.md §6): a view taken with a claim records claimVerifier →
 * "claimedAtMs:viewsLeft" in KEYS[3], in the same step. A later reveal with that claim,
 * a right unlock and claimedAt > graceStart gets the same ciphertext and viewsLeft again,
 * consuming and recording nothing. Meanwhile the ciphertext is kept until the last grace
 * ends (graceUntil): its key expires at max(expiresAt, graceUntil) while views are left,
 * at graceUntil once they are all used, and a burn deletes it and the claims at once.
 */
const REVEAL = `${PRELUDE}
local meta = read_meta()
if meta == nil or meta.accessVerifier ~= ARGV[1] then return { "not_found" } end
local ciphertext = redis.call("GET", KEYS[1])
local claim = ARGV[6]
local claimed_left = nil
if claim ~= "" then
  local recorded = redis.call("HGET", KEYS[3], claim)
  if recorded then
    local at, left = string.match(recorded, "^(%d+):(%d+)$")
    if at ~= nil and tonumber(at) > tonumber(ARGV[8]) then claimed_left = left end
  end
end
local refused = gate(meta, ARGV[3], ARGV[4], ARGV[5], ciphertext ~= false, claimed_left ~= nil)
if refused then return refused end

-- Count first, refund on a right unlock (issue 10 item 1). This write comes before the
-- unlock comparison and is the same whatever the unlock, so a Redis at maxmemory refuses
-- it (OOM, 503) for a right and a wrong passphrase alike: the answer can never depend on
-- the comparison while a failure cannot be recorded. Once it is through, Redis lets every
-- later write of the script through too, so a counted failure is never lost.
local failed = redis.call("HINCRBY", KEYS[2], "failed", 1)
if meta.unlockVerifier ~= ARGV[2] then
  local limit = tonumber(meta.limit)
  if failed >= limit then
    -- The ciphertext goes in the same step as the failure that reaches the limit, and
    -- with it every claim's grace.
    redis.call("DEL", KEYS[1], KEYS[3])
    redis.call("HSET", KEYS[2], "failed", tostring(failed), "state", "burned",
      "goneReason", "attempts", "goneAt", ARGV[3], "graceUntil", "0",
      "events", with_events(meta, { "wrong_passphrase", "burned" }, ARGV[3], ARGV[5]))
    outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[9], "secret.wrong_passphrase", ARGV[3], ARGV[5], nil)
    outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[9], "secret.burned", ARGV[3], ARGV[5], nil)
    return { "wrong_passphrase", "0" }
  end
  redis.call("HSET", KEYS[2], "failed", tostring(failed),
    "events", with_events(meta, { "wrong_passphrase" }, ARGV[3], ARGV[5]))
  outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[9], "secret.wrong_passphrase", ARGV[3], ARGV[5], nil)
  return { "wrong_passphrase", tostring(limit - failed) }
end

-- The right unlock takes back the count made above.
if claimed_left ~= nil then
  -- A retry within the grace: the first answer again; nothing consumed, nothing recorded.
  redis.call("HSET", KEYS[2], "failed", meta.failed)
  return { "ok", ciphertext, claimed_left, meta.expiresAt, "replayed" }
end

local views_left = tonumber(meta.viewsLeft) - 1
if views_left < 0 then views_left = 0 end
local fields = { "failed", meta.failed, "viewsLeft", tostring(views_left),
  "events", with_events(meta, { "viewed" }, ARGV[3], ARGV[5]) }
local grace_until = meta.graceUntil or "0"
if claim ~= "" then
  redis.call("HSET", KEYS[3], claim, ARGV[3] .. ":" .. tostring(views_left))
  if tonumber(ARGV[7]) > tonumber(grace_until) then grace_until = ARGV[7] end
  redis.call("PEXPIREAT", KEYS[3], grace_until)
  fields[#fields + 1] = "graceUntil"
  fields[#fields + 1] = grace_until
  -- The record must outlive every grace (a retention of 0 ends it at expiresAt). A record
  -- made before metaExpiresAt existed keeps its expiry: its retention is days, a grace minutes.
  if meta.metaExpiresAt ~= nil and tonumber(grace_until) > tonumber(meta.metaExpiresAt) then
    redis.call("PEXPIREAT", KEYS[2], grace_until)
    fields[#fields + 1] = "metaExpiresAt"
    fields[#fields + 1] = grace_until
  end
end
local grace_runs = tonumber(grace_until) > tonumber(ARGV[3])
if views_left == 0 then
  -- Every view is used: only a claim in its grace may still read the ciphertext.
  if grace_runs then redis.call("PEXPIREAT", KEYS[1], grace_until) else redis.call("DEL", KEYS[1]) end
  for _, value in ipairs({ "state", "viewed", "goneReason", "viewed", "goneAt", ARGV[3] }) do
    fields[#fields + 1] = value
  end
elseif grace_runs and tonumber(grace_until) > tonumber(meta.expiresAt) then
  redis.call("PEXPIREAT", KEYS[1], grace_until)
end
redis.call("HSET", KEYS[2], unpack(fields))
outbox_append(KEYS[5], KEYS[2], KEYS[6], ARGV[9], "secret.viewed", ARGV[3], ARGV[5], nil)
return { "ok", ciphertext, tostring(views_left), meta.expiresAt }
`;

/** ARGV: manageVerifier, nowMs. Read-only. */
const STATUS = `${PRELUDE}
local meta = read_meta()
if meta == nil or meta.manageVerifier ~= ARGV[1] then return { "not_found" } end
local state = meta.state
if state == "active" and (tonumber(ARGV[2]) >= tonumber(meta.expiresAt) or redis.call("EXISTS", KEYS[1]) == 0) then
  state = "expired"
end
local views_left = "0"
if state == "active" then views_left = meta.viewsLeft end
return { "ok", state, meta.createdAt, meta.expiresAt, meta.maxViews, views_left, meta.failed,
  meta.allowedIps, meta.events, meta.creator or "" }
`;

/**
 * The burn itself, once the caller is authorised (by the manage verifier in BURN, or by the
 * recorded creator in ./owner-scripts.ts): `meta` is read, ARGV[2] = nowMs, ARGV[3] = auditIp, and a
 * local `member` (the subject's pending-index member, for the outbox).
 * Changes nothing unless the ciphertext can still be read: by anyone (active, before
 * expiresAt) or by a claim in its grace (PROTOCOL.md §6). Then it deletes the ciphertext and
 * the claims at once: every grace ends with the burn. Shared, so a burn from "My secrets"
 * is exactly the manage page's burn.
 */
export const BURN_STEP = `
local now = tonumber(ARGV[2])
local readable = meta.state == "active" and now < tonumber(meta.expiresAt)
local in_grace = meta.state ~= "burned" and now < tonumber(meta.graceUntil or "0")
if not (readable or in_grace) or redis.call("EXISTS", KEYS[1]) == 0 then
  return { "already_gone" }
end
redis.call("DEL", KEYS[1], KEYS[3])
redis.call("HSET", KEYS[2], "state", "burned", "goneReason", "burned", "goneAt", ARGV[2], "graceUntil", "0",
  "events", with_events(meta, { "burned" }, ARGV[2], ARGV[3]))
outbox_append(KEYS[5], KEYS[2], KEYS[6], member, "secret.burned", ARGV[2], ARGV[3], nil)
return { "burned" }
`;

/** ARGV: manageVerifier, nowMs, auditIp, pending-index member. */
const BURN = `${PRELUDE}
local meta = read_meta()
if meta == nil or meta.manageVerifier ~= ARGV[1] then return { "not_found" } end
local member = ARGV[4]
${BURN_STEP}`;

/** A script with its SHA-1, for EVALSHA; also used by ./rate-limit.ts. */
export function scriptOf(name: string, source: string): LuaScript {
  return { name, source, sha1: createHash("sha1").update(source).digest("hex") };
}

export const SCRIPTS = {
  create: scriptOf("create", CREATE),
  check: scriptOf("check", CHECK),
  reveal: scriptOf("reveal", REVEAL),
  status: scriptOf("status", STATUS),
  burn: scriptOf("burn", BURN),
} as const;
