/**
 * The bounded retry of a call that carries a claim (PROTOCOL.md §6): `get`'s reveal and
 * `collect`'s collect. One claim per run, in memory only; a call whose answer is lost
 * (network error, timeout, 502/503/504) is sent again with that same claim, backing off, for
 * at most the server's revealGraceSeconds, so a retry gets the first answer again and never
 * costs a second view or loses a collected answer. A 4xx is never retried.
 */
import { ApiError } from "@/lib/api/client";
import type { ServerConfigResponse } from "@/lib/api/wire";
import { InvalidAnswerError } from "./answers";
import type { CliApiClient } from "./api";
import type { CliContext } from "./context";
import { CliError, toCliError, type Action } from "./errors";
import { EXIT } from "./exit-codes";
import { writeTo } from "./output";

/** Backoff between retries of a lost answer: doubling from the first, never above the ceiling. */
export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 8_000;
/** A server that sends no answer headers in this time counts as a lost answer (then retried). */
export const ANSWER_HEADERS_TIMEOUT_MS = 30_000;
/** The link names the server: a hostile one's huge grace must not keep the CLI retrying for days. */
export const MAX_RETRY_GRACE_SECONDS = 600;

/**
 * A lost answer, worth a retry with the same claim: nothing arrived (network error, timeout),
 * or the server or a gateway in front of it said "not now" (502, 503, 504). Never a 4xx.
 */
export function isLostAnswer(error: unknown): boolean {
  return error instanceof ApiError && [0, 502, 503, 504].includes(error.status);
}

/** Aborts a request whose answer headers do not arrive in time; the body may take longer. */
export function withHeadersTimeout(fetchImpl: typeof fetch, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    try {
      return await fetchImpl(input, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The retry window a config allows: its revealGraceSeconds, at most MAX_RETRY_GRACE_SECONDS. */
export function graceOf(config: ServerConfigResponse): number {
  return Math.min(config.revealGraceSeconds ?? 0, MAX_RETRY_GRACE_SECONDS);
}

/**
 * The server's revealGraceSeconds (PROTOCOL.md §6; it covers collect claims too), at most
 * MAX_RETRY_GRACE_SECONDS; 0 when it has none (a v1 server) or its config cannot be read.
 */
export async function claimGrace(client: Pick<CliApiClient, "config">): Promise<number> {
  try {
    return graceOf(await client.config());
  } catch (error) {
    if (error instanceof InvalidAnswerError) throw error;
    return 0;
  }
}

function seconds(ms: number): string {
  const value = Math.max(1, Math.round(ms / 1000));
  return `${value} s`;
}

/** How one command words a lost answer; the rest of the message is shared. */
export interface ClaimRetryWording {
  /** For toCliError, when the server refuses a retry. */
  action: Action;
  /** "the reveal", "the collect": what was sent. */
  call: string;
  /** Appended when no retry got an answer: what may have happened, and what to do. */
  whenLost: string;
  /** Appended to a refusal that follows a lost answer. */
  afterLost: string;
}

export interface ClaimRetryOptions {
  graceSeconds: number;
  origin: string;
  context: CliContext;
  wording: ClaimRetryWording;
}

/**
 * Runs `call` (one request with this run's claim) and, while its answer is lost, again with
 * the same claim, backing off, until `graceSeconds` after the first attempt. A 4xx is never
 * retried. When no answer ever arrives the message says what may have happened.
 */
export async function withClaimRetries<T>(
  call: () => Promise<T>,
  { graceSeconds, origin, context, wording }: ClaimRetryOptions,
): Promise<T> {
  const startedAt = Date.now();
  const deadline = startedAt + graceSeconds * 1000;
  let delay = FIRST_RETRY_MS;
  let lost = false;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isLostAnswer(error)) {
        if (!lost) throw error;
        // A refusal after a lost answer: say both, the first answer may have been used.
        const refused = toCliError(error, { action: wording.action, origin });
        throw new CliError(refused.exitCode, `${refused.message} ${wording.afterLost}`, {
          cause: error,
        });
      }
      lost = true;
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = error instanceof ApiError ? error.message : String(error);
        const tried =
          graceSeconds === 0
            ? "it was not retried"
            : `retries with the same claim for ${seconds(Date.now() - startedAt)} got no answer`;
        throw new CliError(
          EXIT.unavailable,
          `the answer of ${origin} to ${wording.call} was lost (${why}) and ${tried}. ${wording.whenLost}`,
          { cause: error },
        );
      }
      const wait = Math.min(delay, left);
      await writeTo(
        context.stderr,
        `The answer was lost (${error instanceof ApiError ? error.message : "no answer"}); retrying in ${seconds(wait)} with the same claim…\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}
