/**
 * `npm run bench` (issues 7 and 15): every measurement in one run on this machine, written to
 * tests/bench/results/latest.json and latest.md. Exits 1 when a page is over its
 * first-load budget or a load run was not clean (errors or non-2xx answers make its
 * numbers meaningless); other missed goals are reported as MISS, not failed.
 *
 * The API measurements run once per Node version (BENCH_NODE_MAJORS, default "20,24"): each
 * in tests/bench/api-suite.ts, started with that Node's binary on a fresh redis-server.
 * Everything else (page weight, CLI package, client work in Chromium, Redis footprint) runs
 * once, on the Node that runs this file.
 *
 * Environment: BENCH_NODE_MAJORS, BENCH_QUICK=1 (a few minutes, skips Chromium and the CLI
 * package), BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS, BENCH_RUN_WARMUP_SECONDS,
 * BENCH_CONNECTIONS, BENCH_PROFILE_SECONDS, BENCH_AFTER_SECONDS (see ./settings.ts),
 * NEXT_DIST_DIR (.next; built when its BUILD_ID is missing).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { EventDispatcher } from "@/lib/server/events/dispatcher";
import { createRedisStore } from "@/lib/store";
import { eventSourceFor } from "@/lib/store/event-source";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "@/tests/support/global-setup";
import { startNextServer } from "@/tests/support/next-server";
import { startRedisServer } from "@/tests/support/redis-server";
import type { NodeSuiteResult } from "./api-suite";
import { measureCliPackage, type CliPackageResult } from "./cli-package";
import { measureClientWork, type ClientWork } from "./client-work";
import { nodeBinary, nodeMajorsFromEnv } from "./node-versions";
import { measurePageWeight, type PageWeight } from "./page-weight";
import { sealedPool, storeSecrets } from "./payloads";
import { TOOLS_DIR } from "./processes";
import { evaluateGoals, renderMarkdown, type BenchResult } from "./report";
import { benchSettings, RATE_LIMITS_COUNTING } from "./settings";

const settings = benchSettings();
const FOOTPRINT_SECRETS = 10_000;

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/**
 * Delivers (to no sink) and acknowledges every §9 event waiting in the Redis at `url`, as a
 * server's dispatcher does within EVENT_POLL_MS: what a stored secret costs once its
 * `secret.created` event has gone out. Rounds until no shard is busy.
 */
async function deliverAllEvents(url: string): Promise<void> {
  const store = createRedisStore({ url, commandTimeoutMs: 10_000 });
  try {
    const source = eventSourceFor(store);
    const dispatcher = new EventDispatcher(source, [], { pollMs: 60_000, sweepMs: 3_600_000 });
    while ((await source.busyShards()).length > 0) await dispatcher.round();
  } finally {
    await store.close();
  }
}

async function redisUsedMemory(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    const info = await client.info("memory");
    const match = /used_memory:(\d+)/.exec(info);
    if (!match?.[1]) throw new Error("INFO memory has no used_memory");
    return Number(match[1]);
  } finally {
    client.destroy();
  }
}

function machineInfo() {
  const cpu = cpus();
  let gitCommit = "unknown";
  try {
    gitCommit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: PROJECT_DIR, encoding: "utf8" }).trim();
  } catch {
    // Outside a git checkout the commit is simply unknown.
  }
  let redisVersion = "unknown";
  try {
    redisVersion = /v=(\S+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))?.[1] ?? redisVersion;
  } catch {
    // Reported as unknown; startRedisServer fails loudly below if it is really missing.
  }
  return {
    date: new Date().toISOString(),
    nproc: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    nodeVersion: process.version,
    redisVersion,
    gitCommit,
    loadAverageAtStart: loadavg(),
  };
}


