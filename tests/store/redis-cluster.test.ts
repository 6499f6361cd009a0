import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClusterStore } from "@/lib/store/redis-cluster-store";
import { StoreUnavailableError } from "@/lib/store/types";
import { startRedisCluster, type RedisCluster } from "../support/redis-server";
import { describeAuthStoreContract } from "./auth-contract";
import { describeOwnerIndexContract } from "./owner-contract";
import { describeStoreContract, type StoredData } from "./contract";
import { describeWebhookQueueContract } from "./webhook-queue-contract";
import { describeEventContract } from "./event-contract";
import { memberOf, pendingKey, shardOf } from "@/lib/store/event-keys";
import { eventSourceFor } from "@/lib/store/event-source";
import { describeRequestStoreContract } from "./request-contract";
import { makeSecret, requester, waitFor } from "./helpers";
import { describeNoCommandTimeouts } from "./command-timeouts";

const keyPrefix = "burnlink-test";
let cluster: RedisCluster;
let inspectors: ReturnType<typeof createClient>[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  inspectors = cluster.nodes.map((node) => createClient({ url: node.url, RESP: 2 }));
  await Promise.all(inspectors.map((inspector) => inspector.connect()));
});

afterAll(async () => {
  await Promise.all(inspectors.map((inspector) => inspector.close()));
  await cluster?.stop();
});

/** Looks at every node: a key lives only on the one that owns its slot. */
function stored(): StoredData {
  const owner = async (key: string) => {
    for (const inspector of inspectors) {
      // Nodes that do not own the key's slot answer MOVED.
      const exists = await inspector.exists(key).catch(() => 0);
      if (exists === 1) return inspector;
    }
    throw new Error(`no node holds ${key}`);
  };
  return {
    async keys(pattern) {
      return (await Promise.all(inspectors.map((inspector) => inspector.keys(pattern)))).flat();
    },
    async values(key) {
      const inspector = await owner(key);
      const type = await inspector.type(key);
      if (type === "string") return [(await inspector.get(key)) ?? ""];
      if (type === "hash") return Object.entries(await inspector.hGetAll(key)).flat();
      if (type === "list") return inspector.lRange(key, 0, -1);
      throw new Error(`unexpected ${type} at ${key}`);
    },
    async pttl(key) {
      return (await owner(key)).pTTL(key);
    },
  };
}

describeOwnerIndexContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeStoreContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeRequestStoreContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeEventContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeWebhookQueueContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
});

/** The node that holds `key` (the others answer MOVED). */
async function nodeHolding(nodes: RedisCluster["nodes"], key: string) {
  for (const node of nodes) {
    const probe = createClient({ url: node.url, RESP: 2 });
    await probe.connect();
    const held = await probe.exists(key).catch(() => 0);
    await probe.close();
    if (held === 1) return node;
  }
  throw new Error(`no node holds ${key}`);
}

describe("redis-cluster store after its deadline (issue 10 item 5)", () => {
  function requests(secret: ReturnType<typeof makeSecret>) {
    const access = { id: secret.input.id, accessVerifier: secret.access.verifier, requester: requester() };
    return {
      reveal: () => ({ ...access, unlockVerifier: secret.unlock.verifier, nowMs: Date.now() }),
      check: () => ({ ...access, nowMs: Date.now() }),
    };
  }

  it("never turns a NOSCRIPT that comes back late into an EVAL that uses up the view", async () => {
    const store = createRedisClusterStore({ nodes: cluster.seeds, keyPrefix });
    try {
      const secret = makeSecret();
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      const owner = await nodeHolding(cluster.nodes, `${keyPrefix}:{${secret.input.id}}:meta`);
      const admin = createClient({ url: owner.url });
      await admin.connect();
      await admin.scriptFlush();
      await admin.close();
      const { reveal, check } = requests(secret);
      owner.pause();
      let failed: unknown;
      try {
        await store.reveal(reveal());
      } catch (error) {
        failed = error;
      } finally {
        owner.resume();
      }
      expect(failed).toBeInstanceOf(StoreUnavailableError);
      // Same node connection, behind whatever the late reveal would still send.
      expect(await store.check(check())).toMatchObject({ kind: "ok", viewsLeft: 1 });
      expect(await store.reveal(reveal())).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
    } finally {
      await store.close();
    }
  });

  it("drops a command that waited for the cluster connection past the deadline instead of sending it late", async () => {
    const secret = makeSecret();
    const writer = createRedisClusterStore({ nodes: cluster.seeds, keyPrefix });
    expect(await writer.create(secret.input)).toMatchObject({ kind: "created" });
    await writer.close();
    // A new store whose first connection (topology discovery) cannot finish in time.
    const store = createRedisClusterStore({ nodes: cluster.seeds, keyPrefix });
    const { reveal, check } = requests(secret);
    try {
      for (const node of cluster.nodes) node.pause();
      let failed: unknown;
      try {
        await store.reveal(reveal());
      } catch (error) {
        failed = error;
      } finally {
        for (const node of cluster.nodes) node.resume();
      }
      expect(failed).toBeInstanceOf(StoreUnavailableError);
      // The check waits for the same connection as the late reveal did, and runs after it.
      const checked = await waitFor(
        () => store.check(check()).then((result) => result, () => undefined),
        "the cluster to answer again",
        { timeoutMs: 20_000 },
      );
      expect(checked).toMatchObject({ kind: "ok", viewsLeft: 1 });
    } finally {
      await store.close();
    }
  });
});
describeAuthStoreContract("redis-cluster", { makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }), stored });

