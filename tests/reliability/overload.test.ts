/**
 * An overloaded app must not answer 503 for a reveal the store performed.
 *
 * Node runs due timers before it reads sockets. When a busy event loop comes back
 * after the store's deadline (1.5 s), the deadline timer fires first, even if Redis
 * answered long before and the answer is waiting in the socket. Rejecting there
 * answers 503 store_unavailable for a reveal that Redis did perform: a view is used
 * up, and the recipient is told nothing happened. Found by the 1,000-reveal race on a
 * loaded machine (stores.test.ts); pinned here deterministically:
 *
 * 1. Redis is frozen (SIGSTOP), the reveal is sent; once it has reached Redis (unread
 *    bytes on its connection), this thread's event loop is blocked;
 * 2. a worker thread (its own event loop) resumes Redis and waits until Redis has
 *    performed the reveal (the ciphertext key is gone), so the answer is on its way;
 * 3. the main thread stays blocked until the deadline has passed, like an overloaded
 *    process, then lets the event loop run: the reveal must resolve with the secret.
 */
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisStore, createUpstashStore, type SecretStore } from "@/lib/store";
import { DEFAULT_COMMAND_TIMEOUT_MS } from "@/lib/store/redis-store";
import { makeSecret, requester } from "../store/helpers";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridgeProcess, waitFor } from "./support";

const keyPrefix = "burnlink-overload";

/** Runs in the worker: waits for the go signal, resumes Redis, polls until the key is gone. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const net = require("node:net");
const { flags, redisPid, port, key } = workerData;
const exists = () => new Promise((resolve) => {
  const socket = net.connect({ host: "127.0.0.1", port });
  let answer = "";
  socket.once("connect", () => socket.write("EXISTS " + key + "\\r\\n"));
  socket.on("data", (chunk) => {
    answer += chunk.toString("latin1");
    if (answer.includes("\\r\\n")) { socket.destroy(); resolve(answer.startsWith(":1")); }
  });
  socket.once("error", () => { socket.destroy(); resolve(true); });
});
(async () => {
  Atomics.wait(flags, 0, 0);
  process.kill(redisPid, "SIGCONT");
  while (await exists()) await new Promise((resolve) => setImmediate(resolve));
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
})();
`;

/** Bytes that reached redis-server's connections but that it has not read (/proc/net/tcp rx_queue). */
async function unreadByRedis(port: number): Promise<number> {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let unread = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const [, local, , state, queues] = line.trim().split(/\s+/);
      // 01 = ESTABLISHED; a listening socket's rx_queue is its accept backlog instead.
      if (state === "01" && local?.endsWith(hexPort)) unread += parseInt(queues?.split(":")[1] ?? "0", 16);
    }
  }
  return unread;
}

async function redisPid(port: number): Promise<number> {
  const { execFile } = await import("node:child_process");
  const info = await new Promise<string>((resolve, reject) =>
    execFile("redis-cli", ["-p", String(port), "INFO", "server"], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  const match = /process_id:(\d+)/.exec(info);
  if (!match?.[1]) throw new Error("redis-server did not tell its process id");
  return Number(match[1]);
}

describe.each(["redis", "upstash"] as const)("the %s driver in an overloaded process", (kind) => {
  let redis: RedisServer | undefined;
  let stopBridge: (() => Promise<void>) | undefined;
  let store: SecretStore | undefined;

  afterEach(async () => {
    redis?.resume();
    await store?.close();
    await stopBridge?.();
    await redis?.stop();
  });

  it("answers a reveal Redis performed even when the event loop comes back after the deadline", async () => {
    redis = await startRedisServer();
    if (kind === "upstash") {
      const bridge = await startUpstashBridgeProcess(redis.url);
      stopBridge = bridge.stop;
      store = createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix });
    } else {
      store = createRedisStore({ url: redis.url, keyPrefix });
    }
    const reveal = (target: ReturnType<typeof makeSecret>) =>
      (store as SecretStore).reveal({
        id: target.input.id,
        accessVerifier: target.access.verifier,
        unlockVerifier: target.unlock.verifier,
        nowMs: Date.now(),
        requester: requester(),
      });
    // A first reveal loads the script into Redis, so the raced one is a single EVALSHA.
    const warmUp = makeSecret({ maxViews: 1 });
    expect(await store.create(warmUp.input)).toMatchObject({ kind: "created" });
    expect(await reveal(warmUp)).toMatchObject({ kind: "ok" });
    const secret = makeSecret({ maxViews: 1 });
    expect(await store.create(secret.input)).toMatchObject({ kind: "created" });

    const flags = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { flags, redisPid: await redisPid(redis.port), port: redis.port, key: `${keyPrefix}:{${secret.input.id}}:secret` },
    });
    const workerDone = new Promise((resolve) => worker.once("exit", resolve));

    redis.pause();
    const started = performance.now();
    const raced = reveal(secret);
    const port = redis.port;
    await waitFor(async () => ((await unreadByRedis(port)) > 0 ? true : undefined), "the reveal to reach the frozen Redis", {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    // From here this thread serves no events: the worker resumes Redis and waits until
    // the reveal is done there; then this thread stays busy until past the deadline.
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    expect(Atomics.wait(flags, 1, 0, 20_000), "Redis performed the reveal").not.toBe("timed-out");
    let blockedUntil = performance.now();
    while (blockedUntil < started + DEFAULT_COMMAND_TIMEOUT_MS + 300) blockedUntil = performance.now();
    await workerDone;
    expect(blockedUntil - started).toBeGreaterThan(DEFAULT_COMMAND_TIMEOUT_MS);
    await expect(raced).resolves.toMatchObject({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 0 });
  });
});
