// A lost reveal answer is retried with the same claim for the grace only (issue 11 §2), with
// a clock the test moves by hand: sleeping advances it, so no real time passes.
import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import {
  RevealTimeoutError,
  isRetriableRevealFailure,
  revealRetryDelayMs,
  revealWithRetry,
} from "@/components/reveal/reveal-retry";

function fakeClock() {
  let nowMs = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => nowMs,
    sleep: (ms: number) => {
      slept.push(ms);
      nowMs += ms;
      return Promise.resolve();
    },
    slept,
  };
}

const networkError = () => new ApiError(0, "network_error", "Failed to fetch");
const unavailable = () => new ApiError(503, "store_unavailable", "The store is not answering.");

describe("isRetriableRevealFailure", () => {
  it("retries only failures that leave the outcome unknown", () => {
    expect(isRetriableRevealFailure(networkError())).toBe(true);
    expect(isRetriableRevealFailure(unavailable())).toBe(true);
    expect(isRetriableRevealFailure(new RevealTimeoutError())).toBe(true);
    expect(isRetriableRevealFailure(new ApiError(403, "wrong_passphrase", "Wrong."))).toBe(false);
    expect(isRetriableRevealFailure(new ApiError(410, "gone", "Viewed."))).toBe(false);
    expect(isRetriableRevealFailure(new ApiError(429, "rate_limited", "Slow down."))).toBe(false);
    expect(isRetriableRevealFailure(new ApiError(500, "internal_error", "Oops."))).toBe(false);
    expect(isRetriableRevealFailure(new Error("decrypt failed"))).toBe(false);
  });

  it("backs off from half a second to five seconds and stays there", () => {
    expect([0, 1, 2, 3, 4, 5, 50].map(revealRetryDelayMs)).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000,
    ]);
  });
});

describe("revealWithRetry", () => {
  it("returns the answer of a retry after a lost first answer and reports the retry", async () => {
    const clock = fakeClock();
    const retries: number[] = [];
    let calls = 0;
    const answer = await revealWithRetry(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(networkError()) : Promise.resolve("ciphertext");
      },
      {
        graceSeconds: 120,
        now: clock.now,
        sleep: clock.sleep,
        onRetry: (retry) => retries.push(retry),
      },
    );
    expect(answer).toBe("ciphertext");
    expect(calls).toBe(2);
    expect(retries).toEqual([1]);
    expect(clock.slept).toEqual([500]);
  });

  it("gives up with the last failure once the next try would start after the grace", async () => {
    const clock = fakeClock();
    let calls = 0;
    const failure = revealWithRetry(
      () => {
        calls += 1;
        return Promise.reject(unavailable());
      },
      { graceSeconds: 10, now: clock.now, sleep: clock.sleep },
    );
    await expect(failure).rejects.toMatchObject({ status: 503, code: "store_unavailable" });
    // 0.5 + 1 + 2 + 4 = 7.5 s; the next 5 s would end at 12.5 s, past the 10 s grace.
    expect(clock.slept).toEqual([500, 1_000, 2_000, 4_000]);
    expect(calls).toBe(5);
  });

  it("never retries a wrong passphrase or another answer", async () => {
    const clock = fakeClock();
    let calls = 0;
    const failure = revealWithRetry(
      () => {
        calls += 1;
        return Promise.reject(
          new ApiError(403, "wrong_passphrase", "Wrong.", {
            error: "wrong_passphrase",
            message: "Wrong.",
            attemptsLeft: 4,
          }),
        );
      },
      { graceSeconds: 120, now: clock.now, sleep: clock.sleep },
    );
    await expect(failure).rejects.toMatchObject({ code: "wrong_passphrase" });
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it("makes exactly one attempt when the server has no grace", async () => {
    const clock = fakeClock();
    let calls = 0;
    const failure = revealWithRetry(
      () => {
        calls += 1;
        return Promise.reject(networkError());
      },
      { graceSeconds: 0, now: clock.now, sleep: clock.sleep },
    );
    await expect(failure).rejects.toMatchObject({ code: "network_error" });
    expect(calls).toBe(1);
  });

  it("treats an attempt that never answers as a timeout and retries it", async () => {
    const clock = fakeClock();
    let calls = 0;
    const answer = await revealWithRetry(
      () => {
        calls += 1;
        return calls === 1 ? new Promise<string>(() => {}) : Promise.resolve("second");
      },
      { graceSeconds: 120, now: clock.now, sleep: clock.sleep, attemptTimeoutMs: 20 },
    );
    expect(answer).toBe("second");
    expect(calls).toBe(2);
  });
});
