/**
 * How often the pages ask for a secret's status (issue 10 item 9). Status and burn share
 * the server's manage limit per address (RATE_LIMIT_MANAGE_PER_MINUTE, 60 by default), so
 * polling must stay well inside it or a burn gets 429 exactly when a leak is handled:
 * - only what is on screen in a visible tab is polled (see use-polling.ts);
 * - a status that does not change is asked for less and less often (a backoff);
 * - every status poll of this tab draws from one budget, a third of the default limit.
 * A burn, and a refresh the user asks for, never draw from the budget. Pure: no timers.
 */

/** `delayMs` between polls, for `polls` polls in a row; the last step repeats for ever. */
export interface BackoffStep {
  delayMs: number;
  polls: number;
}

export type Backoff = readonly [BackoffStep, ...BackoffStep[]];

/** The sent list on the create page: 15 s for a minute, then 1 min for four, then 5 min. */
export const SENT_LIST_BACKOFF: Backoff = [
  { delayMs: 15_000, polls: 4 },
  { delayMs: 60_000, polls: 4 },
  { delayMs: 300_000, polls: Infinity },
];

/** The manage page of an active secret: 5 s for half a minute, then slower. */
export const MANAGE_BACKOFF: Backoff = [
  { delayMs: 5_000, polls: 6 },
  { delayMs: 15_000, polls: 4 },
  { delayMs: 60_000, polls: 4 },
  { delayMs: 300_000, polls: Infinity },
];

/** Once the ciphertext is gone only refused attempts can still add events: gently. */
export const SETTLED_BACKOFF: Backoff = [
  { delayMs: 30_000, polls: 2 },
  { delayMs: 60_000, polls: 4 },
  { delayMs: 300_000, polls: Infinity },
];

/** Status polls one tab may send per minute: 20, a third of the server's default manage limit. */
export const STATUS_POLLS_PER_MINUTE = 20;
const MINUTE_MS = 60_000;

/** The delay before the next poll, after `unchanged` polls in a row that brought nothing new. */
export function backoffDelayMs(backoff: Backoff, unchanged: number): number {
  let remaining = Math.max(0, Math.floor(unchanged));
  for (const step of backoff) {
    if (remaining < step.polls) return step.delayMs;
    remaining -= step.polls;
  }
  return backoff[backoff.length - 1]!.delayMs;
}

/** A sliding one-minute window of polls: at most `perMinute` start within any 60 s. */
export class PollBudget {
  private readonly started: number[] = [];

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private forget(at: number) {
    while (this.started.length > 0 && this.started[0]! <= at - MINUTE_MS) this.started.shift();
  }

  /** Takes one poll from the budget; false (and nothing taken) when the minute is used up. */
  take(): boolean {
    const at = this.now();
    this.forget(at);
    if (this.started.length >= this.perMinute) return false;
    this.started.push(at);
    return true;
  }

  /** Milliseconds until `take` can succeed: 0 when it can now. */
  msUntilFree(): number {
    const at = this.now();
    this.forget(at);
    if (this.started.length < this.perMinute) return 0;
    return this.started[0]! + MINUTE_MS - at;
  }
}

/** The one budget every status poll of this tab draws from. */
export const statusPollBudget = new PollBudget(STATUS_POLLS_PER_MINUTE);
