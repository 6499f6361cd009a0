/**
 * Starts a private, throw-away `redis-server` for a test: its own free port, no
 * persistence, killed when the test process exits. Readiness is proven by a PING
 * answered over TCP (polled), never by a fixed sleep.
 *
 * The handle can also take the server down the ways production sees it go down:
 * `kill()` (SIGKILL: connections reset), `pause()`/`resume()` (SIGSTOP/SIGCONT:
 * connections stay open but nothing answers) and `start()` again on the same port,
 * so outage and recovery tests use a real server, not a mock.
 *
 * startRedisCluster() starts several such servers in cluster mode and assigns
 * the slots with `redis-cli --cluster create`, ready once every node reports
 * cluster_state:ok.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** True while the process is running (paused counts as running). */
  readonly running: boolean;
  /** Starts the server again on the same port after stop() or kill(). */
  start(): Promise<void>;
  /** SIGTERM, then waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the process to exit: clients see their connections reset. */
  kill(): Promise<void>;
  /** SIGSTOP: the port stays open and connections stay up, but nothing answers. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface RedisServerOptions {
  /** A fixed port; by default a free one is chosen (and re-chosen on a clash). */
  port?: number;
  /** Extra `redis-server` arguments, e.g. ["--maxmemory", "10mb"]. */
  args?: string[];
  /** How long to wait for the first PONG. */
  readyTimeoutMs?: number;
}

const HOST = "127.0.0.1";
const POLL_INTERVAL_MS = 25;

/** Every child ever started, so an aborted test run does not leave servers behind. */
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * One inline command over a fresh TCP connection; resolves with the raw answer
 * once `complete` says it is all there, or "" on any failure or timeout.
 */
function askOnce(port: number, command: string, complete: (answer: string) => boolean, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let answer = "";
    const finish = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(""));
    socket.once("error", () => finish(""));
    socket.once("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (complete(answer)) finish(answer);
    });
  });
}

/** One PING; true on "+PONG". */
async function pingOnce(port: number): Promise<boolean> {
  return (await askOnce(port, "PING", (answer) => answer.includes("\r\n"))).startsWith("+PONG");
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

class StartError extends Error {
  constructor(
    message: string,
    readonly portClash: boolean,
  ) {
    super(message);
  }
}

async function spawnAndWait(port: number, args: string[], readyTimeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError(
        `redis-server on port ${port} exited before answering:\n${output}`,
        /address already in use/i.test(output),
      );
    }
    const failed = await Promise.race([spawnError, pingOnce(port)]);
    if (failed instanceof Error) throw new StartError(`cannot run redis-server: ${failed.message}`, false);
    if (failed) return child;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  child.kill("SIGKILL");
  await waitForExit(child);
  throw new StartError(`redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms:\n${output}`, false);
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const args = options.args ?? [];
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      child = await spawnAndWait(port, args, readyTimeoutMs);
      break;
    } catch (error) {
      // A free port can be taken between asking and binding; only then try another.
      if (error instanceof StartError && error.portClash && options.port === undefined && attempt < 5) {
        port = await freePort();
        continue;
      }
      throw error;
    }
  }

  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (!child || !isRunning()) return;
    const ending = child;
    ending.kill(signal);
    // A stopped process only handles SIGTERM once it runs again.
    if (signal === "SIGTERM") ending.kill("SIGCONT");
    await waitForExit(ending);
  };

  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    get running() {
      return isRunning();
    },
    async start() {
      if (isRunning()) return;
      child = await spawnAndWait(port, args, readyTimeoutMs);
    },
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    pause() {
      if (isRunning()) child?.kill("SIGSTOP");
    },
    resume() {
      if (isRunning()) child?.kill("SIGCONT");
    },
  };
}

export interface RedisCluster {
  readonly nodes: RedisServer[];
  /** `127.0.0.1:<port>` of every node: what REDIS_CLUSTER_NODES would hold. */
  readonly seeds: string[];
  stop(): Promise<void>;
}

/** Starts `masters` cluster-mode servers (no replicas) and waits for cluster_state:ok on each. */
export async function startRedisCluster({ masters = 3, readyTimeoutMs = 20_000 } = {}): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "burnlink-redis-cluster-"));
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // An explicit bus port: the default (port + 10000) may not exist above 55535.
      const busPort = await freePort();
      nodes.push(
        await startRedisServer({
          port,
          args: [
            "--cluster-enabled", "yes",
            "--cluster-config-file", join(dir, `nodes-${port}.conf`),
            "--cluster-port", String(busPort),
            "--dir", dir,
          ],
        }),
      );
    }
    const seeds = nodes.map((node) => `${HOST}:${node.port}`);
    await promisify(execFile)("redis-cli", ["--cluster", "create", ...seeds, "--cluster-replicas", "0", "--cluster-yes"]);
    const deadline = Date.now() + readyTimeoutMs;
    for (const node of nodes) {
      for (;;) {
        const info = await askOnce(node.port, "CLUSTER INFO", (answer) => answer.includes("cluster_known_nodes"));
        if (info.includes("cluster_state:ok")) break;
        if (Date.now() > deadline) throw new Error(`the Redis Cluster was not ready within ${readyTimeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    }
    return { nodes, seeds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
