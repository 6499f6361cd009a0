/**
 * When a failed delivery is tried again (issue 14 §2, after the Standard Webhooks
 * recommendation): attempt n+1 follows attempt n's failure by RETRY_SCHEDULE_MS[n], ±10 %
 * jitter so a receiver that comes back is not hit by every queued job at once; a later
 * `Retry-After` (seconds or an HTTP date) wins over the schedule, up to one day. After the
 * last entry the delivery gives up: 11 attempts over about two days (47.6 h).
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** Index n: the wait after n attempts failed (index 0: the first attempt, at once). */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND_MS,
  MINUTE_MS,
  5 * MINUTE_MS,
  30 * MINUTE_MS,
  2 * HOUR_MS,
  5 * HOUR_MS,
  10 * HOUR_MS,
  10 * HOUR_MS,
  10 * HOUR_MS,
  10 * HOUR_MS,
];

/** A receiver cannot park a job for longer than this with Retry-After. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR_MS;
export const JITTER = 0.1;

/** Milliseconds from a Retry-After value (delta-seconds or HTTP-date), or undefined. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * SECOND_MS, MAX_RETRY_AFTER_MS);
  const dateMs = Date.parse(text);
  if (!/[A-Za-z]/.test(text) || Number.isNaN(dateMs)) return undefined;
  return Math.min(Math.max(0, dateMs - nowMs), MAX_RETRY_AFTER_MS);
}

/**
 * The wait before the next attempt after `attemptsMade` failed ones, or null when the
 * schedule is spent. `random` is in [0, 1).
 */
export function nextDelayMs(
  attemptsMade: number,
  schedule: readonly number[],
  random: () => number,
  retryAfter?: number,
): number | null {
  const base = schedule[attemptsMade];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  return Math.max(jittered, retryAfter ?? 0);
}
