/**
 * The Lua scripts of the per-creator index (issue 13 §5), for the Redis, Redis Cluster and
 * Upstash drivers.
 *
 * Two kinds of script, never mixed, because on a cluster an owner's index and their
 * secrets live in different slots:
 * - index scripts touch only KEYS[1] = `<prefix>:owner:{<hash>}:secrets`, a sorted set of
 *   secret ids scored by when their metadata goes (expiresAt + retention); entries past
 *   their score are dropped on every write and read (lazy pruning), and the key itself
 *   expires with its last entry;
 * - secret scripts take the same four keys as ./scripts.ts (one secret, one slot) and
 *   decide against the creator recorded in its metadata: the owner check and the read or
 *   the burn are ONE atomic step, so an id from someone else's index (or a stale one)
 *   can never be read or burned. The burn is ./scripts.ts's BURN_STEP, the manage burn.
 *
 * Owner ARGV, in every secret script: ARGV[1] = "token" or "sso", ARGV[4] = kid or
 * issuer, ARGV[5] = "" or subject (ARGV[2] = nowMs, ARGV[3] = auditIp, as BURN_STEP wants);
 * the burn also takes ARGV[6] = the secret's pending-index member, for its outbox event.
 */
import "server-only";
import { BURN_STEP, PRELUDE, scriptOf } from "./scripts";

const OWNED_BY = `
local function owned_by(meta)
  if meta.creator == nil or meta.creator == "" then return false end
  local ok, creator = pcall(cjson.decode, meta.creator)
  if not ok or type(creator) ~= "table" or creator.kind ~= ARGV[1] then return false end
  if ARGV[1] == "token" then return ARGV[4] ~= "" and creator.kid == ARGV[4] end
  if ARGV[1] == "sso" then return ARGV[4] ~= "" and creator.issuer == ARGV[4] and creator.subject == ARGV[5] end
  return false
end
`;

/** KEYS[1] = index. ARGV: id, untilMs, nowMs. */
const OWNED_ADD = `
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[3])
redis.call("ZADD", KEYS[1], ARGV[2], ARGV[1])
local last = redis.call("ZRANGE", KEYS[1], -1, -1, "WITHSCORES")
redis.call("PEXPIREAT", KEYS[1], last[2])
return { "ok" }
`;

/** KEYS[1] = index. ARGV: nowMs. The ids whose metadata may still be stored. */
const OWNED_IDS = `
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local reply = { "ok" }
for _, id in ipairs(redis.call("ZRANGE", KEYS[1], 0, -1)) do reply[#reply + 1] = id end
return reply
`;

/** KEYS[1] = index. ARGV: ids found gone (or not this owner's) by the secret scripts. */
const OWNED_FORGET = `
for _, id in ipairs(ARGV) do redis.call("ZREM", KEYS[1], id) end
return { "ok" }
`;

/** Secret keys; owner ARGV. Read-only: the status fields "My secrets" shows. */
const OWNED_SUMMARY = `${PRELUDE}${OWNED_BY}
local meta = read_meta()
if meta == nil or not owned_by(meta) then return { "not_found" } end
local state = meta.state
if state == "active" and (tonumber(ARGV[2]) >= tonumber(meta.expiresAt) or redis.call("EXISTS", KEYS[1]) == 0) then
  state = "expired"
end
local views_left = "0"
if state == "active" then views_left = meta.viewsLeft end
return { "ok", state, meta.createdAt, meta.expiresAt, meta.maxViews, views_left }
`;

/** Secret keys; owner ARGV. The manage burn, authorised by the recorded creator. */
const OWNED_BURN = `${PRELUDE}${OWNED_BY}
local meta = read_meta()
if meta == nil or not owned_by(meta) then return { "not_found" } end
local member = ARGV[6]
${BURN_STEP}`;

export const OWNER_SCRIPTS = {
  add: scriptOf("owned-add", OWNED_ADD),
  ids: scriptOf("owned-ids", OWNED_IDS),
  forget: scriptOf("owned-forget", OWNED_FORGET),
  summary: scriptOf("owned-summary", OWNED_SUMMARY),
  burn: scriptOf("owned-burn", OWNED_BURN),
} as const;
