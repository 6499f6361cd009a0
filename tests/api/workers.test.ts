/**
 * WEB_CONCURRENCY (lib/server/supervisor.mjs): `npm start` runs N worker processes on one
 * port, each with its heap cap, and SIGTERM to the primary drains every one of them.
 * Which process serves a connection is read from the kernel (`ss -tnp`: the process
 * holding the server side of each TCP connection), not from anything the app says.
 */
import { execFileSync } from "node:child_process";
import http from "node:http";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { freePort } from "../support/free-port";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { eventually, makeSecret } from "./support";

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return out.split("\n").map((line) => Number(line.trim())).filter((value) => value > 0);
}

/** Client port -> pid of the process holding the server end of that connection. */
function serverEnds(port: number): Map<number, number> {
  const out = execFileSync("ss", ["-Htnp", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
  const ends = new Map<number, number>();
  for (const line of out.split("\n")) {
    const peer = /\S+:(\d+)\s+users:/.exec(line);
    const pid = /pid=(\d+)/.exec(line);
    if (peer && pid) ends.set(Number(peer[1]), Number(pid[1]));
  }
  return ends;
}

/** Whether anything accepts TCP connections on the port now (connect, then hang up). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A GET on its own connection; resolves to the status. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent: false }, (response) => {
      response.resume();
      response.once("end", () => resolve(response.statusCode ?? 0));
    });
    request.once("error", reject);
  });
}

/**
 * A create POSTed with Expect: 100-continue on its own connection: `continued` once a
 * worker has the request, the body only on `release()`; `clientPort` names the connection.
 */
function slowCreate(port: number, body: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let clientPort = 0;
  let settle!: (status: number) => void;
  const answer = new Promise<number>((resolve) => (settle = resolve));
  const continued = new Promise<void>((resolve, reject) => {
    const outgoing = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/api/secrets",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
    });
    outgoing.once("socket", (socket) => socket.once("connect", () => (clientPort = socket.localPort ?? 0)));
    outgoing.once("continue", () => {
      resolve();
      void released.then(() => outgoing.end(body));
    });
    outgoing.once("response", (response) => {
      response.resume();
      response.once("end", () => settle(response.statusCode ?? 0));
    });
    outgoing.once("error", reject);
    outgoing.flushHeaders();
  });
  return { continued, release, answer, port: () => clientPort };
}

function exitOf(server: NextServer): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null) resolve(server.process.exitCode);
    else server.process.once("exit", (code) => resolve(code));
  });
}

describe("WEB_CONCURRENCY=2", () => {
  let redis: RedisServer | undefined;
  let server: NextServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it("refuses to start on the in-memory store, which one process cannot share", async () => {
    const failure = await startNextServer({ env: { WEB_CONCURRENCY: "2" } }).then(
      async (started) => {
        await started.stop();
        return new Error("the server started");
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited with code 1/);
    expect(failure.message).toContain("WEB_CONCURRENCY above 1 needs a shared store");
  }, SERVER_START_TIMEOUT_MS);

  it(
    "serves from two capped workers, scrapes them as one, and SIGTERM drains both before the primary exits 0",
    async () => {
      redis = await startRedisServer();
      const metricsPort = await freePort();
      server = await startNextServer({
        env: { REDIS_URL: redis.url, WEB_CONCURRENCY: "2", MEMORY_LIMIT_MB: "1024", METRICS_PORT: String(metricsPort) },
      });
      const app = server;
      const workers = childrenOf(app.process.pid!);
      expect(workers).toHaveLength(2);
      // (1024 / 2 - 96) * 0.75 = 312 MB of old space each; on Node >= 24, whose young generation
      // is capped at 32 MB semi-spaces, (1024 / 2 - 128) * 0.75 = 288 (lib/server/memory-limit.mjs).
      const oldSpaceMb = Number(process.versions.node.split(".")[0]) >= 24 ? 288 : 312;
      for (const pid of workers) {
        const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        expect(commandLine).toContain(`--max-old-space-size=${oldSpaceMb}`);
        if (oldSpaceMb === 288) expect(commandLine).toContain("--max-semi-space-size=32");
      }

      // One scrape of the primary's /metrics counts the requests of both workers: six
      // requests on six connections (three each, round robin or SO_REUSEPORT's hash aside).
      for (let index = 0; index < 6; index++) expect(await get(app.port, "/api/health/live")).toBe(200);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.text());
      const live = /^burnlink_http_request_duration_seconds_count\{[^}]*route="\/api\/health\/live"[^}]*\} (\d+)$/m.exec(scrape);
      expect(Number(live?.[1])).toBe(6);

      // Requests held open in the handlers, each on its own connection, until both workers
      // hold some: round robin on Node 20 alternates; SO_REUSEPORT's hash may take a few more.
      const uploads: ReturnType<typeof slowCreate>[] = [];
      let servedBy = new Set<number | undefined>();
      while (uploads.length < 4 || (servedBy.size < 2 && uploads.length < 24)) {
        const { request } = await makeSecret({ content: { text: `in flight ${uploads.length}` } });
        const upload = slowCreate(app.port, JSON.stringify(request));
        uploads.push(upload);
        await upload.continued;
        const ends = serverEnds(app.port);
        servedBy = new Set(uploads.map((held) => ends.get(held.port())));
      }
      expect(servedBy).toEqual(new Set(workers));

      const exit = exitOf(app);
      app.process.kill("SIGTERM");
      await eventually(async () => !(await listening(app.port)), 20_000, 50);
      expect(app.process.exitCode, "the primary must wait for its workers' requests in flight").toBeNull();
      for (const upload of uploads) upload.release();
      expect(await Promise.all(uploads.map((upload) => upload.answer))).toEqual(uploads.map(() => 201));
      expect(await exit).toBe(0);
      for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid} must be gone`).toThrow();
    },
    SERVER_START_TIMEOUT_MS,
  );
});
