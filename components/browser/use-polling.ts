import { useEffect, useRef, useState, type RefObject } from "react";
import { backoffDelayMs, statusPollBudget, type Backoff, type PollBudget } from "./polling";

/** What a poll found: something new, nothing new, or nothing more to wait for. */
export type PollOutcome = "changed" | "unchanged" | "stop";

export interface PollingOptions {
  /** Delays between polls; may change between renders (an active secret that settles). */
  backoff: Backoff;
  /** Poll only while this element is on screen; without it, while the tab is visible. */
  target?: RefObject<Element | null>;
  budget?: PollBudget;
}

/**
 * Calls `poll` now and then again after the backoff's delay, but only while the tab is
 * visible (and `target`, if given, is on screen), each call drawing from the tab's budget
 * (components/browser/polling.ts). Coming back into view polls at once if a poll is due.
 * A poll that fails counts as unchanged, so an outage is not hammered.
 *
 * Returns how many polls have completed. The next poll is always scheduled before that
 * count changes, which lets a test with a fake clock know when to move time on.
 */
export function usePolling(
  poll: () => Promise<PollOutcome>,
  { backoff, target, budget = statusPollBudget }: PollingOptions,
): number {
  const [completed, setCompleted] = useState(0);
  const latestPoll = useRef(poll);
  const latestBackoff = useRef(backoff);
  useEffect(() => {
    latestPoll.current = poll;
    latestBackoff.current = backoff;
  });

  useEffect(() => {
    let unmounted = false;
    let finished = false;
    let inFlight = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastStartedAt: number | null = null;
    let unchanged = 0;
    let pageVisible = document.visibilityState === "visible";
    let onScreen = target === undefined;

    const active = () => !unmounted && !finished && pageVisible && onScreen;

    function schedule() {
      clearTimeout(timer);
      timer = undefined;
      if (!active() || inFlight) return;
      const dueIn =
        lastStartedAt === null
          ? 0
          : lastStartedAt + backoffDelayMs(latestBackoff.current, unchanged) - Date.now();
      const wait = Math.max(dueIn, budget.msUntilFree(), 0);
      if (wait === 0) run();
      else timer = setTimeout(run, wait);
    }

    function run() {
      timer = undefined;
      if (!active() || inFlight) return;
      if (!budget.take()) {
        schedule();
        return;
      }
      inFlight = true;
      lastStartedAt = Date.now();
      latestPoll
        .current()
        .catch((): PollOutcome => "unchanged")
        .then((outcome) => {
          inFlight = false;
          if (unmounted) return;
          if (outcome === "stop") finished = true;
          unchanged = outcome === "changed" ? 0 : unchanged + 1;
          schedule();
          setCompleted((count) => count + 1);
        });
    }

    function onVisibility() {
      pageVisible = document.visibilityState === "visible";
      schedule();
    }
    document.addEventListener("visibilitychange", onVisibility);

    let observer: IntersectionObserver | undefined;
    const element = target?.current;
    if (target !== undefined) {
      if (element && typeof IntersectionObserver !== "undefined") {
        observer = new IntersectionObserver((entries) => {
          onScreen = entries.some((entry) => entry.isIntersecting);
          schedule();
        });
        observer.observe(element);
      } else {
        onScreen = true;
      }
    }
    schedule();

    return () => {
      unmounted = true;
      clearTimeout(timer);
      observer?.disconnect();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [target, budget]);

  return completed;
}
