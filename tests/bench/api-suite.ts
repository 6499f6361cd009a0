/**
 * The API part of `npm run bench` on ONE Node version (issue 15): tests/bench/main.ts runs
 * this bundle once per BENCH_NODE_MAJORS entry with that Node's binary, so every server,
 * helper and the load generator it starts run on that Node (they use process.execPath).
 *
 * All servers are up at once and every endpoint is measured on each target in turn
 * (interleaved), so machine load that comes and goes hits every target alike. Each target is
 * first warmed for BENCH_WARMUP_SECONDS (≥ 15 s by default: Node 24 needs it) with creates,
 * checks and reveals; every measured run has its own short warm-up as well.
 *
 * Targets: Burnlink under the default `npm start` (direct API dispatch once lib/server/start.mjs
 * has it), the same routes through Next's router (API_DISPATCH=router), the default start
 * with a 256 MB heap cap, the bare node:http + node-redis ceiling, and Burnlink on the Upstash
 * driver through the bridge, with the Pool requester (default) and with UPSTASH_TRANSPORT=fetch. Besides: the Upstash driver alone (fetch vs Pool requester)
 * through the same bridge, resident memory idle / peak / after, and a CPU profile.
 *
 * Env: REDIS_URL (a running redis-server), BENCH_SUITE_OUT (the JSON file to write), and the
 * BENCH_* settings of main.ts, passed through.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { createRedisStore, createUpstashStore, type SecretStore } from "@/lib/store";
import { EVENT_SHARDS, pendingKey } from "@/lib/store/event-keys";
import { DEFAULT_KEY_PREFIX } from "@/lib/store/keys";
import type { UpstashTransport } from "@/lib/store/upstash-store";
import { nextDistDir, PROJECT_DIR } from "@/tests/support/global-setup";
import { startNextServer, type NextServer } from "@/tests/support/next-server";
import { freePort } from "@/tests/support/free-port";
import { describeLoad, mergeLoads, runLoad, type Endpoint, type LoadResult, type LoadSettings } from "./api-load";
import { largestProfile, summariseProfile, type ProfileSummary } from "./cpu-profile";
import { sealedPool, storeSecrets, verifierOfProof, type StoredSecret } from "./payloads";
import { sampleRss, startHelper, startServerWithNodeArgs, treeRssBytes, type RssSampler } from "./processes";
import { benchSettings, RATE_LIMITS_COUNTING, type BenchSettings } from "./settings";

export interface TargetResult {
  /** burnlink, burnlink-router, burnlink-uncapped, reference-bare, burnlink-upstash, burnlink-upstash-fetch */
  name: string;
  /** What differs from the default start, as passed (environment). */
  env: Record<string, string>;
  results: Partial<Record<Endpoint, LoadResult>>;
  rssIdleBytes: number;
  rssPeakBytes: number;
  rssMeanBytes: number;
  rssSamples: number;
  /** Resident memory `rssAfterSeconds` after the last load ended. */
  rssAfterBytes: number;
  rssAfterSeconds: number;
}

export interface DriverLoad {
  transport: UpstashTransport;
  operationsPerSecond: number;
  operations: number;
  errors: number;
  inFlight: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU (user + system) of this process per operation: the client side of the REST hop. */
  cpuMicrosPerOperation: number;
}

export interface HopLatency {
  operations: number;
  redis: { meanMs: number; medianMs: number };
  upstashFetch: { meanMs: number; medianMs: number };
  upstashPool: { meanMs: number; medianMs: number };
}

export interface NodeSuiteResult {
  nodeVersion: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  targets: TargetResult[];
  upstashDriver: DriverLoad[];
  hop: HopLatency;
  profile: ProfileSummary & { reveal: LoadResult };
}

