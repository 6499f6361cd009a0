/**
 * Builds the CLI bundle exactly as `npm install` and `npm pack` do (lib/cli/build.mjs: one
 * minified ESM file for node20) and runs it as a child process through its real entry, lib/cli/burnlink.mjs.
 * The child is started in a new session, so it has no controlling terminal: a passphrase
 * prompt fails at once instead of waiting for a keyboard.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildBundle } from "@/lib/cli/build.mjs";
import { PROJECT_DIR } from "../support/global-setup";

export const LAUNCHER = join(PROJECT_DIR, "lib", "cli", "burnlink.mjs");

/** Variables the CLI reads: a developer's own never leak into a test run. */
const CLI_VARIABLES = ["BURNLINK_SERVER", "BURNLINK_PASSPHRASE", "BURNLINK_DEBUG", "BURNLINK_TOKEN"];

/** Bundles lib/cli/main.ts as lib/cli/build.mjs does, atomically (see buildBundle). */
export async function buildCli(): Promise<void> {
  await buildBundle();
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
  /** Called with everything the CLI wrote to stderr so far, whenever it writes more. */
  onStderr?: (stderrSoFar: string) => void;
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
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    options.onStderr?.(Buffer.concat(stderr).toString("utf8"));
  });
  // A CLI that exits without reading stdin closes the pipe under us; that is not a failure.
  child.stdin.on("error", () => {});
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(stdout);
      resolve({
        code,
        stdout: stdoutBytes.toString("utf8"),
        stdoutBytes,
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

export interface TerminalStep {
  /** Wait until the terminal shows this (counting from the previous step's match)… */
  waitFor: string;
  /** …then type this. */
  type: string;
}

/**
 * Runs `shellCommand` on a real pseudo-terminal (util-linux `script`), typing each step's
 * text once the terminal shows its prompt, as a person would. Resolves with everything the
 * terminal displayed, so a test can prove what was (not) echoed.
 */
export function runOnTerminal(
  shellCommand: string,
  steps: readonly TerminalStep[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<{ code: number | null; screen: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CLI_VARIABLES) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(
    "script",
    ["--quiet", "--flush", "--return", "--command", shellCommand, "/dev/null"],
    {
      cwd: PROJECT_DIR,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    },
  );
  let screen = "";
  let consumed = 0;
  let next = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
    const step = steps[next];
    if (step === undefined) return;
    const at = screen.indexOf(step.waitFor, consumed);
    if (at === -1) return;
    consumed = at + step.waitFor.length;
    next += 1;
    child.stdin.write(step.type);
  });
  child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
  child.stdin.on("error", () => {});
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}
