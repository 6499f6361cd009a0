/**
 * Makes sure a production Next build exists before API tests start servers from it.
 *
 * The build goes to `${NEXT_DIST_DIR:-.next}` (next.config.js reads the same variable),
 * and is made only when its BUILD_ID is missing (delete the folder to test fresh code).
 * Test files in parallel workers share one build through a lock directory, so two
 * `next build` runs never write into the same folder. `next build` adds its output's
 * type folder to tsconfig.json; for a private dist dir that edit is undone afterwards so
 * test runs leave the lead's config alone.
 *
 * Usable as a Vitest globalSetup (default export) or from a suite's beforeAll.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const LOCK_STALE_MS = 10 * 60 * 1000;
const LOCK_POLL_MS = 200;

export function nextDistDir(): string {
  return process.env.NEXT_DIST_DIR || ".next";
}

function buildIdPath(): string {
  return path.join(PROJECT_DIR, nextDistDir(), "BUILD_ID");
}

/** tsconfig.json without the include entries `next build` adds for private dist dirs. */
function withoutPrivateDistTypes(text: string): string {
  try {
    const config = JSON.parse(text) as { include?: unknown };
    if (Array.isArray(config.include)) {
      config.include = config.include.filter(
        (entry) => typeof entry !== "string" || !/^\.next-[^/]+\/(?:dev\/)?types\/\*\*\/\*\.ts$/.test(entry),
      );
    }
    return JSON.stringify(config);
  } catch {
    return text;
  }
}

/**
 * Undoes what `next build` wrote into tsconfig.json for a private dist dir, and only
 * that: when the file means anything else than before, someone edited it on purpose.
 * Parallel builds of other helpers may have left their own entries in `before`; then the
 * committed file is the clean version to go back to.
 */
function restoreTsconfig(tsconfigPath: string, before: string): void {
  const now = readFileSync(tsconfigPath, "utf8");
  if (now === before || withoutPrivateDistTypes(now) !== withoutPrivateDistTypes(before)) return;
  let clean = before;
  if (withoutPrivateDistTypes(before) !== JSON.stringify(JSON.parse(before))) {
    try {
      const committed = execFileSync("git", ["show", "HEAD:tsconfig.json"], { cwd: PROJECT_DIR, encoding: "utf8" });
      if (withoutPrivateDistTypes(committed) === withoutPrivateDistTypes(now)) clean = committed;
    } catch {
      return;
    }
  }
  writeFileSync(tsconfigPath, clean);
}

function runBuild(): Promise<void> {
  const tsconfigPath = path.join(PROJECT_DIR, "tsconfig.json");
  const tsconfigBefore = readFileSync(tsconfigPath, "utf8");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_DIR, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: PROJECT_DIR,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: nextDistDir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (nextDistDir() !== ".next") restoreTsconfig(tsconfigPath, tsconfigBefore);
      if (code === 0 && existsSync(buildIdPath())) resolve();
      else reject(new Error(`next build (dist dir ${nextDistDir()}) failed with code ${code}:\n${output.slice(-6000)}`));
    });
  });
}

/** Builds once per dist dir, whichever worker gets there first; the others wait for it. */
export async function ensureNextBuild(): Promise<void> {
  if (existsSync(buildIdPath())) return;
  const lockDir = path.join(PROJECT_DIR, `${nextDistDir()}.build-lock`);
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > LOCK_STALE_MS) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      // Another worker is building: wait for its lock to go, then use its build.
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      if (!existsSync(lockDir) && existsSync(buildIdPath())) return;
    }
  }
  try {
    if (!existsSync(buildIdPath())) await runBuild();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export default async function setup(): Promise<void> {
  await ensureNextBuild();
}