const CHECK_POOL = 1000;
const BRIDGE_TOKEN = "bench-bridge-token";

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)} node ${process.versions.node}] ${message}`);
}

/** Enough secrets for every reveal of one run (and its warm-up) at twice `estimate` req/s, each read at most 10 times. */
function revealPoolSize(estimateRps: number, seconds: number): number {
  return Math.max(1000, Math.ceil((estimateRps * seconds * 2) / 10));
}

interface Running {
  name: string;
  url: string;
  pid: number;
  env: Record<string, string>;
  endpoints: Endpoint[];
  rssIdleBytes: number;
  sampler?: RssSampler;
  results: Partial<Record<Endpoint, LoadResult>>;
  stop(): Promise<unknown>;
}

async function startTargets(redisUrl: string, bridgeUrl: string): Promise<Running[]> {
  const targets: Running[] = [];
  const app = async (name: string, env: Record<string, string>, endpoints: Endpoint[]) => {
    const server: NextServer = await startNextServer({ env: { ...RATE_LIMITS_COUNTING, ...env } });
    const pid = server.process.pid ?? 0;
    targets.push({ name, url: server.url, pid, env, endpoints, rssIdleBytes: treeRssBytes(pid), results: {}, stop: () => server.stop() });
  };
  const api: Endpoint[] = ["config", "create", "check", "reveal"];
  // The default start: whatever `npm start` does (direct dispatch, the default heap cap).
  await app("burnlink", { REDIS_URL: redisUrl }, api);
  // API_DISPATCH=router: the same routes through Next's router server, as `next start` serves them.
  await app("burnlink-router", { REDIS_URL: redisUrl, API_DISPATCH: "router" }, api);
  // The default start without its heap cap (MEMORY_LIMIT_MB=0): what the cap saves, and costs.
  await app("burnlink-uncapped", { REDIS_URL: redisUrl, MEMORY_LIMIT_MB: "0" }, [
    "create",
    "check",
    "reveal",
  ]);
  const reference = await startHelper("reference-server", { REDIS_URL: redisUrl });
  targets.push({
    name: "reference-bare",
    url: reference.url,
    pid: reference.pid,
    env: {},
    endpoints: api,
    rssIdleBytes: treeRssBytes(reference.pid),
    results: {},
    stop: () => reference.stop(),
  });
  const upstash = { UPSTASH_REDIS_REST_URL: bridgeUrl, UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN };
  await app("burnlink-upstash", upstash, ["create", "check", "reveal"]);
  // Today's transport before issue 15: @upstash/redis's own global fetch.
  await app("burnlink-upstash-fetch", { ...upstash, UPSTASH_TRANSPORT: "fetch" }, ["create", "check", "reveal"]);
  return targets;
}

/** ≥ settings.warmupSeconds of creates, checks and reveals, discarded: JIT, heap and pools settle. */
async function warm(target: Running, redisUrl: string, sealed: Awaited<ReturnType<typeof sealedPool>>, settings: BenchSettings): Promise<void> {
  const third = Math.max(1, Math.ceil(settings.warmupSeconds / 3));
  const quiet: LoadSettings = { connections: settings.connections, durationSeconds: third, warmupSeconds: 0 };
  const checks = await storeSecrets(redisUrl, CHECK_POOL, sealed);
  await runLoad(target.url, "create", { sealed }, quiet);
  await runLoad(target.url, "check", { stored: checks }, quiet);
  await runLoad(target.url, "reveal", { stored: await storeSecrets(redisUrl, revealPoolSize(2000, third), sealed) }, quiet);
}

/** Longest wait for the dispatchers to deliver one endpoint's events before the next starts. */
const DRAIN_LIMIT_MS = 180_000;

/**
 * Waits until no subject's §9 outbox is pending (all servers share the bench's Redis and its
 * key prefix). Every create leaves a secret.created event that the servers' dispatchers
 * deliver to the audit log afterwards; without this wait the creates' backlog (tens of
 * thousands of events) was delivered during the next endpoint's first round, by every
 * server at once, and slowed whichever target ran then (README "Performance", issue 15).
 * Polls the pending indexes, the condition itself; gives up after DRAIN_LIMIT_MS and says so.
 */
async function drainEvents(redisUrl: string, after: string): Promise<void> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    const started = Date.now();
    const pendingNow = async () => {
      let total = 0;
      for (let shard = 0; shard < EVENT_SHARDS; shard++) total += await client.zCard(pendingKey(DEFAULT_KEY_PREFIX, shard));
      return total;
    };
    const first = await pendingNow();
    let left = first;
    while (left > 0 && Date.now() - started < DRAIN_LIMIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await pendingNow();
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(left === 0 ? `after ${after}: ${first} subjects' events delivered in ${seconds} s` : `after ${after}: ${left} of ${first} subjects still pending after ${seconds} s; measuring anyway`);
  } finally {
    await client.close();
  }
}

