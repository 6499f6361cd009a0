/**
 * Durability across a Redis failover (issue 11 §3, PROTOCOL.md §6 "Durability") on real
 * processes: a primary with one replica (`--replicaof`) and REDIS_WAIT_REPLICAS=1. While the
 * replica is paused (SIGSTOP) a reveal cannot be acknowledged, so it answers 503 and releases
 * nothing; once the replica runs again the same claim gets the view, exactly once. And the
 * start-up report says what a restart can undo, read from the server's own CONFIG.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "@/lib/store/redis-store";
import { describePersistence, type ScriptedStore } from "@/lib/store/scripted-store";
import { StoreUnavailableError, type SecretStore } from "@/lib/store/types";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { makeProof, makeSecret, requester, waitFor, type Proof, type TestSecret } from "./helpers";

const keyPrefix = "burnlink-durability";
let primary: RedisServer;
let replica: RedisServer;
let replicaDir: string;
let store: SecretStore;
let inspector: ReturnType<typeof createClient>;

async function info(server: RedisServer): Promise<string> {
  const client = createClient({ url: server.url });
  await client.connect();
  try {
    return await client.info("replication");
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  primary = await startRedisServer();
  replicaDir = await mkdtemp(join(tmpdir(), "burnlink-replica-"));
  replica = await startRedisServer({
    args: ["--replicaof", "127.0.0.1", String(primary.port), "--dir", replicaDir],
  });
  await waitFor(
    async () =>
      (await info(replica)).includes("master_link_status:up") &&
      (await info(primary)).includes("connected_slaves:1")
        ? true
        : undefined,
    "the replica to sync",
    { timeoutMs: 20_000 },
  );
  store = createRedisStore({
    url: primary.url,
    keyPrefix,
    commandTimeoutMs: 5_000,
    durability: { waitReplicas: 1, waitTimeoutMs: 500 },
  });
  inspector = createClient({ url: replica.url, RESP: 2 });
  await inspector.connect();
});

afterAll(async () => {
  await inspector?.close();
  await store?.close();
  replica?.resume();
  await replica?.stop();
  await primary?.stop();
  if (replicaDir) await rm(replicaDir, { recursive: true, force: true });
});

function claimed(secret: TestSecret, claim: Proof) {
  return store.reveal({
    id: secret.input.id,
    accessVerifier: secret.access.verifier,
    unlockVerifier: secret.unlock.verifier,
    nowMs: Date.now(),
    requester: requester(),
    claim: { verifier: claim.verifier, graceSeconds: 120 },
  });
}

describe("REDIS_WAIT_REPLICAS=1 with a real primary and replica", () => {
  it("answers a reveal only once the replica has it: 503 while the replica is paused, then the same claim gets the view", async () => {
    const secret = makeSecret({ maxViews: 1 });
    expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
    const claim = makeProof();

    replica.pause();
    let paused: unknown;
    try {
      paused = await claimed(secret, claim).then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      replica.resume();
    }
    expect(paused).toBeInstanceOf(StoreUnavailableError);
    expect((paused as Error).message).toMatch(/Only 0 of 1 Redis replicas acknowledged/);
    expect((paused as Error).message).not.toContain(secret.ciphertext);

    // The step happened on the primary; with the replica back, the claim's retry gets it.
    const retried = await waitFor(
      () =>
        claimed(secret, claim).then(
          (result) => result,
          () => undefined,
        ),
      "the replica to acknowledge",
    );
    expect(retried).toEqual({
      kind: "ok",
      ciphertext: secret.ciphertext,
      viewsLeft: 0,
      expiresAtMs: secret.input.nowMs + 3_600_000,
      // The view was taken by the answer that came back 503: the retry is its replay.
      replayed: true,
    });
    expect(await claimed(secret, makeProof())).toMatchObject({ kind: "gone", reason: "viewed" });
    // What a promoted replica would serve: the view is used there too, recorded once.
    const meta = await inspector.hGetAll(`${keyPrefix}:{${secret.input.id}}:meta`);
    expect([meta.state, meta.viewsLeft]).toEqual(["viewed", "0"]);
    expect(
      (JSON.parse(meta.events ?? "[]") as { type: string }[]).filter((e) => e.type === "viewed"),
    ).toHaveLength(1);
  });

  it("waits for the replica on a counted failure and on a burn too", async () => {
    const secret = makeSecret({ maxViews: 1 });
    await store.create(secret.input);
    replica.pause();
    try {
      const wrong = store.reveal({
        id: secret.input.id,
        accessVerifier: secret.access.verifier,
        unlockVerifier: makeSecret().unlock.verifier,
        nowMs: Date.now(),
        requester: requester(),
      });
      await expect(wrong).rejects.toThrow(/replicas acknowledged/);
      const burn = store.burn({
        id: secret.input.id,
        manageVerifier: secret.manage.verifier,
        nowMs: Date.now(),
        requester: requester(),
      });
      await expect(burn).rejects.toThrow(/replicas acknowledged/);
    } finally {
      replica.resume();
    }
    await waitFor(
      async () =>
        (await inspector.hGet(`${keyPrefix}:{${secret.input.id}}:meta`, "state")) === "burned"
          ? true
          : undefined,
      "the burn to replicate",
    );
    expect(await inspector.hGet(`${keyPrefix}:{${secret.input.id}}:meta`, "failed")).toBe("1");
  });
});

describe("the start-up durability report", () => {
  it("reads the server's persistence and says plainly what a restart can undo", async () => {
    const own = await startRedisServer();
    const ownStore = createRedisStore({ url: own.url, keyPrefix }) as ScriptedStore;
    const admin = createClient({ url: own.url });
    await admin.connect();
    try {
      expect(await ownStore.durabilityReport()).toMatch(
        /no persistence: a restart loses stored secrets, which is safe/,
      );
      await admin.configSet("save", "3600 1");
      expect(await ownStore.durabilityReport()).toMatch(
        /snapshots \(save "3600 1"\): a Redis restart can bring back viewed and burned secrets/,
      );
    } finally {
      await admin.close();
      await ownStore.close();
      await own.stop();
    }
  });

  it("names each setup: appendfsync always is safe, everysec is not, and replicas are said separately", () => {
    const none = { waitReplicas: 0, waitTimeoutMs: 500 };
    expect(
      describePersistence({ appendonly: "yes", appendfsync: "always", save: "" }, none),
    ).toMatch(/a restart keeps every answered change/);
    expect(
      describePersistence({ appendonly: "yes", appendfsync: "everysec", save: "" }, none),
    ).toMatch(/appendfsync everysec: a Redis restart can bring back viewed and burned secrets/);
    expect(describePersistence({ appendonly: "no", save: "" }, none)).toMatch(
      /failover to a lagging replica can undo/,
    );
    expect(
      describePersistence({ appendonly: "no", save: "" }, { waitReplicas: 2, waitTimeoutMs: 500 }),
    ).toMatch(/waits for 2 replica/);
  });
});