/** Runs tests/bench/api-suite.ts on `nodePath` against a fresh redis-server; its JSON result. */
async function runSuite(nodePath: string): Promise<NodeSuiteResult> {
  const redis = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
  const dir = mkdtempSync(path.join(tmpdir(), "burnlink-bench-suite-"));
  const out = path.join(dir, "suite.json");
  try {
    const child = spawn(nodePath, [path.join(TOOLS_DIR, "api-suite.mjs")], {
      cwd: PROJECT_DIR,
      env: { ...process.env, REDIS_URL: redis.url, BENCH_SUITE_OUT: out },
      stdio: "inherit",
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`the API suite on ${nodePath} exited with code ${code}`);
    return JSON.parse(readFileSync(out, "utf8")) as NodeSuiteResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await redis.stop();
  }
}

async function main(): Promise<number> {
  const machine = machineInfo();
  log(`machine: ${machine.nproc} × ${machine.cpuModel}, node ${machine.nodeVersion}, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  log(`settings ${JSON.stringify(settings)}`);
  const distDir = nextDistDir();
  log(`next build in ${distDir} (only if its BUILD_ID is missing)`);
  await ensureNextBuild();

  log("page weight");
  const pageWeight: PageWeight = measurePageWeight(PROJECT_DIR, distDir);

  let cliPackage: CliPackageResult | undefined;
  if (!settings.quick) {
    log("CLI package: npm pack, offline install, burnlink --help vs node -e 0");
    cliPackage = measureCliPackage(PROJECT_DIR);
    log(`CLI package: ${cliPackage.tarballBytes} bytes, --help ${cliPackage.helpMedianMs.toFixed(0)} ms, node -e 0 ${cliPackage.nodeMedianMs.toFixed(0)} ms`);
  }

  const sealed = await sealedPool(300);
  let clientWork: ClientWork | undefined;
  if (!settings.quick) {
    log("client work in Chromium");
    const redis = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
    try {
      const app = await startNextServer({ env: { REDIS_URL: redis.url, ...RATE_LIMITS_COUNTING } });
      try {
        clientWork = await measureClientWork(app.url);
      } finally {
        await app.stop();
      }
    } finally {
      await redis.stop();
    }
  }

  log(`footprint: Redis used_memory before and after ${FOOTPRINT_SECRETS} secrets of 1 KiB`);
  const empty = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
  let footprint;
  try {
    const before = await redisUsedMemory(empty.url);
    await storeSecrets(empty.url, FOOTPRINT_SECRETS, sealed);
    const undelivered = await redisUsedMemory(empty.url);
    await deliverAllEvents(empty.url);
    const after = await redisUsedMemory(empty.url);
    footprint = {
      secrets: FOOTPRINT_SECRETS,
      usedMemoryBefore: before,
      usedMemoryUndelivered: undelivered,
      usedMemoryAfter: after,
      bytesPerSecretUndelivered: (undelivered - before) / FOOTPRINT_SECRETS,
      bytesPerSecret: (after - before) / FOOTPRINT_SECRETS,
    };
  } finally {
    await empty.stop();
  }

  const nodes: NodeSuiteResult[] = [];
  for (const major of nodeMajorsFromEnv()) {
    log(`Node ${major}: the API suite`);
    const binary = nodeBinary(major);
    try {
      log(`Node ${major} is ${binary.version} (${binary.path})`);
      nodes.push(await runSuite(binary.path));
    } finally {
      binary.dispose();
    }
  }

  const result: BenchResult = {
    machine: { ...machine, loadAverageAtEnd: loadavg() },
    settings: { ...settings, distDir },
    nodes,
    pageWeight,
    clientWork,
    footprint,
    cliPackage,
    goals: [],
  };
  result.goals = evaluateGoals(result);
  // A quick run checks the bench, it is not a result: it goes next to the bundles (ignored by git).
  const resultsDir = settings.quick ? path.join(TOOLS_DIR, "results") : path.join(PROJECT_DIR, "tests", "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const markdown = renderMarkdown(result);
  writeFileSync(path.join(resultsDir, "latest.md"), markdown);
  console.log(`\n${markdown}`);

  const problems: string[] = [];
  for (const route of pageWeight.routes) {
    if (route.withinBudget === false) problems.push(`${route.route} first-load JS ${(route.gzipBytes / 1024).toFixed(1)} kB is over its ${route.budgetKb} kB budget`);
  }
  for (const suite of nodes) {
    for (const target of suite.targets) {
      for (const load of Object.values(target.results)) {
        if (load && (load.requests === 0 || load.errors > 0 || load.non2xx > 0 || load.timeouts > 0)) {
          problems.push(`node ${suite.nodeVersion} ${target.name} ${load.endpoint}: ${load.requests} requests, ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts`);
        }
      }
    }
    for (const driver of suite.upstashDriver) {
      if (driver.errors > 0 || driver.operations === 0) problems.push(`node ${suite.nodeVersion} upstash driver (${driver.transport}): ${driver.operations} operations, ${driver.errors} errors`);
    }
  }
  for (const problem of problems) console.error(`bench FAILED: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = await main();