describe("redis-cluster store when a node fails", () => {
  it("rejects promptly with StoreUnavailableError for secrets on a killed master, and recovers when it restarts", async () => {
    const own = await startRedisCluster();
    const store = createRedisClusterStore({ nodes: own.seeds, keyPrefix });
    try {
      const secret = makeSecret({ maxViews: 2 });
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      const slotOwner = await (async () => {
        for (const node of own.nodes) {
          const probe = createClient({ url: node.url, RESP: 2 });
          await probe.connect();
          const held = await probe.exists(`${keyPrefix}:{${secret.input.id}}:meta`).catch(() => 0);
          await probe.close();
          if (held === 1) return node;
        }
        throw new Error("no node holds the secret");
      })();
      const reveal = () =>
        store.reveal({
          id: secret.input.id,
          accessVerifier: secret.access.verifier,
          unlockVerifier: secret.unlock.verifier,
          nowMs: Date.now(),
          requester: requester(),
        });

      await slotOwner.kill();
      const started = Date.now();
      await expect(reveal()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);

      // Without persistence the restarted master comes back empty, but it keeps its
      // slots (nodes.conf survives), so the store must reach it again by itself.
      // Meanwhile the cluster answers CLUSTERDOWN for some seconds: StoreUnavailableError too.
      await slotOwner.start();
      const afterRestart = await waitFor(
        () => reveal().then((result) => result, () => undefined),
        "the restarted master to answer",
        { timeoutMs: 20_000 },
      );
      expect(afterRestart).toEqual({ kind: "not_found" });
      const fresh = makeSecret();
      expect(await store.create(fresh.input)).toMatchObject({ kind: "created" });
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
describe("redis-cluster events when the pointer after the script is lost (issue 14 §1)", () => {
  it("recovers a lost pending pointer at the expiry sweep: the events are late, never lost", async () => {
    const store = createRedisClusterStore({ nodes: cluster.seeds, keyPrefix });
    try {
      const nowMs = Date.now();
      const secret = makeSecret({ nowMs, ttlSeconds: 60 });
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      const ref = { subject: "secret" as const, id: secret.input.id };
      const pending = pendingKey(keyPrefix, shardOf(ref.id));
      // What a crash between the create script and the driver's ZADD leaves behind.
      const owner = await nodeHolding(cluster.nodes, pending);
      const admin = createClient({ url: owner.url, RESP: 2 });
      await admin.connect();
      try {
        expect(await admin.zRem(pending, memberOf(ref))).toBe(1);
        const events = eventSourceFor(store);
        const isPending = async () => (await events.pending(shardOf(ref.id), 100_000)).some((entry) => entry.id === ref.id);
        expect(await isPending()).toBe(false);
        // The schedule was written before the script, so the sweep finds the subject.
        expect((await events.dueExpiries(shardOf(ref.id), nowMs + 60_000, 100_000)).some((entry) => entry.id === ref.id)).toBe(true);
        expect(await events.expire(ref, nowMs + 60_000)).toBe("recorded");
        expect(await isPending()).toBe(true);
        expect((await events.take(ref, 10)).map((event) => event.type)).toEqual(["secret.created", "secret.expired"]);
      } finally {
        await admin.close();
      }
    } finally {
      await store.close();
    }
  });
});

describeNoCommandTimeouts("redis-cluster", () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }));
