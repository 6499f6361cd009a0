/**
 * `npm run bench` (issue 7): every measurement in one run on this machine, written to
 * tests/bench/results/latest.json and latest.md. Exits 1 when a page is over its
 * first-load budget or a load run was not clean (errors or non-2xx answers make its
 * numbers meaningless); other missed goals are reported as MISS, not failed.
 *
 * Environment: BENCH_DURATION_SECONDS (15), BENCH_WARMUP_SECONDS (5), BENCH_CONNECTIONS (50),
 * BENCH_PROFILE_SECONDS (10), NEXT_DIST_DIR (.next; built when its BUILD_ID is missing).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { createRedisStore, createUpstashStore, type SecretStore } from "@/lib/store";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "@/tests/support/global-setup";
import { startNextServer, type NextServer } from "@/tests/support/next-server";
import { freePort } from "@/tests/support/free-port";
import { startRedisServer } from "@/tests/support/redis-server";
import { runLoad, type Endpoint, type LoadResult, type LoadSettings } from "./api-load";
import { measureCliPackage, type CliPackageResult } from "./cli-package";
import { measureClientWork, type ClientWork } from "./client-work";
import { largestProfile, summariseProfile, type ProfileSummary } from "./cpu-profile";
import { measurePageWeight, type PageWeight } from "./page-weight";
import { sealedPool, storeSecrets, verifierOfProof, type StoredSecret } from "./payloads";
import { sampleRss, startHelper, startServerWithNodeArgs } from "./processes";
import { evaluateGoals, renderMarkdown, type BenchResult, type TargetResult } from "./report";

function settingFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 0 && process.env[name] !== "" ? value : fallback;
}

const settings: LoadSettings = {
  connections: settingFromEnv("BENCH_CONNECTIONS", 50),
  durationSeconds: settingFromEnv("BENCH_DURATION_SECONDS", 15),
  warmupSeconds: settingFromEnv("BENCH_WARMUP_SECONDS", 5),
};
const profileSeconds = settingFromEnv("BENCH_PROFILE_SECONDS", 10);
/**
 * The rate limiters count in Redis on every request as in production (one more script per
 * request), with limits so high (the maximum the config accepts) that the single load
 * client is never refused. tests/support/next-server.ts turns them off unless told.
 */
const RATE_LIMITS_COUNTING = {
  RATE_LIMIT_CREATE_PER_MINUTE: "1000000",
  RATE_LIMIT_READ_PER_MINUTE: "1000000",
  RATE_LIMIT_MANAGE_PER_MINUTE: "1000000",
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "1000000",
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "1000000000000",
};
const CHECK_POOL = 1000;
const FOOTPRINT_SECRETS = 10_000;
const BRIDGE_TOKEN = "bench-bridge-token";

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function describe(result: LoadResult): string {
  return `${result.endpoint}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms (${result.requests} requests, ${result.non2xx} non-2xx, ${result.errors} errors, load ${result.loadAverage1m.toFixed(1)})`;
}

/** Enough secrets for every reveal of warm-up and run at twice `estimate` req/s, each read at most 10 times. */
function revealPoolSize(estimateRps: number): number {
  return Math.max(1000, Math.ceil((estimateRps * (settings.warmupSeconds + settings.durationSeconds) * 2) / 10));
}

async function runTarget(
  name: string,
  url: string,
  pid: number,
  redisUrl: string,
  endpoints: Endpoint[],
  sealed: Awaited<ReturnType<typeof sealedPool>>,
): Promise<TargetResult> {
  const rss = sampleRss(pid);
  const results: Partial<Record<Endpoint, LoadResult>> = {};
  let checkPool: StoredSecret[] | undefined;
  for (const endpoint of endpoints) {
    let stored: StoredSecret[] | undefined;
    if (endpoint === "check") stored = checkPool ??= await storeSecrets(redisUrl, CHECK_POOL, sealed);
    if (endpoint === "reveal") {
      const estimate = Math.max(results.check?.requestsPerSecond ?? 0, results.create?.requestsPerSecond ?? 0, 500);
      stored = await storeSecrets(redisUrl, revealPoolSize(estimate), sealed);
    }
    const result = await runLoad(url, endpoint, { sealed, stored }, settings);
    results[endpoint] = result;
    log(`${name} ${describe(result)}`);
  }
  const memory = rss.stop();
  return { name, results, rssPeakBytes: memory.peakBytes, rssMeanBytes: memory.meanBytes, rssSamples: memory.samples };
}

