/**
 * `--ttl` values: a whole number of seconds, or a number with a unit (`30s`, `5m`, `1h`,
 * `1d`, `7d`, `1w`). The server's own limits (GET /api/config) are checked separately, once
 * they are known; this module only turns text into seconds or refuses it.
 */
import { UsageError } from "./errors";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** Seconds for `text`; throws UsageError for anything but a positive whole duration. */
export function parseTtl(text: string, option = "--ttl"): number {
  const match = /^(\d{1,12})([smhdw]?)$/.exec(text.trim());
  const amount = match?.[1];
  if (match === null || amount === undefined) {
    throw new UsageError(
      `${option} "${text}" is not a duration; use for example 5m, 1h, 1d, 7d or a number of seconds.`,
    );
  }
  const seconds = Number(amount) * (UNIT_SECONDS[match[2] || "s"] ?? 1);
  if (seconds <= 0) throw new UsageError(`${option} must be longer than zero.`);
  return seconds;
}

/** The shortest exact spelling of `seconds` (`90` -> `90s`, `3600` -> `1h`, `604800` -> `7d`), for messages. */
export function formatTtl(seconds: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    const size = UNIT_SECONDS[unit] ?? 1;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
