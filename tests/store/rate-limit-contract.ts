/**
 * The rate limiter's contract (lib/store/rate-limit.ts), run by tests/store/contract.ts
 * on every driver: a take is all or nothing over its buckets, parallel takes never pass
 * more than the limit (across two store instances where they share a backend), drip
 * buckets free one unit per interval, costs above one count as such, and give() returns
 * what a take took.
 */
import { describe, expect, it } from "vitest";
import { rateLimiterFor, type RateLimitBucket, type RateLimiter } from "@/lib/store/rate-limit";
import type { SecretStore } from "@/lib/store/types";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

let serial = 0;
/** A fresh group per test, so tests never share counters (also ./admission-contract.ts). */
export function freshGroup(): string {
  serial += 1;
  return `rl:t${Date.now().toString(36)}${serial}`;
}

export const windowBucket = (name: string, limit: number, cost = 1): RateLimitBucket => ({
  name,
  limit,
  windowMs: MINUTE_MS,
  cost,
  shape: "window",
});
export const dripBucket = (name: string, limit: number): RateLimitBucket => ({
  name,
  limit,
  windowMs: HOUR_MS,
  cost: 1,
  shape: "drip",
});

export function describeRateLimiterContract(
  stores: () => { store: SecretStore; other: SecretStore },
  sharedBackend: boolean,
): void {
  describe("rate limiter", () => {
    const limiters = (): [RateLimiter, RateLimiter] => {
      const { store, other } = stores();
      const one = rateLimiterFor(store);
      return [one, sharedBackend ? rateLimiterFor(other) : one];
    };

    it("takes from every bucket or from none: a refusal by one bucket counts in no other", async () => {
      const [limiter] = limiters();
      const group = freshGroup();
      const now = Date.now();
      const wide = windowBucket("read:n:wide", 3);
      const narrowA = windowBucket("read:a:one", 1);
      const narrowB = windowBucket("read:a:two", 1);
      expect(await limiter.take(group, [narrowA, wide], now)).toEqual({ kind: "allowed" });
      const refused = await limiter.take(group, [narrowA, wide], now);
      expect(refused).toMatchObject({ kind: "refused", bucket: "read:a:one" });
      if (refused.kind === "refused") {
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(MINUTE_MS);
      }
      // The refusal above left the wide bucket at 1 of 3: two more fit.
      expect(await limiter.take(group, [narrowB, wide], now)).toEqual({ kind: "allowed" });
      expect(await limiter.take(group, [windowBucket("read:a:three", 1), wide], now)).toEqual({
        kind: "allowed",
      });
      expect(await limiter.take(group, [windowBucket("read:a:four", 1), wide], now)).toMatchObject({
        kind: "refused",
        bucket: "read:n:wide",
      });
    });

    it(`lets exactly 7 of 60 parallel takes through a limit of 7${sharedBackend ? " across two store instances" : ""}`, async () => {
      const [one, two] = limiters();
      const group = freshGroup();
      const now = Date.now();
      const buckets = [windowBucket("read:a:x", 7), dripBucket("pass:a:x", 100)];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 ? two : one).take(group, buckets, now)),
      );
      expect(results.filter((r) => r.kind === "allowed")).toHaveLength(7);
      expect(results.filter((r) => r.kind === "refused")).toHaveLength(53);
    });

    it("a drip bucket of 3 an hour is full after 3 and frees one attempt 20 minutes later, not an hour later", async () => {
      const [limiter] = limiters();
      const group = freshGroup();
      const now = Date.now();
      const bucket = dripBucket("pass:a:x", 3);
      for (let i = 0; i < 3; i += 1)
        expect(await limiter.take(group, [bucket], now)).toEqual({ kind: "allowed" });
      const refused = await limiter.take(group, [bucket], now + 1000);
      expect(refused).toMatchObject({ kind: "refused", bucket: "pass:a:x" });
      if (refused.kind === "refused") {
        expect(refused.retryAfterMs).toBeGreaterThan(20 * MINUTE_MS - 2000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(20 * MINUTE_MS);
      }
      expect(await limiter.take(group, [bucket], now + 20 * MINUTE_MS)).toEqual({
        kind: "allowed",
      });
      expect(await limiter.take(group, [bucket], now + 20 * MINUTE_MS)).toMatchObject({
        kind: "refused",
      });
    });

    it("give hands back what a take took, on both shapes, and never below empty", async () => {
      const [limiter] = limiters();
      const group = freshGroup();
      const now = Date.now();
      const buckets = [windowBucket("read:a:x", 2), dripBucket("pass:a:x", 2)];
      expect(await limiter.take(group, buckets, now)).toEqual({ kind: "allowed" });
      expect(await limiter.take(group, buckets, now)).toEqual({ kind: "allowed" });
      expect(await limiter.take(group, buckets, now)).toMatchObject({ kind: "refused" });
      await limiter.give(group, buckets, now);
      expect(await limiter.take(group, buckets, now)).toEqual({ kind: "allowed" });
      for (let i = 0; i < 5; i += 1) await limiter.give(group, buckets, now);
      // Emptied, not negative: exactly two fit again.
      expect(await limiter.take(group, buckets, now)).toEqual({ kind: "allowed" });
      expect(await limiter.take(group, buckets, now)).toEqual({ kind: "allowed" });
      expect(await limiter.take(group, buckets, now)).toMatchObject({ kind: "refused" });
    });

    it("counts costs as units (a byte budget), and lets one request larger than the whole budget pass an empty bucket", async () => {
      const [limiter] = limiters();
      const group = freshGroup();
      const now = Date.now();
      expect(await limiter.take(group, [windowBucket("create:g:bytes", 100, 60)], now)).toEqual({
        kind: "allowed",
      });
      expect(
        await limiter.take(group, [windowBucket("create:g:bytes", 100, 60)], now),
      ).toMatchObject({ kind: "refused" });
      expect(await limiter.take(group, [windowBucket("create:g:bytes", 100, 40)], now)).toEqual({
        kind: "allowed",
      });
      const other = freshGroup();
      expect(await limiter.take(other, [windowBucket("create:g:bytes", 100, 5000)], now)).toEqual({
        kind: "allowed",
      });
      expect(
        await limiter.take(other, [windowBucket("create:g:bytes", 100, 1)], now),
      ).toMatchObject({ kind: "refused" });
    });

    it("refuses malformed groups and bucket names before they reach a key", async () => {
      const [limiter] = limiters();
      await expect(
        limiter.take("rl:{x}", [windowBucket("read:a:x", 1)], Date.now()),
      ).rejects.toThrow(TypeError);
      await expect(limiter.take("rl:x", [windowBucket("read a x", 1)], Date.now())).rejects.toThrow(
        TypeError,
      );
      await expect(limiter.take("rl:x", [windowBucket("read:a:x", 0)], Date.now())).rejects.toThrow(
        TypeError,
      );
      await expect(limiter.take("rl:x", [], Date.now())).rejects.toThrow(TypeError);
    });
  });
}