/** Mean and median latency of sequential check operations through one store driver (one connection, no load). */
async function sequentialLatency(store: SecretStore, secrets: StoredSecret[], count: number): Promise<{ meanMs: number; medianMs: number }> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const secret = secrets[index % secrets.length];
    if (!secret) throw new Error("no secrets to check");
    const start = performance.now();
    const result = await store.check({
      id: secret.id,
      accessVerifier: verifierOfProof(secret.access),
      nowMs: Date.now(),
      requester: { ipHex: "00000000000000000000ffff7f000001", auditIp: "127.0.0.0/24" },
    });
    samples.push(performance.now() - start);
    if (result.kind !== "ok") throw new Error(`the hop measurement found no live secret (${result.kind})`);
  }
  samples.sort((a, b) => a - b);
  return { meanMs: samples.reduce((sum, ms) => sum + ms, 0) / samples.length, medianMs: samples[Math.floor(samples.length / 2)] ?? NaN };
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

async function main(): Promise<number> {
  const machine = machineInfo();
  log(`machine: ${machine.nproc} × ${machine.cpuModel}, node ${machine.nodeVersion}, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  const distDir = nextDistDir();
  log(`next build in ${distDir} (only if its BUILD_ID is missing)`);
  await ensureNextBuild();

  log("page weight");
  const pageWeight: PageWeight = measurePageWeight(PROJECT_DIR, distDir);

  log("CLI package: npm pack, offline install, burnlink --help vs node -e 0");
  const cliPackage: CliPackageResult = measureCliPackage(PROJECT_DIR);
  log(`CLI package: ${cliPackage.tarballBytes} bytes, --help ${cliPackage.helpMedianMs.toFixed(0)} ms, node -e 0 ${cliPackage.nodeMedianMs.toFixed(0)} ms`);

  const redis = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
  const cleanups: (() => Promise<unknown>)[] = [() => redis.stop()];
  try {
    log("sealing the ciphertext pool (real lib/crypto, 1 KiB padded envelopes)");
    const sealed = await sealedPool(300);
    const targets: TargetResult[] = [];

    log("Burnlink on Redis (npm start = node lib/server/start.mjs), rate limits counting");
    const app: NextServer = await startNextServer({ env: { REDIS_URL: redis.url, ...RATE_LIMITS_COUNTING } });
    let clientWork: ClientWork;
    try {
      targets.push(await runTarget("burnlink-redis", app.url, app.process.pid ?? 0, redis.url, ["config", "create", "check", "reveal"], sealed));
      log("client work in Chromium");
      clientWork = await measureClientWork(app.url);
    } finally {
      await app.stop();
    }

    log("Burnlink on Redis with rate limits off: the same one script per request as the reference");
    const unlimited = await startNextServer({ env: { REDIS_URL: redis.url } });
    try {
      targets.push(await runTarget("burnlink-redis-no-limits", unlimited.url, unlimited.process.pid ?? 0, redis.url, ["create", "check", "reveal"], sealed));
    } finally {
      await unlimited.stop();
    }

    log("reference: bare node:http + node-redis, same Lua scripts");
    const reference = await startHelper("reference-server", { REDIS_URL: redis.url });
    try {
      targets.push(await runTarget("reference-bare", reference.url, reference.pid, redis.url, ["config", "create", "check", "reveal"], sealed));
    } finally {
      await reference.stop();
    }

    log("Burnlink on the Upstash driver through the test bridge");
    const bridge = await startHelper("bridge-server", { REDIS_URL: redis.url, BRIDGE_TOKEN });
    cleanups.push(() => bridge.stop());
    const upstashApp = await startNextServer({
      env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN, ...RATE_LIMITS_COUNTING },
    });
    try {
      targets.push(await runTarget("burnlink-upstash", upstashApp.url, upstashApp.process.pid ?? 0, redis.url, ["create", "check", "reveal"], sealed));
    } finally {
      await upstashApp.stop();
    }

    log("REST hop: sequential check operations, Redis driver vs Upstash driver");
    const hopSecrets = await storeSecrets(redis.url, 200, sealed);
    const redisStore = createRedisStore({ url: redis.url, commandTimeoutMs: 10_000 });
    const upstashStore = createUpstashStore({ url: bridge.url, token: BRIDGE_TOKEN, commandTimeoutMs: 10_000 });
    let hop;
    try {
      await sequentialLatency(redisStore, hopSecrets, 100);
      await sequentialLatency(upstashStore, hopSecrets, 100);
      hop = { operations: 1000, redis: await sequentialLatency(redisStore, hopSecrets, 1000), upstash: await sequentialLatency(upstashStore, hopSecrets, 1000) };
    } finally {
      await redisStore.close();
      await upstashStore.close();
    }
    log(`hop: redis ${hop.redis.medianMs.toFixed(3)} ms, upstash ${hop.upstash.medianMs.toFixed(3)} ms (median)`);

    log(`CPU profile of the server during ${profileSeconds} s of reveals (node --cpu-prof)`);
    const profileDir = mkdtempSync(path.join(tmpdir(), "burnlink-cpu-prof-"));
    let profile: ProfileSummary;
    let profiledReveal: LoadResult;
    try {
      const profiled = await startServerWithNodeArgs(PROJECT_DIR, distDir, await freePort(), ["--cpu-prof", `--cpu-prof-dir=${profileDir}`], {
        REDIS_URL: redis.url,
        ...RATE_LIMITS_COUNTING,
      });
      try {
        const estimate = targets[0]?.results.check?.requestsPerSecond ?? 1000;
        const stored = await storeSecrets(redis.url, Math.max(1000, Math.ceil((estimate * (profileSeconds + 2) * 2) / 10)), sealed);
        profiledReveal = await runLoad(profiled.url, "reveal", { stored }, { ...settings, durationSeconds: profileSeconds, warmupSeconds: 2 });
        log(`profiled ${describe(profiledReveal)}`);
      } finally {
        await profiled.stop();
      }
      profile = summariseProfile(largestProfile(profileDir), { startUs: profiledReveal.window.startUs, endUs: profiledReveal.window.endUs });
      profile.file = path.basename(profile.file);
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }

    log(`footprint: Redis used_memory before and after ${FOOTPRINT_SECRETS} secrets of 1 KiB`);
    const empty = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
    let footprint;
    try {
      const before = await redisUsedMemory(empty.url);
      await storeSecrets(empty.url, FOOTPRINT_SECRETS, sealed);
      const after = await redisUsedMemory(empty.url);
      footprint = { secrets: FOOTPRINT_SECRETS, usedMemoryBefore: before, usedMemoryAfter: after, bytesPerSecret: (after - before) / FOOTPRINT_SECRETS };
    } finally {
      await empty.stop();
    }

    const result: BenchResult = {
      machine: { ...machine, loadAverageAtEnd: loadavg() },
      settings: { ...settings, profileSeconds, distDir },
      targets,
      hop,
      pageWeight,
      clientWork,
      footprint,
      profile: { ...profile, reveal: profiledReveal },
      cliPackage,
      goals: [],
    };
    result.goals = evaluateGoals(result);
    const resultsDir = path.join(PROJECT_DIR, "tests", "bench", "results");
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
    const markdown = renderMarkdown(result);
    writeFileSync(path.join(resultsDir, "latest.md"), markdown);
    console.log(`\n${markdown}`);

    const problems: string[] = [];
    for (const route of pageWeight.routes) {
      if (route.withinBudget === false) problems.push(`${route.route} first-load JS ${(route.gzipBytes / 1024).toFixed(1)} kB is over its ${route.budgetKb} kB budget`);
    }
    for (const target of targets) {
      for (const load of Object.values(target.results)) {
        if (load && (load.requests === 0 || load.errors > 0 || load.non2xx > 0 || load.timeouts > 0)) {
          problems.push(`${target.name} ${load.endpoint}: ${load.requests} requests, ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts`);
        }
      }
    }
    for (const problem of problems) console.error(`bench FAILED: ${problem}`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

process.exitCode = await main();