async function measureInterleaved(targets: Running[], redisUrl: string, sealed: Awaited<ReturnType<typeof sealedPool>>, settings: BenchSettings) {
  // Each endpoint's time is split into rounds that go through every target in turn, so a
  // burst of outside load lands on all of them rather than on whichever ran then.
  const rounds = Math.max(1, Math.floor(settings.rounds));
  const run: LoadSettings = {
    connections: settings.connections,
    durationSeconds: Math.max(1, Math.round(settings.durationSeconds / rounds)),
    warmupSeconds: settings.runWarmupSeconds,
  };
  const checks = await storeSecrets(redisUrl, CHECK_POOL, sealed);
  for (const endpoint of ["config", "create", "check", "reveal"] as const) {
    const parts = new Map<Running, LoadResult[]>();
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        if (!target.endpoints.includes(endpoint)) continue;
        let stored: StoredSecret[] | undefined;
        if (endpoint === "check") stored = checks;
        if (endpoint === "reveal") {
          const estimate = Math.max(target.results.check?.requestsPerSecond ?? 0, target.results.create?.requestsPerSecond ?? 0, 500);
          stored = await storeSecrets(redisUrl, revealPoolSize(estimate, run.durationSeconds + run.warmupSeconds), sealed);
        }
        const result = await runLoad(target.url, endpoint, { sealed, stored }, run);
        parts.set(target, [...(parts.get(target) ?? []), result]);
        log(`${target.name} round ${round + 1}/${rounds} ${describeLoad(result)}`);
      }
    }
    for (const [target, results] of parts) target.results[endpoint] = mergeLoads(results);
    await drainEvents(redisUrl, endpoint);
  }
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

/** `inFlight` concurrent check operations through one store for `seconds`: the driver alone, no HTTP server in front. */
async function driverLoad(store: SecretStore, transport: UpstashTransport, secrets: StoredSecret[], seconds: number, inFlight: number): Promise<DriverLoad> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        const secret = secrets[next++ % secrets.length];
        if (!secret) throw new Error("no secrets to check");
        const start = performance.now();
        try {
          const result = await store.check({
            id: secret.id,
            accessVerifier: verifierOfProof(secret.access),
            nowMs: Date.now(),
            requester: { ipHex: "00000000000000000000ffff7f000001", auditIp: "127.0.0.0/24" },
          });
          if (result.kind !== "ok") errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    transport,
    operationsPerSecond: latencies.length / elapsedSeconds,
    operations: latencies.length,
    errors,
    inFlight,
    seconds: elapsedSeconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicrosPerOperation: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  };
}

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
  return { meanMs: samples.reduce((sum, ms) => sum + ms, 0) / samples.length, medianMs: percentile(samples, 0.5) };
}

async function measureUpstashDriver(redisUrl: string, bridgeUrl: string, sealed: Awaited<ReturnType<typeof sealedPool>>, settings: BenchSettings) {
  const secrets = await storeSecrets(redisUrl, CHECK_POOL, sealed);
  const stores = {
    fetch: createUpstashStore({ url: bridgeUrl, token: BRIDGE_TOKEN, commandTimeoutMs: 10_000, transport: "fetch" }),
    pool: createUpstashStore({ url: bridgeUrl, token: BRIDGE_TOKEN, commandTimeoutMs: 10_000, transport: "pool" }),
  };
  const redisStore = createRedisStore({ url: redisUrl, commandTimeoutMs: 10_000 });
  try {
    const loads: DriverLoad[] = [];
    // Interleaved, each warmed first: fetch, pool, fetch, pool; the two halves are summed.
    for (const transport of ["fetch", "pool"] as const) await driverLoad(stores[transport], transport, secrets, settings.runWarmupSeconds, settings.connections);
    const halves: DriverLoad[] = [];
    for (let round = 0; round < 2; round++) {
      for (const transport of ["fetch", "pool"] as const) {
        halves.push(await driverLoad(stores[transport], transport, secrets, settings.durationSeconds / 2, settings.connections));
      }
    }
    for (const transport of ["fetch", "pool"] as const) {
      const parts = halves.filter((part) => part.transport === transport);
      const operations = parts.reduce((sum, part) => sum + part.operations, 0);
      const seconds = parts.reduce((sum, part) => sum + part.seconds, 0);
      loads.push({
        transport,
        operations,
        seconds,
        operationsPerSecond: operations / seconds,
        errors: parts.reduce((sum, part) => sum + part.errors, 0),
        inFlight: settings.connections,
        // The halves are alike; the worse of the two percentiles is reported.
        p50Ms: Math.max(...parts.map((part) => part.p50Ms)),
        p99Ms: Math.max(...parts.map((part) => part.p99Ms)),
        cpuMicrosPerOperation: parts.reduce((sum, part) => sum + part.cpuMicrosPerOperation * part.operations, 0) / Math.max(1, operations),
      });
      log(`upstash driver (${transport}): ${loads.at(-1)?.operationsPerSecond.toFixed(0)} checks/s, ${loads.at(-1)?.cpuMicrosPerOperation.toFixed(0)} µs CPU each`);
    }
    for (const store of [redisStore, stores.fetch, stores.pool]) await sequentialLatency(store, secrets, 50);
    const count = settings.quick ? 200 : 1000;
    const hop: HopLatency = {
      operations: count,
      redis: await sequentialLatency(redisStore, secrets, count),
      upstashFetch: await sequentialLatency(stores.fetch, secrets, count),
      upstashPool: await sequentialLatency(stores.pool, secrets, count),
    };
    return { loads, hop };
  } finally {
    await Promise.all([stores.fetch.close(), stores.pool.close(), redisStore.close()]);
  }
}

