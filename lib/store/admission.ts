/**
 * Admission: a request's rate-limit take carried into the store operation it guards (issue
 * 15 item 3), so a check or a reveal costs one store call instead of two or three.
 * lib/server/rate-limit.ts decides the buckets; ./rate-limit.ts counts them.
 *
 * Guarantees, on every driver:
 * - the buckets are taken (all or nothing, as RateLimiter.take) BEFORE the operation runs;
 *   a refusal, or a full store when `runWhenFull` is false, throws AdmissionRefusedError
 *   and the operation does not run at all;
 * - a store too full to count runs the operation uncounted when `runWhenFull` is true;
 * - the last `held` buckets (a reveal's wrong-passphrase hold) are given back once the
 *   operation has answered anything but `wrong_passphrase`, or failed; never given back
 *   when nothing was taken.
 * On Redis and Upstash, take, operation and give-back are ONE script (the limiter's Lua
 * and the operation's Lua, each in a function of its own), so they are also one atomic
 * step. On Redis Cluster the limiter's keys hash to another slot than the secret's, so
 * there, and in memory, admitThen() takes first and runs second, as before the fold.
 */
import "server-only";
import { bucketArgs, bucketKeys, RATE_LIMIT_SCRIPT, takeDecisionOf, type RateLimitBucket, type RateLimitDecision, type RateLimiter } from "./rate-limit";
import { scriptOf, type LuaScript } from "./scripts";
import { StoreUnavailableError } from "./types";

export interface Admission {
  /** The buckets' hash tag, as RateLimiter.take's `group`. */
  group: string;
  buckets: readonly RateLimitBucket[];
  /** A store that is full (cannot count): true runs the operation uncounted, false refuses it. */
  runWhenFull: boolean;
  /** How many of the LAST buckets are only held: given back unless the answer is wrong_passphrase. */
  held: number;
}

export type AdmissionRefusal = Exclude<RateLimitDecision, { kind: "allowed" }>;

/** Marks an AdmissionRefusedError whichever copy of this module made it. */
const ADMISSION_REFUSED = Symbol.for("burnlink.AdmissionRefusedError");

/**
 * The operation did not run: its admission was refused, or the store could not count.
 * `instanceof` by brand, not by prototype: the store on globalThis may come from another
 * of Next's bundles than the route that catches this (see ScriptedStore's hasInstance).
 */
export class AdmissionRefusedError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ADMISSION_REFUSED] === true;
  }

  readonly [ADMISSION_REFUSED] = true;

  constructor(readonly decision: AdmissionRefusal) {
    super(decision.kind === "full" ? "The store is full and could not count the request" : "Rate limited");
    this.name = "AdmissionRefusedError";
  }
}

/** The one answer that keeps a held bucket counted (PROTOCOL.md §4). */
const KEEPS_HOLD = "wrong_passphrase";

function heldBuckets(admission: Admission): readonly RateLimitBucket[] {
  return admission.held > 0 ? admission.buckets.slice(-admission.held) : [];
}

function assertAdmission(admission: Admission): void {
  if (!Number.isSafeInteger(admission.held) || admission.held < 0 || admission.held > admission.buckets.length)
    throw new TypeError("Invalid admission: held must count some of its buckets");
}

/**
 * Takes the admission, then runs the operation (two steps): for stores whose limiter keys
 * cannot share the operation's script. `answerOf` names the operation's answer, so a held
 * bucket is kept for a wrong passphrase only. The give-back is not awaited: the answer does
 * not depend on it; if it fails the client is over-counted, never under.
 */
export async function admitThen<T>(
  limiter: RateLimiter,
  admission: Admission | undefined,
  run: () => Promise<T>,
  answerOf: (result: T) => unknown,
): Promise<T> {
  if (!admission || admission.buckets.length === 0) return run();
  assertAdmission(admission);
  const decision = await limiter.take(admission.group, admission.buckets, Date.now());
  if (decision.kind === "refused" || (decision.kind === "full" && !admission.runWhenFull))
    throw new AdmissionRefusedError(decision);
  const held = heldBuckets(admission);
  if (decision.kind !== "allowed" || held.length === 0) return run();
  let keep = false;
  try {
    const result = await run();
    keep = answerOf(result) === KEEPS_HOLD;
    return result;
  } finally {
    if (!keep) {
      limiter.give(admission.group, held, Date.now()).catch((error: unknown) => {
        console.warn(`burnlink: could not give back a held rate-limit unit: ${(error as Error).message}`);
      });
    }
  }
}

