/**
 * Retrying a reveal whose answer was lost (PROTOCOL.md §6, issue 11 §2). One claim per click
 * of Reveal, kept by the caller in memory only; every retry sends that same claim, so the
 * server hands back the first answer instead of using a second view. Only failures that say
 * nothing about the outcome are retried (a network error, a timeout, a 503); any other 4xx
 * is an answer and goes straight back to the caller.
 * Pure: no React, no storage, the clock and the sleep are injectable for tests.
 */
import { ApiError } from "@/lib/api/client";

/** Delays between attempts: 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export const REVEAL_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 5_000] as const;
/** A reveal attempt that has not answered after this long is given up and retried. */
export const REVEAL_ATTEMPT_TIMEOUT_MS = 20_000;

export class RevealTimeoutError extends Error {
  constructor() {
    super("The server did not answer in time.");
    this.name = "RevealTimeoutError";
  }
}

/** True when the failure leaves the outcome unknown: the store may or may not have run. */
export function isRetriableRevealFailure(error: unknown): boolean {
  if (error instanceof RevealTimeoutError) return true;
  if (!(error instanceof ApiError)) return false;
  return error.code === "network_error" || error.status === 503;
}

export function revealRetryDelayMs(retry: number): number {
  const index = Math.min(Math.max(retry, 0), REVEAL_RETRY_DELAYS_MS.length - 1);
  return REVEAL_RETRY_DELAYS_MS[index] ?? 5_000;
}

export interface RevealRetryOptions {
  /** The server's revealGraceSeconds; 0 (or a server without claims) means one attempt only. */
  graceSeconds: number;
  /** Called before each retry (1, 2, …) so the page can show "Retrying…". */
  onRetry?: (retry: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  attemptTimeoutMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RevealTimeoutError()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * Runs `attempt` (which must send the same claim every time) and retries it with backoff
 * while the failure is retriable and the next try still starts within the grace, counted
 * from the first attempt. Throws the last failure when it gives up.
 */
export async function revealWithRetry<T>(
  attempt: () => Promise<T>,
  options: RevealRetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.attemptTimeoutMs ?? REVEAL_ATTEMPT_TIMEOUT_MS;
  const graceMs = Math.max(0, options.graceSeconds) * 1_000;
  const started = now();
  for (let retry = 0; ; retry += 1) {
    try {
      return await withTimeout(attempt(), timeoutMs);
    } catch (error) {
      if (!isRetriableRevealFailure(error)) throw error;
      const delay = revealRetryDelayMs(retry);
      if (now() + delay - started >= graceMs) throw error;
      options.onRetry?.(retry + 1);
      await sleep(delay);
    }
  }
}
