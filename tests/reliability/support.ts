/**
 * Helpers for the reliability suite: the backends each store needs (a real
 * redis-server, the Upstash bridge in front of one, a 3-master Redis Cluster), app
 * instances, and what the kernel knows about a server process (RSS, open files,
 * sockets to a port) for the leak checks. Synchronisation is always a polled
 * condition with a deadline, never a sleep. The client side is in ./api.ts.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { startNextServer, type NextServer } from "../support/next-server";
import { startRedisCluster, startRedisServer, type RedisCluster, type RedisServer } from "../support/redis-server";
import { PROJECT_DIR } from "../support/global-setup";
import { BASE_ENV } from "./api";

export * from "./api";

/**
 * Polls `probe` until it returns a value other than undefined, at most `timeoutMs`.
 * The condition is re-checked each round: this is the synchronisation, not the pause.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 20_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A store backend as the app sees it: the environment that selects it, and how to end it. */
export interface Backend {
  kind: "memory" | "redis" | "upstash" | "redis-cluster";
  /** How many app instances may share it: the memory store lives inside one process. */
  instances: number;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startBackend(kind: Backend["kind"]): Promise<Backend> {
  switch (kind) {
    case "memory":
      return { kind, instances: 1, env: {}, stop: async () => {} };
    case "redis": {
      const redis: RedisServer = await startRedisServer();
      return { kind, instances: 2, env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
    }
    case "upstash": {
      const redis = await startRedisServer();
      const bridge = await startUpstashBridgeProcess(redis.url).catch(async (error: unknown) => {
        await redis.stop();
        throw error;
      });
      return {
        kind,
        instances: 2,
        env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token },
        async stop() {
          await bridge.stop();
          await redis.stop();
        },
      };
    }
    case "redis-cluster": {
      const cluster: RedisCluster = await startRedisCluster();
      return { kind, instances: 2, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(",") }, stop: () => cluster.stop() };
    }
  }
}

/**
 * The Upstash bridge (tests/support/upstash-bridge.ts) in a process of its own, bundled
 * by esbuild next to node_modules so that its `redis` import resolves. Upstash is a
 * separate service; in the same process as the test's load it would compete with it.
 */
export async function startUpstashBridgeProcess(redisUrl: string): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const outfile = path.join(PROJECT_DIR, "node_modules", ".cache", "burnlink-reliability", "upstash-bridge.mjs");
  await mkdir(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(PROJECT_DIR, "tests", "reliability", "upstash-bridge-main.ts")],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
  });
  const child = spawn(process.execPath, [outfile], { env: { ...process.env, BRIDGE_REDIS_URL: redisUrl }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.once("exit", () => child.kill("SIGKILL"));
  let output = "";
  const address = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve(JSON.parse(line) as { url: string; token: string });
    });
    child.once("exit", (code) => reject(new Error(`the Upstash bridge exited with code ${code}:\n${output}`)));
  });
  return {
    ...address,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Starts `count` app instances (`node lib/server/start.mjs`) one after another. */
export async function startInstances(count: number, env: Record<string, string>): Promise<NextServer[]> {
  const servers: NextServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startNextServer({ env: { ...BASE_ENV, ...env } }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return servers;
}

/** Resident set size of a process, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** The inodes of the sockets a process holds open. */
async function socketInodes(pid: number): Promise<{ files: number; sockets: Set<string> }> {
  const names = await readdir(`/proc/${pid}/fd`);
  const sockets = new Set<string>();
  for (const name of names) {
    const target = await readlink(`/proc/${pid}/fd/${name}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) sockets.add(match[1]);
  }
  return { files: names.length, sockets };
}

export interface OpenFiles {
  /** Open file descriptors of the process, not counting connections from its own clients. */
  files: number;
  /** TCP sockets of the process whose remote port is `remotePort`, in any state. */
  socketsToPort: number;
}

const hexPort = (port: number) => `:${port.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Open descriptors of `pid` (/proc/<pid>/fd) minus the connections accepted on its own
 * `listenPort` (those come and go with the test's HTTP client pool), and how many of its
 * TCP sockets point at `remotePort` (/proc/net/tcp{,6}).
 */
export async function openFiles(pid: number, listenPort: number, remotePort: number): Promise<OpenFiles> {
  const { files, sockets } = await socketInodes(pid);
  let socketsToPort = 0;
  let accepted = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const [, local, remote, , , , , , , inode] = line.trim().split(/\s+/);
      if (inode === undefined || !sockets.has(inode)) continue;
      if (remote?.endsWith(hexPort(remotePort))) socketsToPort++;
      // A connection accepted from a client, not the listening socket itself (remote 0).
      else if (local?.endsWith(hexPort(listenPort)) && !remote?.endsWith(":0000")) accepted++;
    }
  }
  return { files: files - accepted, socketsToPort };
}

/** Whether anything accepts TCP connections on 127.0.0.1:`port` now. */
export async function listening(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Measurements for the README: one `[reliability] name {json}` line in the test output. */
export function report(name: string, values: Record<string, number | string>): void {
  console.log(`[reliability] ${name} ${JSON.stringify(values)}`);
}