/**
 * The operation's script with the limiter in front and the give-back behind.
 * KEYS = the limiter's keys, then the operation's; ARGV[1] = how many limiter keys,
 * ARGV[2] = "run" or "refuse" when the store is full, ARGV[3] = how many trailing buckets
 * are held, ARGV[4] = the answer that keeps them, then the limiter's ARGV
 * (2 + 4 per key, ./rate-limit.ts), then the operation's.
 * Each part runs in a function whose parameters are named KEYS and ARGV, so both sources
 * run unchanged on their own slices. Answers: `{ "rate_limit", "refused", i, ms }`,
 * `{ "rate_limit", "full" }`, or the operation's own answer (which never starts with
 * "rate_limit"). A give-back under maxmemory may answer OOM: ignored, as a failed one is.
 */
function admittedSource(operation: LuaScript): string {
  return `
local function rate_limit(KEYS, ARGV)
${RATE_LIMIT_SCRIPT.source}
end
local function operation(KEYS, ARGV)
${operation.source}
end
local n = tonumber(ARGV[1])
local limit_argc = 2 + 4 * n
local limit_keys, limit_args, op_keys, op_args = {}, {}, {}, {}
for i = 1, #KEYS do
  if i <= n then limit_keys[i] = KEYS[i] else op_keys[i - n] = KEYS[i] end
end
for i = 5, #ARGV do
  local j = i - 4
  if j <= limit_argc then limit_args[j] = ARGV[i] else op_args[j - limit_argc] = ARGV[i] end
end
local decision = rate_limit(limit_keys, limit_args)
if decision.err then return decision end
if decision[1] == "refused" then return { "rate_limit", "refused", decision[2], decision[3] } end
if decision[1] == "full" and ARGV[2] ~= "run" then return { "rate_limit", "full" } end
local ok, answer = pcall(operation, op_keys, op_args)
local held = tonumber(ARGV[3])
if decision[1] == "ok" and held > 0 and not (ok and type(answer) == "table" and answer[1] == ARGV[4]) then
  local give_keys, give_args = {}, { "give", limit_args[2] }
  for i = n - held + 1, n do
    give_keys[#give_keys + 1] = limit_keys[i]
    for k = 1, 4 do give_args[#give_args + 1] = limit_args[2 + (i - 1) * 4 + k] end
  end
  rate_limit(give_keys, give_args)
end
if not ok then error(answer, 0) end
return answer
`;
}

const admitted = new Map<string, LuaScript>();

/** The admitted form of an operation's script, made once per script. Keeps its name for the metrics. */
export function admittedScript(operation: LuaScript): LuaScript {
  let script = admitted.get(operation.sha1);
  if (!script) {
    script = scriptOf(operation.name, admittedSource(operation));
    admitted.set(operation.sha1, script);
  }
  return script;
}

/** KEYS and ARGV of admittedScript(operation) for this admission and the operation's own. */
export function admittedCall(
  keyPrefix: string,
  admission: Admission,
  keys: readonly string[],
  args: readonly string[],
): { keys: string[]; args: string[] } {
  assertAdmission(admission);
  return {
    keys: [...bucketKeys(keyPrefix, admission.group, admission.buckets), ...keys],
    args: [
      String(admission.buckets.length),
      admission.runWhenFull ? "run" : "refuse",
      String(admission.held),
      KEEPS_HOLD,
      ...bucketArgs("take", admission.group, admission.buckets, Date.now()),
      ...args,
    ],
  };
}

/** The operation's answer, or AdmissionRefusedError for the limiter's. */
export function operationReplyOf(reply: unknown, admission: Admission): unknown {
  if (!Array.isArray(reply) || reply[0] !== "rate_limit") return reply;
  const decision = takeDecisionOf(reply.slice(1), admission.buckets);
  if (decision.kind === "allowed") throw new StoreUnavailableError("The secret store gave an unexpected answer to rate-limit");
  throw new AdmissionRefusedError(decision);
}
