/**
 * Servers for the Playwright specs of this folder. Playwright loads TypeScript as
 * CommonJS, so it cannot load tests/support/next-server.ts (its build helper uses
 * `import.meta`); this starts the same production entry (`node lib/server/start.mjs`)
 * the same way: a free port, a scrubbed environment, ready once /api/health answers.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../support/free-port";
import { BASE_ENV } from "./api";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Store and limit variables a developer's shell may hold: never inherited by a test server. */
const SCRUBBED = /^(UPSTASH_|KV_REST_|REDIS_|MAX_|MIN_TTL|PASSPHRASE_|META_RETENTION|AUDIT_IP|TRUST_PROXY|KEY_PREFIX|RATE_LIMIT_|PORT$|HOSTNAME$)/;

export interface AppServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<number | null>;
}

/** Playwright global setup: the production build, made by the e2e suite's script when missing. */
export function ensureBuild(): void {
  const result = spawnSync(process.execPath, [path.join(PROJECT_DIR, "tests", "e2e", "ensure-build.mjs")], {
    cwd: PROJECT_DIR,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`the production build failed (exit code ${result.status})`);
}

export async function startAppServer(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<AppServer> {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUBBED.test(name)));
  const child = spawn(process.execPath, [path.join(PROJECT_DIR, "lib", "server", "start.mjs")], {
    cwd: PROJECT_DIR,
    env: {
      ...inherited,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR || ".next",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      ...BASE_ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start.mjs exited with code ${child.exitCode}:\n${output}`);
    const status = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200 || status === 503) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`start.mjs did not answer /api/health in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
