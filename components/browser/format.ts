/** Dates, durations and sizes as people read them, in the browser's locale. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDateTime(iso: string | number | Date): string {
  return dateTime.format(new Date(iso));
}

export function formatClock(value: number | Date): string {
  return timeOnly.format(value);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/** "in 23 hours", "5 minutes ago". */
export function formatRelative(iso: string | number | Date, nowMs: number): string {
  const delta = new Date(iso).getTime() - nowMs;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms || unit === "second") return relative.format(Math.round(delta / ms), unit);
  }
  return relative.format(0, "second");
}

/** 300 -> "5 minutes", 86400 -> "1 day". */
export function formatDuration(seconds: number): string {
  for (const [unit, ms] of UNITS) {
    const count = (seconds * 1000) / ms;
    if (count >= 1 && Number.isInteger(count)) return `${count} ${unit}${count === 1 ? "" : "s"}`;
  }
  return `${seconds} seconds`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