async function profileReveals(redisUrl: string, sealed: Awaited<ReturnType<typeof sealedPool>>, settings: BenchSettings, estimateRps: number) {
  const profileDir = mkdtempSync(path.join(tmpdir(), "burnlink-cpu-prof-"));
  try {
    const profiled = await startServerWithNodeArgs(PROJECT_DIR, nextDistDir(), await freePort(), ["--cpu-prof", `--cpu-prof-dir=${profileDir}`], {
      REDIS_URL: redisUrl,
      ...RATE_LIMITS_COUNTING,
    });
    let reveal: LoadResult;
    try {
      const stored = await storeSecrets(redisUrl, revealPoolSize(estimateRps, settings.profileSeconds + settings.runWarmupSeconds), sealed);
      reveal = await runLoad(profiled.url, "reveal", { stored }, { connections: settings.connections, durationSeconds: settings.profileSeconds, warmupSeconds: settings.runWarmupSeconds });
      log(`profiled ${describeLoad(reveal)}`);
    } finally {
      await profiled.stop();
    }
    const summary = summariseProfile(largestProfile(profileDir), { startUs: reveal.window.startUs, endUs: reveal.window.endUs });
    return { ...summary, file: path.basename(summary.file), reveal };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const redisUrl = String(process.env.REDIS_URL);
  const out = String(process.env.BENCH_SUITE_OUT);
  const loadAverageAtStart = loadavg();
  log(`settings ${JSON.stringify(settings)}`);
  const sealed = await sealedPool(300);
  const bridge = await startHelper("bridge-server", { REDIS_URL: redisUrl, BRIDGE_TOKEN });
  let targets: Running[] = [];
  try {
    targets = await startTargets(redisUrl, bridge.url);
    for (const target of targets) target.sampler = sampleRss(target.pid);
    for (const target of targets) {
      log(`warming ${target.name} for ${settings.warmupSeconds} s`);
      await warm(target, redisUrl, sealed, settings);
    }
    await drainEvents(redisUrl, "the warm-up");
    await measureInterleaved(targets, redisUrl, sealed, settings);
    const memory = targets.map((target) => target.sampler?.stop() ?? { peakBytes: 0, meanBytes: 0, samples: 0 });
    log(`resident memory ${settings.afterSeconds} s after the load`);
    const afterDeadline = Date.now() + settings.afterSeconds * 1000;
    while (Date.now() < afterDeadline) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, afterDeadline - Date.now())));
    const results: TargetResult[] = targets.map((target, index) => ({
      name: target.name,
      env: Object.fromEntries(Object.entries(target.env).filter(([name]) => !/URL|TOKEN/.test(name))),
      results: target.results,
      rssIdleBytes: target.rssIdleBytes,
      rssPeakBytes: memory[index]?.peakBytes ?? 0,
      rssMeanBytes: memory[index]?.meanBytes ?? 0,
      rssSamples: memory[index]?.samples ?? 0,
      rssAfterBytes: treeRssBytes(target.pid),
      rssAfterSeconds: settings.afterSeconds,
    }));
    for (const target of targets) await target.stop();
    targets = [];

    log("Upstash driver alone through the bridge: fetch vs Pool requester");
    const upstash = await measureUpstashDriver(redisUrl, bridge.url, sealed, settings);

    log(`CPU profile of the server during ${settings.profileSeconds} s of reveals (node --cpu-prof)`);
    const profile = await profileReveals(redisUrl, sealed, settings, results[0]?.results.check?.requestsPerSecond ?? 1000);

    const suite: NodeSuiteResult = {
      nodeVersion: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
      targets: results,
      upstashDriver: upstash.loads,
      hop: upstash.hop,
      profile,
    };
    writeFileSync(out, `${JSON.stringify(suite, null, 2)}\n`);
  } finally {
    for (const target of targets) await target.stop().catch(() => undefined);
    await bridge.stop();
  }
}

await main();
