/**
 * Issue 11 §3 (b) through the real app (`node lib/server/start.mjs`): a primary with one
 * replica and REDIS_WAIT_REPLICAS=1. A claimed reveal answered 200 by an app on the primary;
 * the primary SIGKILLed; the replica promoted (REPLICAOF NO ONE, polled until role:master);
 * a new app pointed at it. The consumed view stays consumed there (fresh readers get 410
 * viewed, never the ciphertext), and the original client's retry with its claim gets the
 * same answer, once in the timeline. The start-up log of each app says what it waits for.
 * The store-level cases (a 503 under a paused replica, restarts) are in
 * tests/store/durability.test.ts.
 */
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { newClaim, openSecret } from "@/lib/crypto";
import { startNextServer, type NextServer } from "../support/next-server";
import { redisInfo, startRedisServer, type RedisServer } from "../support/redis-server";
import { BASE_ENV, createSecret, makeSecret, revealSecret, secretStatus, waitFor } from "./support";

const started: { servers: RedisServer[]; apps: NextServer[] } = { servers: [], apps: [] };

afterAll(async () => {
  await Promise.all(started.apps.map((app) => app.stop()));
  await Promise.all(started.servers.map((server) => server.stop()));
});

const roleIs = (server: RedisServer, text: string) => async () =>
  (await redisInfo(server.port, "replication")).includes(text) ? true : undefined;

describe("a Redis failover behind the real app, with REDIS_WAIT_REPLICAS=1", () => {
  it("keeps a view answered 200 consumed on the promoted replica, and the original claim's retry gets the same answer", async () => {
    const primary = await startRedisServer();
    const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
    started.servers.push(primary, replica);
    await waitFor(roleIs(replica, "master_link_status:up"), "the replica to sync");

    const before = await startNextServer({
      env: { ...BASE_ENV, REDIS_URL: primary.url, REDIS_WAIT_REPLICAS: "1", REDIS_WAIT_TIMEOUT_MS: "2000" },
    });
    started.apps.push(before);
    await waitFor(async () => (/waits for 1 replica/.test(before.output()) ? true : undefined), "the start-up durability report");

    const secret = await makeSecret("survives the failover", { maxViews: 1 });
    expect((await createSecret(before.url, secret)).status).toBe(201);
    const claim = newClaim();
    const first = await revealSecret(before.url, secret, secret.unlock, claim);
    expect(first.status).toBe(200);
    expect(openSecret(first.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });

    await primary.kill();
    await before.stop();
    const admin = createClient({ url: replica.url });
    await admin.connect();
    await admin.sendCommand(["REPLICAOF", "NO", "ONE"]);
    await admin.close();
    await waitFor(roleIs(replica, "role:master"), "the promotion");

    // The promoted replica has no replica of its own: this app waits for none, and says so.
    const after = await startNextServer({ env: { ...BASE_ENV, REDIS_URL: replica.url } });
    started.apps.push(after);
    const fresh = await revealSecret(after.url, secret, secret.unlock, newClaim());
    expect([fresh.status, fresh.body.reason, fresh.body.ciphertext]).toEqual([410, "viewed", undefined]);
    const unclaimed = await revealSecret(after.url, secret);
    expect([unclaimed.status, unclaimed.body.reason]).toEqual([410, "viewed"]);
    const retry = await revealSecret(after.url, secret, secret.unlock, claim);
    expect([retry.status, retry.body]).toEqual([200, first.body]);

    const status = await secretStatus(after.url, secret);
    expect(status.status).toBe(200);
    expect((status.body.events as { type: string }[]).filter((event) => event.type === "viewed")).toHaveLength(1);
    expect(after.output()).toMatch(/failover to a lagging replica can undo a reveal or a burn/);
  });
});
