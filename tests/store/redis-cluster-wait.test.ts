/**
 * REDIS_WAIT_REPLICAS on the Redis Cluster driver (issue 11 §3: "on Cluster, WAIT goes to
 * the node that ran the script"), on a real cluster of 3 masters with one replica each:
 * a change is answered once the replica of the secret's own master has it, a paused
 * replica there makes it 503 without releasing anything, and a paused replica of another
 * master changes nothing for this secret. Also pins the slot function the driver uses to
 * find that master against the cluster's own CLUSTER KEYSLOT.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterKeySlot } from "@/lib/store/cluster-slot";
import { createRedisClusterStore } from "@/lib/store/redis-cluster-store";
import { StoreUnavailableError, type SecretStore } from "@/lib/store/types";
import { clusterNodesSeenBy, startRedisCluster, type RedisCluster, type RedisServer } from "../support/redis-server";
import { makeProof, makeSecret, randomId, requester, waitFor, type Proof, type TestSecret } from "./helpers";

const keyPrefix = "burnlink-cluster-wait";
let cluster: RedisCluster;
let store: SecretStore;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  store = createRedisClusterStore({
    nodes: cluster.seeds,
    keyPrefix,
    commandTimeoutMs: 5_000,
    durability: { waitReplicas: 1, waitTimeoutMs: 300 },
  });
});

afterAll(async () => {
  for (const node of cluster?.nodes ?? []) node.resume();
  await store?.close();
  await cluster?.stop();
});

const metaKey = (secret: TestSecret) => `${keyPrefix}:{${secret.input.id}}:meta`;

/** The master that owns the secret's slot and its replica, plus a replica of another master (CLUSTER NODES). */
async function shardOf(secret: TestSecret): Promise<{ master: RedisServer; replica: RedisServer; other: RedisServer }> {
  const slot = clusterKeySlot(metaKey(secret));
  const view = await clusterNodesSeenBy(cluster.nodes[0]!.port);
  const byPort = (port: number | undefined) => {
    const node = cluster.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    return node;
  };
  const master = view.find((node) => node.role === "master" && node.slots.some(([from, to]) => slot >= from && slot <= to));
  const replica = view.find((node) => node.role === "replica" && node.masterPort === master?.port);
  const other = view.find((node) => node.role === "replica" && node.masterPort !== master?.port);
  return { master: byPort(master?.port), replica: byPort(replica?.port), other: byPort(other?.port) };
}

function reveal(secret: TestSecret, claim: Proof) {
  return store.reveal({
    id: secret.input.id,
    accessVerifier: secret.access.verifier,
    unlockVerifier: secret.unlock.verifier,
    nowMs: Date.now(),
    requester: requester(),
    claim: { verifier: claim.verifier, graceSeconds: 120 },
  });
}

/** Reads a field on a replica (READONLY: a cluster replica otherwise answers MOVED). */
async function onReplica(replica: RedisServer, key: string, field: string): Promise<string | null> {
  const client = createClient({ url: replica.url, RESP: 2 });
  await client.connect();
  try {
    await client.sendCommand(["READONLY"]);
    return await client.hGet(key, field);
  } finally {
    await client.close();
  }
}

describe("clusterKeySlot", () => {
  it("agrees with the cluster's CLUSTER KEYSLOT for secret keys, tags and untagged keys", async () => {
    const admin = createClient({ url: cluster.nodes[0]!.url, RESP: 2 });
    await admin.connect();
    try {
      const keys = ["123456789", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "{}", "x{", ...Array.from({ length: 50 }, () => `${keyPrefix}:{${randomId()}}:meta`)];
      for (const key of keys) {
        expect(clusterKeySlot(key), key).toBe(Number(await admin.sendCommand(["CLUSTER", "KEYSLOT", key])));
      }
      // CRC16-XMODEM("123456789") = 0x31C3, the check value of the specification.
      expect(clusterKeySlot("123456789")).toBe(0x31c3 % 16384);
    } finally {
      await admin.close();
    }
  });
});

describe("REDIS_WAIT_REPLICAS=1 on a cluster with one replica per master", () => {
  it("answers a claimed reveal once the replica of the secret's own master has it", async () => {
    const secret = makeSecret({ maxViews: 1 });
    expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
    const { replica } = await shardOf(secret);
    expect(await reveal(secret, makeProof())).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 0 });
    // Acknowledged means there: no polling, the replica already has the view consumed.
    expect(await onReplica(replica, metaKey(secret), "state")).toBe("viewed");
  });

  it("is not held up by a paused replica of another master: WAIT runs on the secret's master only", async () => {
    const secret = makeSecret({ maxViews: 1 });
    await store.create(secret.input);
    const { master, other } = await shardOf(secret);
    other.pause();
    try {
      // A write on the other master that its paused replica cannot acknowledge: a WAIT sent to
      // every master (node-redis's routing for a bare WAIT) would now time out and answer 503.
      let elsewhere = makeSecret();
      while ((await shardOf(elsewhere)).master === master) elsewhere = makeSecret();
      expect(await store.create(elsewhere.input)).toMatchObject({ kind: "created" });
      expect(await reveal(secret, makeProof())).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
    } finally {
      other.resume();
    }
  });

  it("answers 503 without the ciphertext while the secret's replica is paused, then the same claim gets the view once", async () => {
    const secret = makeSecret({ maxViews: 1 });
    await store.create(secret.input);
    const { replica } = await shardOf(secret);
    await waitFor(async () => ((await onReplica(replica, metaKey(secret), "state")) === "active" ? true : undefined), "the create to replicate");
    const claim = makeProof();
    replica.pause();
    let failed: unknown;
    try {
      failed = await reveal(secret, claim).then(() => undefined, (error: unknown) => error);
    } finally {
      replica.resume();
    }
    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect((failed as Error).message).toMatch(/Only 0 of 1 Redis replicas acknowledged/);
    expect((failed as Error).message).not.toContain(secret.ciphertext);

    const retried = await waitFor(() => reveal(secret, claim).then((result) => result, () => undefined), "the replica to acknowledge");
    expect(retried).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 0 });
    expect(await reveal(secret, makeProof())).toMatchObject({ kind: "gone", reason: "viewed" });
    expect(await onReplica(replica, metaKey(secret), "state")).toBe("viewed");
  });

  it("waits for the secret's replica on a burn too", async () => {
    const secret = makeSecret({ maxViews: 1 });
    await store.create(secret.input);
    const { replica } = await shardOf(secret);
    replica.pause();
    try {
      const burn = store.burn({ id: secret.input.id, manageVerifier: secret.manage.verifier, nowMs: Date.now(), requester: requester() });
      await expect(burn).rejects.toThrow(/replicas acknowledged/);
    } finally {
      replica.resume();
    }
    await waitFor(async () => ((await onReplica(replica, metaKey(secret), "state")) === "burned" ? true : undefined), "the burn to replicate");
  });
});
