// Status polling must never spend the manage limit a burn needs (issue 10 item 9): the
// backoff and the tab's budget, with a clock the test moves by hand.
import { describe, expect, it } from "vitest";
import {
  MANAGE_BACKOFF,
  PollBudget,
  SENT_LIST_BACKOFF,
  STATUS_POLLS_PER_MINUTE,
  backoffDelayMs,
  type Backoff,
} from "@/components/browser/polling";

const MINUTE_MS = 60_000;
/** RATE_LIMIT_MANAGE_PER_MINUTE's default (README's configuration table). */
const SERVER_MANAGE_LIMIT_PER_MINUTE = 60;

describe("backoffDelayMs", () => {
  const backoff: Backoff = [
    { delayMs: 15_000, polls: 2 },
    { delayMs: 60_000, polls: 1 },
    { delayMs: 300_000, polls: Infinity },
  ];

  it("walks the steps as unchanged polls accumulate and stays on the last one", () => {
    expect([0, 1, 2, 3, 4, 1_000].map((unchanged) => backoffDelayMs(backoff, unchanged))).toEqual([
      15_000, 15_000, 60_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("backs the sent list off from 15 s to a minute to five minutes", () => {
    const delays = Array.from({ length: 12 }, (_, unchanged) =>
      backoffDelayMs(SENT_LIST_BACKOFF, unchanged),
    );
    expect(delays.slice(0, 4)).toEqual([15_000, 15_000, 15_000, 15_000]);
    expect(delays.slice(4, 8)).toEqual([60_000, 60_000, 60_000, 60_000]);
    expect(new Set(delays.slice(8))).toEqual(new Set([300_000]));
  });

  it("never shortens the delay as a status keeps not changing", () => {
    for (const schedule of [SENT_LIST_BACKOFF, MANAGE_BACKOFF]) {
      const delays = Array.from({ length: 40 }, (_, unchanged) =>
        backoffDelayMs(schedule, unchanged),
      );
      expect(delays).toEqual([...delays].sort((a, b) => a - b));
    }
  });
});

describe("PollBudget", () => {
  function clock() {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it("lets at most perMinute polls start within any minute and says when the next may", () => {
    const time = clock();
    const budget = new PollBudget(3, time.now);
    expect([budget.take(), budget.take()]).toEqual([true, true]);
    time.advance(20_000);
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    expect(budget.msUntilFree()).toBe(40_000);
    time.advance(39_999);
    expect(budget.take()).toBe(false);
    time.advance(1);
    expect(budget.msUntilFree()).toBe(0);
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
  });

  it("keeps a tab's polling of 50 sent links far below the server's manage limit in every minute", () => {
    const time = clock();
    const budget = new PollBudget(STATUS_POLLS_PER_MINUTE, time.now);
    const started: number[] = [];
    // 50 entries all on screen, each wanting a poll every 15 s: try every second for 10 minutes.
    const nextDue = new Array<number>(50).fill(time.now());
    for (let second = 0; second < 600; second++) {
      for (let entry = 0; entry < nextDue.length; entry++) {
        if (nextDue[entry]! <= time.now() && budget.take()) {
          started.push(time.now());
          nextDue[entry] = time.now() + backoffDelayMs(SENT_LIST_BACKOFF, 0);
        }
      }
      time.advance(1_000);
    }
    const busiest = Math.max(
      ...started.map(
        (at) => started.filter((other) => other >= at && other < at + MINUTE_MS).length,
      ),
    );
    expect(busiest).toBe(STATUS_POLLS_PER_MINUTE);
    expect(busiest).toBeLessThanOrEqual(SERVER_MANAGE_LIMIT_PER_MINUTE / 3);
  });
});
