/**
 * A store outage under load, and the way back (issue 5, "Outages").
 *
 * Two app instances share one real redis-server that persists every write before it
 * answers (append-only file, fsync always). While a steady load of every API call runs,
 * the server is killed (SIGKILL: connections reset, nothing flushed). Then:
 * - every answer is 503 store_unavailable within 2 s, no request hangs, health says so;
 * - thousands of failing requests later, neither instance has crashed, grown its memory
 *   without bound, or piled up descriptors or sockets to Redis;
 * - redis-server starts again on the same port, the instances recover by themselves,
 *   and every secret answered 201 before the outage reveals exactly as often as promised.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSecret } from "@/lib/crypto";
import type { NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import {
  checkSecret,
  createSecret,
  makeSecret,
  openFiles,
  percentile,
  report,
  request,
  revealSecret,
  rssBytes,
  secretStatus,
  startInstances,
  waitFor,
  type Answer,
  type TestSecret,
} from "./support";

const STORE_UNAVAILABLE = { error: "store_unavailable", message: "The secret store is unavailable; try again shortly." };
const WORKERS_PER_INSTANCE = 6;
const MAX_VIEWS_CYCLE = [1, 2, 5, 10] as const;
const HEAP_CAP_MIB = 128;
const FAILING_REQUESTS = 1_500;

type Operation = "create" | "check" | "reveal" | "status" | "health";
const OPERATIONS: Operation[] = ["create", "check", "reveal", "status", "health"];

interface Sample {
  operation: Operation;
  instance: number;
  /** performance.now() at send and at the end of the answer. */
  startedAt: number;
  endedAt: number;
  answer: Answer;
  /** For a create: the secret it tried to store. */
  secret?: TestSecret;
}

