/**
 * Builds the CLI bundle exactly as `npm install` does (package.json "prepare": esbuild,
 * ESM, node20) and runs it as a child process through its real entry, lib/cli/burnlink.mjs.
 * The child is started in a new session, so it has no controlling terminal: a passphrase
 * prompt fails at once instead of waiting for a keyboard.
 */
import { spawn } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { PROJECT_DIR } from "../support/global-setup";

export const LAUNCHER = join(PROJECT_DIR, "lib", "cli", "burnlink.mjs");
const BUNDLE = join(PROJECT_DIR, "lib", "cli", "dist", "burnlink.mjs");

/** Variables the CLI reads: a developer's own never leak into a test run. */
const CLI_VARIABLES = ["BURNLINK_SERVER", "BURNLINK_PASSPHRASE", "BURNLINK_DEBUG"];

/** Bundles lib/cli/main.ts; written to a temporary file and renamed, so a running CLI never reads half a bundle. */
export async function buildCli(): Promise<void> {
  const result = await build({
    absWorkingDir: PROJECT_DIR,
    entryPoints: ["lib/cli/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: BUNDLE,
    write: false,
    logLevel: "warning",
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error("esbuild produced no bundle");
  mkdirSync(join(PROJECT_DIR, "lib", "cli", "dist"), { recursive: true });
  const temporary = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, BUNDLE);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export interface CliRunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CLI_VARIABLES) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    cwd: options.cwd ?? PROJECT_DIR,
    env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  // A CLI that exits without reading stdin closes the pipe under us; that is not a failure.
  child.stdin.on("error", () => {});
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(stdout);
      resolve({ code, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr: Buffer.concat(stderr).toString("utf8") });
    });
  });
}
