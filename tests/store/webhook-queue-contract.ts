/**
 * The contract of the webhook delivery queue (lib/store/webhook-types.ts, issue 14 §2), run
 * on every driver: memory, Redis, Redis Cluster and Upstash, races included. Each test has
 * a queue of its own (a fresh key prefix on the shared backend), so claims of one test never
 * see the jobs of another.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ScriptedStore } from "@/lib/store/scripted-store";
import type { SecretStore } from "@/lib/store/types";
import { MemoryWebhookQueue } from "@/lib/store/webhook-memory-queue";
import { ScriptedWebhookQueue } from "@/lib/store/webhook-scripted-queue";
import { webhookQueueFor, type WebhookJob, type WebhookQueue } from "@/lib/store/webhook-queue";
import type { ContractHarness } from "./contract";

const T0 = 1_800_000_000_000;
const VISIBILITY_MS = 60_000;

export function makeJob(overrides: Partial<WebhookJob> = {}): WebhookJob {
  return {
    id: `msg_${randomBytes(24).toString("base64url")}`,
    target: { kind: "endpoint", urlKey: randomBytes(32).toString("hex") },
    body: JSON.stringify({ type: "secret.viewed", timestamp: "2027-01-15T08:00:00.000Z", data: { secret: "x".repeat(22), note: "ü/\u2028" } }),
    attempts: 0,
    enqueuedAtMs: T0,
    ...overrides,
  };
}

const stateKey = () => randomBytes(32).toString("hex");

export function describeWebhookQueueContract(name: string, harness: ContractHarness): void {
  describe(`${name} webhook queue contract`, () => {
    let store: SecretStore;
    let otherStore: SecretStore;

    beforeAll(async () => {
      store = await harness.makeStore();
      otherStore = harness.sharedBackend ? await harness.makeStore() : store;
    });

    afterAll(async () => {
      await store.close();
      if (otherStore !== store) await otherStore.close();
    });

    /** Two handles on one fresh queue, as two app instances see it. */
    function freshQueues(): [WebhookQueue, WebhookQueue] {
      const prefix = `wh-${randomBytes(6).toString("hex")}`;
      if (store instanceof ScriptedStore && otherStore instanceof ScriptedStore) {
        return [new ScriptedWebhookQueue(store.runner, prefix), new ScriptedWebhookQueue(otherStore.runner, prefix)];
      }
      const queue = new MemoryWebhookQueue();
      return [queue, queue];
    }

    it("belongs to its store: the same queue each time, on the store's backend", () => {
      expect(webhookQueueFor(store)).toBe(webhookQueueFor(store));
      expect(webhookQueueFor(store)).toBeInstanceOf(store instanceof ScriptedStore ? ScriptedWebhookQueue : MemoryWebhookQueue);
    });

    it("is the same queue from another copy of the module (Next loads it once per bundle)", async () => {
      // instrumentation.ts and the route handlers are separate bundles: each has its own copy
      // of this module and of the ScriptedStore class, but they share getStore()'s one store.
      const queue = webhookQueueFor(store);
      vi.resetModules();
      const copy = await import("@/lib/store/webhook-queue");
      expect(copy.webhookQueueFor).not.toBe(webhookQueueFor);
      expect(copy.webhookQueueFor(store)).toBe(queue);
    });

    it("hands out a queued job once it is due, with its body byte for byte", async () => {
      const [queue] = freshQueues();
      const job = makeJob();
      expect(await queue.enqueue([job], T0 + 1000, T0)).toBe(1);
      expect(await queue.claim(T0 + 999, 10, VISIBILITY_MS)).toEqual([]);
      const claimed = await queue.claim(T0 + 1000, 10, VISIBILITY_MS);
      expect(claimed.map((entry) => entry.job)).toEqual([job]);
      expect(claimed[0]!.job.body).toBe(job.body);
      expect(await queue.depth()).toBe(1);
    });

    it("queues a job id once: a redelivered event, and one already completed, are not queued again", async () => {
      const [queue, other] = freshQueues();
      const job = makeJob();
      expect(await queue.enqueue([job, job], T0, T0)).toBe(1);
      expect(await other.enqueue([job], T0, T0)).toBe(0);
      expect(await queue.depth()).toBe(1);
      const [claimed] = await queue.claim(T0, 10, VISIBILITY_MS);
      expect(await queue.complete(job.id, claimed!.lease, T0 + 1)).toBe(true);
      expect(await queue.depth()).toBe(0);
      expect(await other.enqueue([job], T0 + 2, T0 + 2)).toBe(0);
      expect(await queue.claim(T0 + 3, 10, VISIBILITY_MS)).toEqual([]);
    });

    it("hands out due jobs oldest first, at most `limit` per claim", async () => {
      const [queue] = freshQueues();
      const jobs = [makeJob(), makeJob(), makeJob()];
      await queue.enqueue([jobs[2]!], T0 + 3, T0);
      await queue.enqueue([jobs[0]!], T0 + 1, T0);
      await queue.enqueue([jobs[1]!], T0 + 2, T0);
      expect((await queue.claim(T0 + 10, 2, VISIBILITY_MS)).map((entry) => entry.job.id)).toEqual([jobs[0]!.id, jobs[1]!.id]);
      expect((await queue.claim(T0 + 10, 2, VISIBILITY_MS)).map((entry) => entry.job.id)).toEqual([jobs[2]!.id]);
    });

    it("hides a claimed job until its visibility ends, then hands it out again and refuses the first, stale lease", async () => {
      const [queue, other] = freshQueues();
      const job = makeJob();
      await queue.enqueue([job], T0, T0);
      const [first] = await queue.claim(T0, 10, VISIBILITY_MS);
      expect(await other.claim(T0 + VISIBILITY_MS - 1, 10, VISIBILITY_MS)).toEqual([]);
      // The first worker "crashed": the job comes back to the next claim.
      const [second] = await other.claim(T0 + VISIBILITY_MS, 10, VISIBILITY_MS);
      expect(second?.job.id).toBe(job.id);
      expect(second!.lease).not.toBe(first!.lease);
      expect(await queue.complete(job.id, first!.lease, T0 + VISIBILITY_MS + 1)).toBe(false);
      expect(await queue.reschedule({ ...job, attempts: 1 }, first!.lease, T0)).toBe(false);
      expect(await queue.depth()).toBe(1);
      expect(await other.complete(job.id, second!.lease, T0 + VISIBILITY_MS + 2)).toBe(true);
      expect(await queue.depth()).toBe(0);
    });

    it("reschedules a job with its attempts counted, due at the new time, under a new lease next time", async () => {
      const [queue, other] = freshQueues();
      const job = makeJob();
      await queue.enqueue([job], T0, T0);
      const [claimed] = await queue.claim(T0, 10, VISIBILITY_MS);
      expect(await queue.reschedule({ ...job, attempts: 1 }, claimed!.lease, T0 + 5000)).toBe(true);
      // Its lease ended with the reschedule.
      expect(await queue.complete(job.id, claimed!.lease, T0 + 1)).toBe(false);
      expect(await other.claim(T0 + 4999, 10, VISIBILITY_MS)).toEqual([]);
      const [again] = await other.claim(T0 + 5000, 10, VISIBILITY_MS);
      expect(again?.job).toEqual({ ...job, attempts: 1 });
    });

    it("never hands one job to two of many concurrent claims on two connections", async () => {
      const [queue, other] = freshQueues();
      const jobs = Array.from({ length: 60 }, () => makeJob());
      await queue.enqueue(jobs, T0, T0);
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? queue : other).claim(T0 + 1, 7, VISIBILITY_MS)),
      );
      const ids = claims.flat().map((entry) => entry.job.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(60);
      expect(new Set(ids)).toEqual(new Set(jobs.map((job) => job.id)));
    });

    it("lets exactly one of many concurrent completes of a job win, and only with its lease", async () => {
      const [queue, other] = freshQueues();
      const job = makeJob();
      await queue.enqueue([job], T0, T0);
      const [claimed] = await queue.claim(T0, 1, VISIBILITY_MS);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? queue : other).complete(job.id, claimed!.lease, T0 + 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("records an endpoint disabled once for the whole deployment: only the first disabler hears true", async () => {
      const [queue, other] = freshQueues();
      const key = stateKey();
      expect(await queue.disabledAt(key)).toBeNull();
      const results = await Promise.all([queue.disable(key, T0), other.disable(key, T0 + 1), queue.disable(key, T0 + 2)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect([T0, T0 + 1, T0 + 2]).toContain(await other.disabledAt(key));
      expect(await queue.disabledAt(stateKey())).toBeNull();
    });

    it("keeps the time an endpoint started failing until a success, for the 24 h rule", async () => {
      const [queue, other] = freshQueues();
      const key = stateKey();
      expect(await queue.recordFailure(key, T0)).toBe(T0);
      expect(await other.recordFailure(key, T0 + 60_000)).toBe(T0);
      await other.recordSuccess(key);
      expect(await queue.recordFailure(key, T0 + 120_000)).toBe(T0 + 120_000);
    });

    it("refuses malformed job ids and state keys before they reach the store", async () => {
      const [queue] = freshQueues();
      await expect(queue.enqueue([makeJob({ id: "msg_short" })], T0, T0)).rejects.toThrow(TypeError);
      await expect(queue.enqueue([makeJob({ target: { kind: "endpoint", urlKey: "x" } })], T0, T0)).rejects.toThrow(TypeError);
      await expect(queue.disable("not-hex", T0)).rejects.toThrow(TypeError);
      expect(await queue.complete("*", "lease", T0)).toBe(false);
    });
  });
}
