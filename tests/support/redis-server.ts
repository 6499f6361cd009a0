/**
 * Starts a private, throw-away `redis-server` for a test: its own free port, no
 * persistence, its own temporary working directory (`--dir` and cwd, removed when the
 * test process exits), killed when the test process exits. Readiness is proven by a PING
 * answered over TCP (polled), never by a fixed sleep.
 *
 * The private directory is not optional: a server whose snapshots a test turns on with
 * CONFIG SET save writes dump.rdb on SIGTERM into its `--dir`, which defaults to the
 * cwd, the repository root (that is how a dump.rdb once appeared there).
 *
 * The handle can also take the server down the ways production sees it go down:
 * `kill()` (SIGKILL: connections reset), `pause()`/`resume()` (SIGSTOP/SIGCONT:
 * connections stay open but nothing answers) and `start()` again on the same port,
 * so outage and recovery tests use a real server, not a mock.
 *
 * startRedisCluster() starts several such servers in cluster mode and assigns
 * the slots with `redis-cli --cluster create` (optionally with replicas), ready once
 * every node reports cluster_state:ok and every replica is in sync.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (`redis://:<password>@127.0.0.1:<port>` with a password) */
  readonly url: string;
  /** The server's working directory (`--dir`): where dump.rdb and the AOF go. */
  readonly dir: string;
  /** True while the process is running (paused counts as running). */
  readonly running: boolean;
  /** Starts the server again on the same port after stop() or kill(). */
  start(): Promise<void>;
  /** SIGTERM, then waits for the process to exit, and removes a working directory made here. Safe to call twice. */
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
  /**
   * Extra `redis-server` arguments, e.g. ["--maxmemory", "10mb"]; they override the
   * defaults (`--save "" --appendonly no`, a private `--dir`), so a test can turn
   * persistence on in a directory it chose.
   */
  args?: string[];
  /** How long to wait for the first PONG. */
  readyTimeoutMs?: number;
  /**
   * `--requirepass` from the first moment (and in `url`): no other client gets a command in,
   * not even a server of another test that keeps reconnecting to this port.
   */
  password?: string;
}

const HOST = "127.0.0.1";
const POLL_INTERVAL_MS = 25;

/** Every child ever started, so an aborted test run does not leave servers behind. */
const children = new Set<ChildProcess>();
/** The working directories made here: removed by stop(), or at exit for servers never stopped. */
const ownDirs = new Set<string>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of ownDirs) rmSync(dir, { recursive: true, force: true });
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

