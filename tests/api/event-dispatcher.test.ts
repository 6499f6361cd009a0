/**
 * The dispatcher of lib/server/events on the memory store and on a real redis-server shared
 * by two dispatchers (as two app instances share it): every event reaches the sinks, a sink
 * that fails gets the same events again (at least once, nothing acknowledged before every
 * sink resolved), and two dispatchers on one Redis deliver each event once while healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventDispatcher } from "@/lib/server/events/dispatcher";
import type { BurnlinkEvent, EventSink } from "@/lib/server/events/types";
import { createMemoryStore } from "@/lib/store/memory-store";
import { createRedisStore } from "@/lib/store/redis-store";
import { eventSourceFor } from "@/lib/store/event-source";
import type { SecretStore } from "@/lib/store/types";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { makeSecret, requester, waitFor } from "../store/helpers";

/** A sink that records what it was given, and fails while `failing` is set. */
function recordingSink(name: string): EventSink & { seen: BurnlinkEvent[]; failing: boolean } {
  const sink = {
    name,
    seen: [] as BurnlinkEvent[],
    failing: false,
    async deliver(events: readonly BurnlinkEvent[]) {
      if (sink.failing) throw new Error("the receiver is down");
      sink.seen.push(...events);
    },
  };
  return sink;
}

const keyOf = (event: BurnlinkEvent) => `${event.id}/${event.seq}`;

describe("the event dispatcher", () => {
  let redis: RedisServer;
  const stores: SecretStore[] = [];
  const dispatchers: EventDispatcher[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });

  function started(store: SecretStore, sinks: EventSink[]): EventDispatcher {
    const dispatcher = new EventDispatcher(eventSourceFor(store), sinks, { pollMs: 50, sweepMs: 60_000 });
    dispatcher.start();
    dispatchers.push(dispatcher);
    return dispatcher;
  }

  it("redelivers to every sink what one sink failed to take, on the memory store", async () => {
    const store = createMemoryStore();
    stores.push(store);
    const audit = recordingSink("audit");
    const webhooks = recordingSink("webhooks");
    webhooks.failing = true;
    started(store, [audit, webhooks]);
    const secret = makeSecret({ maxViews: 2 });
    await store.create(secret.input);
    await store.reveal({ id: secret.input.id, accessVerifier: secret.access.verifier, unlockVerifier: secret.unlock.verifier, nowMs: Date.now(), requester: requester() });
    // The audit sink took the batch, but the webhook sink refused it: it comes again.
    await waitFor(async () => (audit.seen.length >= 4 ? true : undefined), "the batch to be offered twice");
    expect(webhooks.seen).toEqual([]);
    webhooks.failing = false;
    await waitFor(async () => (webhooks.seen.length === 2 ? true : undefined), "the webhook sink to get the batch");
    expect(webhooks.seen.map((event) => event.type)).toEqual(["secret.created", "secret.viewed"]);
    // Redelivered events are the same events: same subject, id and seq.
    expect(new Set(audit.seen.map(keyOf))).toEqual(new Set(webhooks.seen.map(keyOf)));
    await waitFor(async () => ((await eventSourceFor(store).pending(0, 1000)).length + (await eventSourceFor(store).take({ subject: "secret", id: secret.input.id }, 10)).length === 0 ? true : undefined), "the outbox to be acknowledged");
  });

  it("takes no lease on a shard with nothing to do: an idle round is one read per shard", async () => {
    // Its own key prefix: the other cases' dispatchers share this redis-server.
    const store = createRedisStore({ url: redis.url, keyPrefix: "idle-round" });
    stores.push(store);
    const real = eventSourceFor(store);
    const calls: string[] = [];
    // The real source on the real Redis, with its calls written down.
    const counted = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const audit = recordingSink("audit");
    // Not started: each round is run by hand, so nothing here waits on a timer.
    const dispatcher = new EventDispatcher(counted, [audit], { pollMs: 60_000, sweepMs: 60_000 });
    await dispatcher.round();
    // The first round also sweeps: one look at the schedule per shard, and ONE look at every
    // shard's pending index (a single script on Redis), nothing read per shard, nothing leased.
    expect(calls.filter((name) => name === "dueExpiries")).toHaveLength(real.shards);
    expect(calls.filter((name) => name === "busyShards")).toHaveLength(1);
    expect(calls.filter((name) => name === "pending")).toEqual([]);
    expect(calls.filter((name) => name === "tryLease" || name === "release")).toEqual([]);

    const secret = makeSecret();
    await store.create(secret.input);
    calls.length = 0;
    await dispatcher.round();
    // The one shard with an event: seen busy, leased, read, taken, acknowledged, released.
    expect(calls.filter((name) => name === "busyShards")).toHaveLength(1);
    expect(calls.filter((name) => name === "tryLease")).toHaveLength(1);
    expect(calls.filter((name) => name === "release")).toHaveLength(1);
    expect(calls.filter((name) => name === "pending")).toHaveLength(1);
    expect(audit.seen.map((event) => event.type)).toEqual(["secret.created"]);
  });

  it("delivers each event once with two dispatchers on one Redis", async () => {
    const [one, two] = [createRedisStore({ url: redis.url }), createRedisStore({ url: redis.url })];
    stores.push(one, two);
    const [first, second] = [recordingSink("audit"), recordingSink("audit")];
    started(one, [first]);
    started(two, [second]);
    const secrets = Array.from({ length: 20 }, () => makeSecret({ maxViews: 3 }));
    await Promise.all(secrets.map((secret, i) => (i % 2 ? one : two).create(secret.input)));
    for (const secret of secrets) {
      await two.reveal({ id: secret.input.id, accessVerifier: secret.access.verifier, unlockVerifier: secret.unlock.verifier, nowMs: Date.now(), requester: requester() });
    }
    const all = () => [...first.seen, ...second.seen];
    await waitFor(async () => (all().length >= 40 ? true : undefined), "every event to be delivered");
    const source = eventSourceFor(one);
    await waitFor(async () => {
      for (let shard = 0; shard < source.shards; shard += 1) if ((await source.pending(shard, 10)).length > 0) return undefined;
      return true;
    }, "every outbox to be acknowledged");
    const keys = all().map(keyOf);
    expect(keys).toHaveLength(40);
    expect(new Set(keys).size).toBe(40);
  });
});
