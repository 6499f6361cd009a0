import type { ServerConfigResponse } from "@/lib/api/wire";

/** Lifetimes offered for a secret or a request: 5 minutes, 1 hour, 1 day, 7 days. */
export const EXPIRY_CHOICES = [300, 3_600, 86_400, 604_800];
export const DEFAULT_EXPIRY_SECONDS = 86_400;

/** The offered lifetimes this server accepts; its longest one when none of ours fits. */
export function expiryChoices(config: ServerConfigResponse | null): number[] {
  if (!config) return EXPIRY_CHOICES;
  const fitting = EXPIRY_CHOICES.filter(
    (seconds) => seconds >= config.minTtlSeconds && seconds <= config.maxTtlSeconds,
  );
  return fitting.length > 0 ? fitting : [config.maxTtlSeconds];
}

/** The default lifetime among the offered ones: a day, or the longest one under it. */
export function defaultExpiry(choices: number[]): number {
  const atMostDefault = choices.filter((seconds) => seconds <= DEFAULT_EXPIRY_SECONDS);
  return atMostDefault.at(-1) ?? choices[0] ?? DEFAULT_EXPIRY_SECONDS;
}
