/**
 * Polite polling for `status --wait` and `collect --wait`: ask, and while the answer is "not
 * yet" (or lost: a network error, a 5xx), ask again after a pause that starts at
 * FIRST_POLL_MS and doubles up to MAX_POLL_MS, until a deadline. A server is never asked
 * faster than that, however long the wait.
 */
import { isLostAnswer } from "./claim-retry";

/** Polling of --wait: the first pause, doubling up to the ceiling. */
export const FIRST_POLL_MS = 2_000;
export const MAX_POLL_MS = 30_000;

export interface PollOptions {
  timeoutSeconds: number;
  /** Called once, before the first pause: the place to say "Waiting…". */
  onFirstWait: () => Promise<void>;
  /** The error thrown when the deadline passes first. */
  onTimeout: () => Error;
}

/**
 * Calls `ask` until it returns a value (undefined means "not yet"); throws what `ask` throws,
 * except a lost answer, which counts as "not yet".
 */
export async function pollUntil<T>(
  ask: () => Promise<T | undefined>,
  { timeoutSeconds, onFirstWait, onTimeout }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = FIRST_POLL_MS;
  let announced = false;
  for (;;) {
    try {
      const result = await ask();
      if (result !== undefined) return result;
    } catch (error) {
      if (!isLostAnswer(error)) throw error;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout();
    if (!announced) {
      await onFirstWait();
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}
