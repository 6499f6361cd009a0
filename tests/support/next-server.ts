/**
 * Starts the real production server (`node lib/server/start.mjs`, the `npm start` entry)
 * on a free port for a test, with an environment chosen by the test. Readiness is proven
 * by polling /api/health until it answers at all (200, or 503 when the test's store is
 * down on purpose), never by a fixed sleep. Store and limit variables of the outer
 * environment are dropped, so a developer's REDIS_URL cannot leak into a test. Rate
 * limits are off (0) unless the test passes RATE_LIMIT_* itself, and so is the SIGTERM delay
 * (SHUTDOWN_DELAY_SECONDS=0) unless the test passes its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { CONFIG_VARIABLES } from "@/lib/server/config";
import { FILE_VARIABLES } from "@/lib/server/env-files";
import { freePort } from "./free-port";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "./global-setup";

export interface NextServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Everything the server printed so far (request logs, warnings). */
  output(): string;
  /** SIGTERM and wait for a graceful exit (SIGKILL after `timeoutMs`); resolves to the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly process: ChildProcess;
}

export interface NextServerOptions {
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
  /** A port chosen by the caller (e.g. to put it into PUBLIC_URL first); a free one by default. */
  port?: number;
}

/** Variables lib/server/config.ts and lib/store read (and their `_FILE` forms): never inherited by a test server. */
const OWNED_VARIABLES = [...CONFIG_VARIABLES, ...Object.values(FILE_VARIABLES), "BURNLINK_CUSTOM_SERVER", "PORT", "HOSTNAME"];

/** Passed unless the caller sets its own: tests/security turns limits on where it tests them. */
export const RATE_LIMITS_OFF = {
  RATE_LIMIT_CREATE_PER_MINUTE: "0",
  RATE_LIMIT_READ_PER_MINUTE: "0",
  RATE_LIMIT_MANAGE_PER_MINUTE: "0",
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "0",
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "0",
} as const;

const POLL_INTERVAL_MS = 50;

/**
 * For hooks and tests that start a server: the first one may run `next build`, which
 * takes minutes on a busy two-core machine (Vitest's hookTimeout is 3 minutes).
 */
export const SERVER_START_TIMEOUT_MS = 10 * 60 * 1000;

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 503;
  } catch {
    return false;
  }
}

export async function startNextServer(options: NextServerOptions = {}): Promise<NextServer> {
  await ensureNextBuild();
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of OWNED_VARIABLES) delete env[name];
  Object.assign(env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: nextDistDir(),
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    // Every test talks from 127.0.0.1: the limits are off unless a test turns them on.
    ...RATE_LIMITS_OFF,
    // Stopping a test server should not wait for a load balancer; shutdown tests set their own.
    SHUTDOWN_DELAY_SECONDS: "0",
    ...options.env,
  });

  const child = spawn(process.execPath, [path.join(PROJECT_DIR, "lib", "server", "start.mjs")], {
    cwd: PROJECT_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited(child)) throw new Error(`start.mjs exited with code ${child.exitCode} before answering:\n${output}`);
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`start.mjs did not answer /api/health in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }

  return {
    url,
    port,
    process: child,
    output: () => output,
    async stop(timeoutMs = 15_000) {
      if (exited(child)) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exitCode;
      clearTimeout(timer);
      return code;
    },
  };
}
