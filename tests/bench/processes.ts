/**
 * The processes a bench run needs, each on its own free port: the bundled helper servers
 * of tests/bench (reference server, Upstash bridge), ready when they print
 * `listening <port>`, and the memory sampler that reads a process tree's resident set
 * from /proc while the load runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where tests/bench/run.mjs writes the bundles: `.next-bench-tools/bench/` (this module runs
 * bundled from there too). Under `.next*`, so git, ESLint and tsc leave it alone, and two
 * levels below the project, as tests/support expects of its own location.
 */
export const TOOLS_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface HelperProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `node .next-bench-tools/bench/<name>.mjs` and waits for its `listening <port>` line. */
export function startHelper(name: string, env: Record<string, string>): Promise<HelperProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(TOOLS_DIR, `${name}.mjs`)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let output = "";
    const onExit = (code: number | null) => reject(new Error(`${name} exited with code ${code} before it listened`));
    child.once("exit", onExit);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (!match?.[1] || child.pid === undefined) return;
      child.off("exit", onExit);
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS of a process and all its descendants, in bytes (0 once it is gone). */
export function treeRssBytes(pid: number): number {
  let total = 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    total += match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
  for (const child of childrenOf(pid)) total += treeRssBytes(child);
  return total;
}

export interface RssSampler {
  /** Stops sampling; returns the peak and the mean of the samples, in bytes. */
  stop(): { peakBytes: number; meanBytes: number; samples: number };
}

/** Samples the process tree's VmRSS every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs = 250): RssSampler {
  const samples: number[] = [treeRssBytes(pid)];
  const timer = setInterval(() => samples.push(treeRssBytes(pid)), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(treeRssBytes(pid));
      const live = samples.filter((bytes) => bytes > 0);
      return {
        peakBytes: Math.max(0, ...live),
        meanBytes: live.length ? live.reduce((sum, bytes) => sum + bytes, 0) / live.length : 0,
        samples: live.length,
      };
    },
  };
}

/** The store variables the app reads: never inherited by a bench server (as tests/support/next-server.ts). */
const STORE_VARIABLES = ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "KV_REST_API_URL", "KV_REST_API_TOKEN", "REDIS_URL", "REDIS_CLUSTER_NODES"];

/**
 * `node <nodeArgs> lib/server/start.mjs` on `port` (the `npm start` entry), for the runs that
 * need node flags tests/support/next-server.ts cannot pass (--cpu-prof is refused in
 * NODE_OPTIONS). Ready when /api/health answers 200.
 */
export async function startServerWithNodeArgs(
  projectDir: string,
  distDir: string,
  port: number,
  nodeArgs: string[],
  env: Record<string, string>,
): Promise<HelperProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of STORE_VARIABLES) delete childEnv[name];
  Object.assign(childEnv, { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, PORT: String(port), HOSTNAME: "127.0.0.1", SHUTDOWN_DELAY_SECONDS: "0", ...env });
  const child = spawn(process.execPath, [...nodeArgs, path.join(projectDir, "lib", "server", "start.mjs")], {
    cwd: projectDir,
    env: childEnv,
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start.mjs exited with code ${child.exitCode}`);
    const status = await fetch(`${url}/api/health`).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("start.mjs did not answer /api/health within 2 minutes");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
