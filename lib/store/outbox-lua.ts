/**
 * The Lua helper every state-changing script uses to append its §9 event to the subject's
 * outbox (PROTOCOL.md §9, issue 14 §1), in the same atomic step as the change itself.
 *
 * Guarantees: an event gets the next per-subject `seq` (HINCRBY "seq" in the subject's
 * metadata hash), so (subject, id, seq) names it across redeliveries. A repeated
 * `wrong_passphrase` or `ip_blocked` from the same recorded ip is counted into the outbox's
 * last entry (count, lastAtMs; its seq kept) only while the dispatcher has not taken that
 * entry yet (`outboxSealed` in the metadata is the highest seq it took): a delivered event is
 * never changed afterwards, so the counts of the delivered events add up to the attempts.
 * The outbox expires with the metadata. The pending index is written here when the driver
 * passes its key (Redis, Upstash); on Redis Cluster it lives in another slot and the driver
 * writes it right after the script (./event-source.ts says what a crash in between costs).
 * An entry holds the event's type, seq, times, masked ip, count and request numbers: never a
 * ciphertext, proof, claim, verifier, link, label or notify target (those stay in the metadata).
 */
export const OUTBOX_LUA = `
local OUTBOX_COALESCED = { ["secret.ip_blocked"] = true, ["secret.wrong_passphrase"] = true }
local function outbox_append(outbox_key, meta_key, pending_key, member, kind, at_ms, ip, extra)
  local sealed = tonumber(redis.call("HGET", meta_key, "outboxSealed") or "0")
  if OUTBOX_COALESCED[kind] then
    local raw = redis.call("LINDEX", outbox_key, -1)
    if raw then
      local last = cjson.decode(raw)
      if last.seq > sealed and last.type == kind and (last.ip or "") == ip then
        last.count = (last.count or 1) + 1
        last.lastAtMs = tonumber(at_ms)
        redis.call("LSET", outbox_key, -1, cjson.encode(last))
        return
      end
    end
  end
  local seq = redis.call("HINCRBY", meta_key, "seq", 1)
  local event = { type = kind, seq = seq, atMs = tonumber(at_ms) }
  if ip ~= "" then event.ip = ip end
  if extra ~= nil then
    for name, value in pairs(extra) do event[name] = value end
  end
  redis.call("RPUSH", outbox_key, cjson.encode(event))
  local ttl = redis.call("PTTL", meta_key)
  if ttl > 0 then redis.call("PEXPIRE", outbox_key, ttl) end
  if pending_key then redis.call("ZADD", pending_key, "NX", at_ms, member) end
end
`;