describe("when redis-server is killed under load and started again", () => {
  let dir: string;
  let redis: RedisServer;
  let servers: NextServer[] = [];
  /** Created and partly viewed before the outage: [secret, views still promised]. */
  const promised: [TestSecret, number][] = [];
  let loadSecret: TestSecret;
  let consumedSecret: TestSecret;
  const samples: Sample[] = [];
  let killedAt = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "burnlink-aof-"));
    redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always", "--dir", dir] });
    // A capped heap: V8 otherwise grows the heap lazily (RSS climbs by tens of MiB before
    // a full collection), which hides a leak as well as it fakes one. Capped, a leak can
    // only show as growth up to the cap or a crash; a healthy process stays flat.
    servers = await startInstances(2, { REDIS_URL: redis.url, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` });
  });

  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(codes).toEqual(servers.map(() => 0));
  });

  const url = (i: number) => (servers[i % servers.length] as NextServer).url;

  async function operate(operation: Operation, instance: number): Promise<Sample> {
    const base = url(instance);
    // Sealing is the client's work: it happens before the request is timed.
    const secret = operation === "create" ? await makeSecret(`made under load ${randomUUID()}`, { maxViews: 2 }) : undefined;
    const startedAt = performance.now();
    let answer: Answer;
    switch (operation) {
      case "create":
        answer = await createSecret(base, secret as TestSecret);
        break;
      case "check":
        answer = await checkSecret(base, loadSecret);
        break;
      case "reveal":
        answer = await revealSecret(base, consumedSecret);
        break;
      case "status":
        answer = await secretStatus(base, loadSecret);
        break;
      case "health":
        answer = await request(base, "GET", "/api/health");
        break;
    }
    return { operation, instance, startedAt, endedAt: performance.now(), answer, ...(secret ? { secret } : {}) };
  }

  /** Runs every operation in a loop on every instance until `until()` says stop. */
  async function load(until: () => boolean): Promise<void> {
    await Promise.all(
      servers.flatMap((_, instance) =>
        Array.from({ length: WORKERS_PER_INSTANCE }, async (_, worker) => {
          for (let round = worker; !until(); round++) {
            samples.push(await operate(OPERATIONS[round % OPERATIONS.length] as Operation, instance));
          }
        }),
      ),
    );
  }

  it("answers every call with 503 store_unavailable within 2 s of the kill, with no hung request, and /api/health says so", async () => {
    loadSecret = await makeSecret(`load ${randomUUID()}`, { maxViews: 10 });
    consumedSecret = await makeSecret(`consumed ${randomUUID()}`, { maxViews: 1 });
    for (const [i, secret] of [loadSecret, consumedSecret].entries()) expect((await createSecret(url(i), secret)).status).toBe(201);
    expect((await revealSecret(url(0), consumedSecret)).status).toBe(200);

    for (let i = 0; i < 20; i++) {
      const maxViews = MAX_VIEWS_CYCLE[i % MAX_VIEWS_CYCLE.length] as number;
      const secret = await makeSecret(`promised ${i}: ${randomUUID()}`, { maxViews });
      expect((await createSecret(url(i), secret)).status).toBe(201);
      // Use up one view of the multi-view secrets first: the count must survive too.
      if (maxViews > 1) expect((await revealSecret(url(i + 1), secret)).status).toBe(200);
      promised.push([secret, maxViews > 1 ? maxViews - 1 : 1]);
    }

    let stopAt = Number.POSITIVE_INFINITY;
    const running = load(() => performance.now() >= stopAt);
    // The load is really running and healthy before the kill.
    await waitFor(async () => (samples.filter((s) => s.answer.status < 300).length >= 100 ? true : undefined), "a warm, healthy load");
    const healthyBefore = samples.length;
    killedAt = performance.now();
    await redis.kill();
    const deadAt = performance.now();
    // Keep the load going until every worker has sent requests well after the kill.
    await waitFor(
      async () => (performance.now() > deadAt + 3_000 && samples.filter((s) => s.startedAt > deadAt + 2_000).length >= 50 ? true : undefined),
      "enough requests after the kill",
    );
    stopAt = performance.now();
    await running;

    // Never a 500, a reset or a timeout; nothing ever took 2 s, before, during or after the kill.
    const broken = samples.filter((s) => s.answer.status === 0 || (s.answer.status >= 500 && s.answer.status !== 503));
    expect(broken.map((s) => [s.operation, s.answer.status, s.answer.body])).toEqual([]);
    const slow = samples.filter((s) => s.endedAt - s.startedAt >= 2_000);
    expect(slow.map((s) => [s.operation, Math.round(s.endedAt - s.startedAt)])).toEqual([]);
    // Before the kill everything succeeded.
    const before = samples.filter((s) => s.endedAt < killedAt);
    expect(before.filter((s) => s.answer.status >= 500).map((s) => [s.operation, s.answer.body])).toEqual([]);
    // Every request sent once Redis was gone is a 503 store_unavailable, health included.
    const after = samples.filter((s) => s.startedAt >= deadAt);
    expect(new Set(after.map((s) => s.operation))).toEqual(new Set(OPERATIONS));
    for (const sample of after) expect([sample.operation, sample.answer.status, sample.answer.body]).toEqual([sample.operation, 503, STORE_UNAVAILABLE]);
    // Requests in flight at the kill got an answer too: the normal one, or 503.
    const straddling = samples.filter((s) => s.startedAt < deadAt && s.endedAt >= killedAt);
    for (const sample of straddling) expect(sample.answer.status === 503 || sample.answer.status < 500).toBe(true);

    const first503 = Math.min(...samples.filter((s) => s.answer.status === 503).map((s) => s.endedAt));
    const postKill = after.map((s) => s.endedAt - s.startedAt);
    report("outage: kill", {
      requestsBeforeKill: healthyBefore,
      requestsAfterKill: after.length,
      first503AfterKillMs: Math.round(first503 - killedAt),
      lastNon503AfterKillMs: Math.round(Math.max(0, ...samples.filter((s) => s.answer.status !== 503).map((s) => s.endedAt - killedAt))),
      p50AnswerAfterKillMs: Math.round(percentile(postKill, 50)),
      maxAnswerAfterKillMs: Math.round(Math.max(...postKill)),
    });
  });

  it("keeps both instances up, with bounded memory, descriptors and sockets to Redis, through thousands of failing requests", async () => {
    const measure = async (server: NextServer) => ({
      rss: await rssBytes(server.process.pid as number),
      ...(await openFiles(server.process.pid as number, server.port, redis.port)),
    });
    const hammer = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          for (let i = next++; i < count; i = next++) {
            const sample = await operate(OPERATIONS[i % OPERATIONS.length] as Operation, i);
            expect(sample.answer.status).toBe(503);
          }
        }),
      );
    };
    // Warm up first, so the baseline already holds JIT code and steady-state buffers.
    await hammer(300);
    const baseline = await Promise.all(servers.map(measure));
    const started = performance.now();
    await hammer(FAILING_REQUESTS);
    const elapsedMs = performance.now() - started;
    const rounds = await Promise.all(servers.map(async (server, i) => ({ server, was: baseline[i], is: await measure(server) })));

    for (const [i, { server, was, is }] of rounds.entries()) {
      expect(server.process.exitCode, "the instance must not have crashed").toBeNull();
      if (!was) throw new Error("no baseline");
      expect(is.rss - was.rss, `instance ${i} RSS grew from ${was.rss} to ${is.rss} bytes`).toBeLessThan(24 * 1024 * 1024);
      expect(is.files - was.files, `instance ${i} open descriptors grew from ${was.files} to ${is.files}`).toBeLessThan(8);
      // Reconnect attempts to a closed port fail at once: at most one is ever pending.
      expect(is.socketsToPort, `instance ${i} sockets towards the dead Redis`).toBeLessThanOrEqual(1);
      // The driver says "cannot reach Redis" once per outage, not once per request.
      expect(server.output().split("cannot reach Redis").length - 1).toBeLessThanOrEqual(2);
    }
    report("outage: failing requests", {
      requests: FAILING_REQUESTS,
      requestsPerSecond: Math.round((FAILING_REQUESTS / elapsedMs) * 1000),
      rssGrowthMiB: rounds.map(({ was, is }) => Math.round(((is.rss - (was?.rss ?? 0)) / 1024 / 1024) * 10) / 10).join(" / "),
      rssMiB: rounds.map(({ is }) => Math.round(is.rss / 1024 / 1024)).join(" / "),
      descriptorGrowth: rounds.map(({ was, is }) => is.files - (was?.files ?? 0)).join(" / "),
    });
  });

  it("recovers by itself when redis-server starts again on the same port, and every secret stored before the outage reveals exactly as often as promised", async () => {
    const restartedAt = performance.now();
    await redis.start();
    const upAt = performance.now();
    const recoveredAfterMs = await Promise.all(
      servers.map((server) =>
        waitFor(
          async () => ((await request(server.url, "GET", "/api/health")).status === 200 ? performance.now() - upAt : undefined),
          "the instance to find Redis again",
          { timeoutMs: 15_000, intervalMs: 25 },
        ),
      ),
    );
    // node-redis backs off to at most 2 s between attempts (lib/store/redis-store.ts).
    for (const ms of recoveredAfterMs) expect(ms).toBeLessThan(5_000);
    for (const server of servers) expect((await openFiles(server.process.pid as number, server.port, redis.port)).socketsToPort).toBe(1);

    // Everything answered 201 before the kill, plus the secrets made before the load.
    const createdUnderLoad = samples.filter((s) => s.operation === "create" && s.answer.status === 201 && s.secret);
    expect(createdUnderLoad.length).toBeGreaterThan(0);
    const owed: [TestSecret, number][] = [...promised, ...createdUnderLoad.map((s): [TestSecret, number] => [s.secret!, 2])];

    const checks = await Promise.all(owed.map(([secret], i) => checkSecret(url(i), secret)));
    expect(checks.map((answer) => [answer.status, answer.body.viewsLeft])).toEqual(owed.map(([, views]) => [200, views]));

    // Two more reveals than promised for each, all at once, over both instances.
    const jobs = owed.flatMap(([secret, views], index) => Array.from({ length: views + 2 }, () => ({ secret, index })));
    const answers = await Promise.all(jobs.map((job, i) => revealSecret(url(i), job.secret).then((answer) => ({ ...job, answer }))));
    for (const [index, [secret, views]] of owed.entries()) {
      const mine = answers.filter((entry) => entry.index === index).map((entry) => entry.answer);
      const wins = mine.filter((answer) => answer.status === 200);
      const others = mine.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${String(answer.body.reason ?? answer.body.error)}`);
      expect({ index, wins: wins.length, others }).toEqual({ index, wins: views, others: ["410 viewed", "410 viewed"] });
      for (const win of wins) expect(openSecret(win.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
    }
    report("outage: recovery", {
      redisRestartMs: Math.round(upAt - restartedAt),
      recoveredAfterRedisUpMs: recoveredAfterMs.map(Math.round).join(" / "),
      secretsKept: owed.length,
      createdUnderLoad: createdUnderLoad.length,
    });
  });
});