/** One PING (after AUTH when the server has a password); true on "+PONG". */
async function pingOnce(port: number, password?: string): Promise<boolean> {
  if (password === undefined) return (await askOnce(port, "PING", (answer) => answer.includes("\r\n"))).startsWith("+PONG");
  const answer = await askOnce(port, `AUTH ${password}\r\nPING`, (text) => text.split("\r\n").length > 2);
  return answer === "+OK\r\n+PONG\r\n";
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

async function spawnAndWait(port: number, dir: string, args: string[], readyTimeoutMs: number, password?: string): Promise<ChildProcess> {
  // Later arguments win, so `args` may override every default here, `--dir` included.
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir, ...args],
    { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
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
    const failed = await Promise.race([spawnError, pingOnce(port, password)]);
    if (failed instanceof Error) throw new StartError(`cannot run redis-server: ${failed.message}`, false);
    if (failed) return child;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  child.kill("SIGKILL");
  await waitForExit(child);
  throw new StartError(`redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms:\n${output}`, false);
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const password = options.password;
  const args = [...(password === undefined ? [] : ["--requirepass", password]), ...(options.args ?? [])];
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const dirIndex = args.lastIndexOf("--dir");
  const chosenDir = dirIndex >= 0 ? args[dirIndex + 1] : undefined;
  const dir = chosenDir ?? mkdtempSync(join(tmpdir(), "burnlink-redis-"));
  if (chosenDir === undefined) ownDirs.add(dir);
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      child = await spawnAndWait(port, dir, args, readyTimeoutMs, password);
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
    url: password === undefined ? `redis://${HOST}:${port}` : `redis://:${password}@${HOST}:${port}`,
    dir,
    get running() {
      return isRunning();
    },
    async start() {
      if (isRunning()) return;
      if (chosenDir === undefined) {
        mkdirSync(dir, { recursive: true });
        ownDirs.add(dir);
      }
      child = await spawnAndWait(port, dir, args, readyTimeoutMs, password);
    },
    async stop() {
      await end("SIGTERM");
      // kill() keeps the directory (a restart may need its files); stop() ends the server's life.
      if (chosenDir === undefined) {
        ownDirs.delete(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
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
  /** Every node: the first `masters` started as masters, the rest as their replicas. */
  readonly nodes: RedisServer[];
  /** `127.0.0.1:<port>` of every node: what REDIS_CLUSTER_NODES would hold. */
  readonly seeds: string[];
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  masters?: number;
  /** Replicas per master (`redis-cli --cluster create --cluster-replicas`); default 0. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent master takes to be failed over (Redis default 15000). */
  nodeTimeoutMs?: number;
  readyTimeoutMs?: number;
}

/** One line of CLUSTER NODES, as seen by the node asked. */
export interface ClusterNodeView {
  id: string;
  port: number;
  role: "master" | "replica";
  /** The master's port, for a replica. */
  masterPort?: number;
  /** Flagged `fail` (agreed) or `fail?` (suspected) by the node asked. */
  failing: boolean;
  /** The slot ranges it owns, [from, to] inclusive (migrating/importing markers left out). */
  slots: [number, number][];
}

/** A bulk-string answer ("$<len>\r\n<body>\r\n") over one connection; "" when there is none. */
async function askBulk(port: number, command: string, timeoutMs = 500): Promise<string> {
  const answer = await askOnce(
    port,
    command,
    (raw) => {
      const header = /^\$(-?\d+)\r\n/.exec(raw);
      if (!header) return raw.startsWith("-") && raw.includes("\r\n");
      return Buffer.byteLength(raw, "latin1") >= header[0].length + Number(header[1]) + 2;
    },
    timeoutMs,
  );
  const header = /^\$(\d+)\r\n/.exec(answer);
  return header ? answer.slice(header[0].length, header[0].length + Number(header[1])) : "";
}

/** INFO <section> of the server on `port` ("" when it does not answer within the timeout). */
export function redisInfo(port: number, section: string, timeoutMs = 500): Promise<string> {
  return askBulk(port, `INFO ${section}`, timeoutMs);
}

/** CLUSTER NODES as the node on `port` sees the cluster; [] when it does not answer. */
export async function clusterNodesSeenBy(port: number, timeoutMs = 500): Promise<ClusterNodeView[]> {
  const lines = (await askBulk(port, "CLUSTER NODES", timeoutMs)).split("\n").filter((line) => line.trim() !== "");
  const parsed = lines.map((line) => {
    const [id = "", address = "", flags = "", master = "-", , , , , ...slots] = line.trim().split(" ");
    const flagList = flags.split(",");
    return {
      id,
      port: Number(/:(\d+)@/.exec(address)?.[1] ?? 0),
      role: flagList.includes("slave") ? ("replica" as const) : ("master" as const),
      masterId: master,
      failing: flagList.includes("fail") || flagList.includes("fail?"),
      slots: slots
        .filter((range) => !range.startsWith("["))
        .map((range): [number, number] => {
          const [from = "", to = from] = range.split("-");
          return [Number(from), Number(to)];
        }),
    };
  });
  return parsed.map(({ masterId, ...node }) => {
    const masterPort = parsed.find((other) => other.id === masterId)?.port;
    return masterPort === undefined ? node : { ...node, masterPort };
  });
}

async function pollUntil(ready: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Starts `masters` cluster-mode servers, each with `replicasPerMaster` replicas, and waits
 * for cluster_state:ok on every node and, with replicas, for every replica to be in sync.
 */
export async function startRedisCluster({
  masters = 3,
  replicasPerMaster = 0,
  nodeTimeoutMs,
  readyTimeoutMs = 30_000,
}: RedisClusterOptions = {}): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "burnlink-redis-cluster-"));
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
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
            ...(nodeTimeoutMs === undefined ? [] : ["--cluster-node-timeout", String(nodeTimeoutMs)]),
            // A replica's initial sync starts at once, not after the 5 s wait for more replicas.
            "--repl-diskless-sync-delay", "0",
            "--dir", dir,
          ],
        }),
      );
    }
    const seeds = nodes.map((node) => `${HOST}:${node.port}`);
    // redis-cli makes the first `masters` addresses the masters and the rest their replicas.
    await promisify(execFile)("redis-cli", [
      "--cluster", "create", ...seeds, "--cluster-replicas", String(replicasPerMaster), "--cluster-yes",
    ]);
    const started = Date.now();
    const remaining = () => Math.max(readyTimeoutMs - (Date.now() - started), 0);
    for (const node of nodes) {
      await pollUntil(
        async () => (await askOnce(node.port, "CLUSTER INFO", (answer) => answer.includes("cluster_known_nodes"))).includes("cluster_state:ok"),
        `the Redis Cluster was not ready (node ${node.port})`,
        remaining(),
      );
    }
    if (replicasPerMaster > 0) {
      for (const node of nodes.slice(masters)) {
        await pollUntil(
          async () => (await redisInfo(node.port, "replication")).includes("master_link_status:up"),
          `replica ${node.port} was not in sync`,
          remaining(),
        );
      }
      // Roles travel by gossip: until every node knows every replica, CLUSTER SLOTS and
      // the clients' topology would still show masters only.
      for (const node of nodes) {
        await pollUntil(
          async () =>
            (await clusterNodesSeenBy(node.port)).filter((seen) => seen.role === "replica" && seen.masterPort !== undefined).length ===
            masters * replicasPerMaster,
          `node ${node.port} did not see every replica`,
          remaining(),
        );
      }
    }
    return { nodes, seeds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
