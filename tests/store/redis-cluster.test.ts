import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClusterStore } from "@/lib/store/redis-cluster-store";
import { StoreUnavailableError } from "@/lib/store/types";
import { startRedisCluster, type RedisCluster } from "../support/redis-server";
import { describeAuthStoreContract } from "./auth-contract";
import { describeStoreContract, type StoredData } from "./contract";
import { makeSecret, requester, waitFor } from "./helpers";

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
      throw new Error(`unexpected ${type} at ${key}`);
    },
    async pttl(key) {
      return (await owner(key)).pTTL(key);
    },
  };
}

describeStoreContract("redis-cluster", {
  keyPrefix,
  makeStore: () => createRedisClusterStore({ nodes: cluster.seeds, keyPrefix }),
  sharedBackend: true,
  stored,
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
