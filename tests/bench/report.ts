/**
 * The bench result: its JSON shape, the goals of issues 7 and 15 judged PASS/MISS, and the
 * human table (markdown) that the README's Performance section shows. Every section names
 * the command and method that produced its figures.
 */
import type { Endpoint, LoadResult } from "./api-load";
import type { NodeSuiteResult, TargetResult } from "./api-suite";
import { renderCliPackage, type CliPackageResult } from "./cli-package";
import type { ClientWork } from "./client-work";
import type { ProfileSummary } from "./cpu-profile";
import type { PageWeight } from "./page-weight";
import type { BenchSettings } from "./settings";

export interface Goal {
  goal: string;
  measured: string;
  pass: boolean;
}

export interface BenchResult {
  machine: {
    date: string;
    nproc: number;
    cpuModel: string;
    nodeVersion: string;
    redisVersion: string;
    gitCommit: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  settings: BenchSettings & { distDir: string };
  /** The API suite once per Node version (BENCH_NODE_MAJORS). */
  nodes: NodeSuiteResult[];
  pageWeight: PageWeight;
  /** Not measured with BENCH_QUICK=1. */
  clientWork?: ClientWork;
  /**
   * Redis used_memory for `secrets` stored secrets: `Undelivered` with each one's
   * secret.created event still in its outbox (as stored), the others once the events are
   * delivered and acknowledged (the steady state a running server keeps).
   */
  footprint: {
    secrets: number;
    usedMemoryBefore: number;
    usedMemoryUndelivered: number;
    usedMemoryAfter: number;
    bytesPerSecretUndelivered: number;
    bytesPerSecret: number;
  };
  /** Not measured with BENCH_QUICK=1. */
  cliPackage?: CliPackageResult;
  goals: Goal[];
}

/** EnvShare under `next start` on this kind of machine, same load (issue 7). */
export const ENVSHARE = { createsPerSecond: 291, readsPerSecond: 160, createP99Ms: 541, readP99Ms: 400 };
export const PEER_FACTOR = 5;
/** Issue 15's goals. */
export const CEILING_FRACTION = 0.3;
export const P99_GOAL_MS = 50;
export const RSS_GOAL_BYTES = 300 * 1024 * 1024;
export const UPSTASH_FACTOR = 3;

const COMMAND = "`npm run bench` (= `node tests/bench/run.mjs`)";
const ENDPOINTS = ["create", "check", "reveal"] as const;

function target(suite: NodeSuiteResult, name: string): TargetResult | undefined {
  return suite.targets.find((entry) => entry.name === name);
}

function load(suite: NodeSuiteResult, name: string, endpoint: Endpoint): LoadResult | undefined {
  return target(suite, name)?.results[endpoint];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const rps = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? "–" : `${(a / b).toFixed(2)}×`);
const nodeLabel = (suite: NodeSuiteResult) => `Node ${suite.nodeVersion}`;

function nodeGoals(suite: NodeSuiteResult): Goal[] {
  const goals: Goal[] = [];
  const label = nodeLabel(suite);
  for (const endpoint of ENDPOINTS) {
    const app = load(suite, "burnlink", endpoint);
    const bare = load(suite, "reference-bare", endpoint);
    if (!app || !bare) continue;
    goals.push({
      goal: `${label}: ${endpoint} ≥ ${CEILING_FRACTION}× the bare ceiling (default start, rate limits counting)`,
      measured: `${(app.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}× (${rps(app.requestsPerSecond)} vs ${rps(bare.requestsPerSecond)} req/s)`,
      pass: app.requestsPerSecond >= CEILING_FRACTION * bare.requestsPerSecond,
    });
  }
  for (const endpoint of ENDPOINTS) {
    const app = load(suite, "burnlink", endpoint);
    if (!app) continue;
    goals.push({
      goal: `${label}: ${endpoint} p99 ≤ ${P99_GOAL_MS} ms at ${app.connections} connections`,
      measured: `${ms(app.latencyP99Ms)} ms`,
      pass: app.latencyP99Ms <= P99_GOAL_MS,
    });
  }
  const server = target(suite, "burnlink");
  if (server) {
    goals.push({
      goal: `${label}: server resident memory ≤ 300 MB (peak under the API load, default start)`,
      measured: `${mb(server.rssPeakBytes)} (idle ${mb(server.rssIdleBytes)}, ${server.rssAfterSeconds} s after ${mb(server.rssAfterBytes)})`,
      pass: server.rssPeakBytes <= RSS_GOAL_BYTES,
    });
  }
  const fetch = suite.upstashDriver.find((entry) => entry.transport === "fetch");
  const pool = suite.upstashDriver.find((entry) => entry.transport === "pool");
  if (fetch && pool) {
    goals.push({
      goal: `${label}: Upstash driver ≥ ${UPSTASH_FACTOR}× the fetch transport's throughput through the same bridge`,
      measured: `${(pool.operationsPerSecond / fetch.operationsPerSecond).toFixed(2)}× (${rps(pool.operationsPerSecond)} vs ${rps(fetch.operationsPerSecond)} checks/s; CPU ${pool.cpuMicrosPerOperation.toFixed(0)} vs ${fetch.cpuMicrosPerOperation.toFixed(0)} µs per call)`,
      pass: pool.operationsPerSecond >= UPSTASH_FACTOR * fetch.operationsPerSecond,
    });
  }
  return goals;
}

export function evaluateGoals(result: BenchResult): Goal[] {
  const goals: Goal[] = result.nodes.flatMap(nodeGoals);
  // Issue 7's goals, on the first Node measured (the project's supported baseline).
  const first = result.nodes[0];
  const framework = first ? load(first, "burnlink", "config")?.requestsPerSecond : undefined;
  for (const endpoint of ["create", "reveal"] as const) {
    const measured = first ? load(first, "burnlink", endpoint) : undefined;
    if (!first || !measured || !framework) continue;
    const label = nodeLabel(first);
    goals.push({
      goal: `${label}: ${endpoint} ≥ 0.8× the framework ceiling (GET /api/config)`,
      measured: `${(measured.requestsPerSecond / framework).toFixed(2)}× (${rps(measured.requestsPerSecond)} vs ${rps(framework)} req/s)`,
      pass: measured.requestsPerSecond >= 0.8 * framework,
    });
    const peerRps = endpoint === "create" ? ENVSHARE.createsPerSecond : ENVSHARE.readsPerSecond;
    const peerP99 = endpoint === "create" ? ENVSHARE.createP99Ms : ENVSHARE.readP99Ms;
    goals.push({
      goal: `${label}: ${endpoint} ≥ ${PEER_FACTOR}× EnvShare's ${peerRps} req/s (≥ ${PEER_FACTOR * peerRps} req/s)`,
      measured: `${rps(measured.requestsPerSecond)} req/s = ${(measured.requestsPerSecond / peerRps).toFixed(1)}×`,
      pass: measured.requestsPerSecond >= PEER_FACTOR * peerRps,
    });
    goals.push({
      goal: `${label}: ${endpoint} p99 ≤ 1/${PEER_FACTOR} of EnvShare's ${peerP99} ms (≤ ${ms(peerP99 / PEER_FACTOR)} ms)`,
      measured: `${ms(measured.latencyP99Ms)} ms`,
      pass: measured.latencyP99Ms <= peerP99 / PEER_FACTOR,
    });
  }
  for (const route of result.pageWeight.routes) {
    if (route.budgetKb === undefined) continue;
    goals.push({
      goal: `first-load JS of ${route.route} ≤ ${route.budgetKb} kB gzip (bench fails otherwise)`,
      measured: kb(route.gzipBytes),
      pass: route.withinBudget === true,
    });
  }
  const sealMiB = result.clientWork?.seal.find((entry) => entry.label === "1 MiB");
  if (sealMiB) goals.push({ goal: "1 MiB seal + upload ≤ 300 ms (median)", measured: `${ms(sealMiB.medianMs)} ms`, pass: sealMiB.medianMs <= 300 });
  if (result.clientWork) {
    goals.push({
      goal: "passphrase derivation (PBKDF2, 600,000 iterations) ≤ 1 s (median)",
      measured: `${ms(result.clientWork.pbkdf2.medianMs)} ms`,
      pass: result.clientWork.pbkdf2.medianMs <= 1000,
    });
  }
  goals.push({
    goal: "Redis memory per secret ≤ 2.5 KiB (its events delivered)",
    measured: `${(result.footprint.bytesPerSecret / 1024).toFixed(2)} KiB (${(result.footprint.bytesPerSecretUndelivered / 1024).toFixed(2)} KiB before delivery)`,
    pass: result.footprint.bytesPerSecret <= 2.5 * 1024,
  });
  return goals;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function cell(result: LoadResult | undefined): string {
  if (!result) return "–";
  const flag = result.non2xx + result.errors + result.timeouts > 0 ? ` ⚠ ${result.non2xx} non-2xx/${result.errors} errors` : "";
  return `${rps(result.requestsPerSecond)} req/s · p50 ${ms(result.latencyP50Ms)} · p99 ${ms(result.latencyP99Ms)} ms${flag}`;
}

const TARGET_LABELS: Record<string, string> = {
  burnlink: "Burnlink, default `npm start`",
  "burnlink-router": "Burnlink, `API_DISPATCH=router`",
  "burnlink-uncapped": "Burnlink, no heap cap (`MEMORY_LIMIT_MB=0`)",
  "reference-bare": "bare node:http + node-redis, same Lua",
  "burnlink-upstash": "Burnlink on the Upstash driver (bridge), Pool requester",
  "burnlink-upstash-fetch": "Burnlink on the Upstash driver (bridge), `UPSTASH_TRANSPORT=fetch`",
};

function renderProfile(suite: NodeSuiteResult, settings: BenchSettings): string[] {
  const profile: ProfileSummary & { reveal: LoadResult } = suite.profile;
  return [
    `##### ${nodeLabel(suite)}: where the server's time goes (node --cpu-prof on \`lib/server/start.mjs\`, default start, ${settings.profileSeconds} s of reveals at ${rps(profile.reveal.requestsPerSecond)} req/s)`,
    "",
    `Busy ${ms(profile.busyMs)} ms of ${ms(profile.totalMs)} ms sampled ${
      profile.windowed ? "during the measured reveals (start-up and warm-up excluded)" : "over the whole process life (start-up included)"
    }; the rest idle, waiting on the network and Redis. Busy time by layer:`,
    "",
    "| Layer | Self time | Share of busy |",
    "|---|---|---|",
    ...profile.categories.map((entry) => `| ${entry.name} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% |`),
    "",
    "Self time by module group (bundled code mapped to its source through the build's source maps):",
    "",
    "| Module group | Self time | Share of busy |",
    "|---|---|---|",
    ...profile.topModules.slice(0, 10).map((entry) => `| ${entry.name} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% |`),
    "",
    "Top functions by self time:",
    "",
    "| Function — module:line | Self time | Share of busy | Called from (main path, nearest first) |",
    "|---|---|---|---|",
    ...profile.topFunctions.map(
      (entry) => `| ${escapeCell(entry.name)} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% | ${escapeCell(entry.via ?? "")} |`,
    ),
    "",
  ];
}

function renderNode(suite: NodeSuiteResult, settings: BenchSettings): string[] {
  const lines: string[] = [
    `#### ${nodeLabel(suite)}: API requests/s and latency (autocannon, ${settings.connections} connections, ${settings.durationSeconds} s per endpoint and server in ${settings.rounds} interleaved round(s); p50/p99 the worst round's)`,
    "",
    `Load average ${suite.loadAverageAtStart.map((value) => value.toFixed(2)).join(" / ")} when this Node's suite started, ` +
      `${suite.loadAverageAtEnd.map((value) => value.toFixed(2)).join(" / ")} when it ended.`,
    "",
    "| Endpoint | " + ["burnlink", "burnlink-router", "burnlink-uncapped", "reference-bare"].map((name) => TARGET_LABELS[name]).join(" | ") +
      " | default ÷ bare | default ÷ router | " + TARGET_LABELS["burnlink-upstash"] + " | " + TARGET_LABELS["burnlink-upstash-fetch"] + " | Pool ÷ fetch |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const endpoint of ["config", ...ENDPOINTS] as const) {
    const app = load(suite, "burnlink", endpoint);
    const router = load(suite, "burnlink-router", endpoint);
    const bare = load(suite, "reference-bare", endpoint);
    const label = endpoint === "config" ? "GET /api/config" : endpoint === "create" ? "POST /api/secrets (create)" : `POST …/${endpoint}`;
    lines.push(
      `| ${label} | ${cell(app)} | ${cell(router)} | ${cell(load(suite, "burnlink-uncapped", endpoint))} | ${cell(bare)} | ` +
        `${ratio(app?.requestsPerSecond, bare?.requestsPerSecond)} | ${ratio(app?.requestsPerSecond, router?.requestsPerSecond)} | ` +
        `${cell(load(suite, "burnlink-upstash", endpoint))} | ${cell(load(suite, "burnlink-upstash-fetch", endpoint))} | ` +
        `${ratio(load(suite, "burnlink-upstash", endpoint)?.requestsPerSecond, load(suite, "burnlink-upstash-fetch", endpoint)?.requestsPerSecond)} |`,
    );
  }
  lines.push(
    "",
    `Resident memory (VmRSS of each server's process tree, sampled every 250 ms from its start through its warm-up and runs; "after" = ${suite.targets[0]?.rssAfterSeconds ?? "–"} s after the last run):`,
    "",
    "| Server | Idle (after start) | Peak under load | Mean under load | After |",
    "|---|---|---|---|---|",
    ...suite.targets.map(
      (entry) =>
        `| ${TARGET_LABELS[entry.name] ?? entry.name}${Object.keys(entry.env).length ? ` (${Object.entries(entry.env).map(([name, value]) => `${name}=${value}`).join(", ")})` : ""} | ${mb(entry.rssIdleBytes)} | ${mb(entry.rssPeakBytes)} | ${mb(entry.rssMeanBytes)} | ${mb(entry.rssAfterBytes)} |`,
    ),
    "",
    `Upstash driver alone (no HTTP server in front): ${settings.connections} check operations in flight through the bridge from one process, ` +
      "the two transports interleaved (two halves each), CPU = this process's user + system time per call:",
    "",
    "| Transport | Checks/s | p50 | p99 | CPU per call | Errors |",
    "|---|---|---|---|---|---|",
    ...suite.upstashDriver.map(
      (entry) =>
        `| ${entry.transport === "pool" ? "undici Pool requester (default)" : "@upstash/redis's global fetch"} | ${rps(entry.operationsPerSecond)} | ${ms(entry.p50Ms)} ms | ${ms(entry.p99Ms)} ms | ${entry.cpuMicrosPerOperation.toFixed(0)} µs | ${entry.errors} |`,
    ),
    "",
    `REST hop: ${suite.hop.operations} sequential check operations from one client, no other load (median / mean): Redis driver ` +
      `${ms(suite.hop.redis.medianMs)} / ${ms(suite.hop.redis.meanMs)} ms, Upstash over fetch ${ms(suite.hop.upstashFetch.medianMs)} / ${ms(suite.hop.upstashFetch.meanMs)} ms, ` +
      `Upstash over the Pool ${ms(suite.hop.upstashPool.medianMs)} / ${ms(suite.hop.upstashPool.meanMs)} ms (loopback, before any real network distance).`,
    "",
    ...renderProfile(suite, settings),
  );
  return lines;
}

export function renderMarkdown(result: BenchResult): string {
  const { machine, settings } = result;
  const lines: string[] = [];
  lines.push(
    `### Benchmark results (${machine.date.slice(0, 16).replace("T", " ")} UTC, commit ${machine.gitCommit}${settings.quick ? ", BENCH_QUICK=1: short runs, not for comparison" : ""})`,
    "",
    `Machine: ${machine.nproc} × ${machine.cpuModel}; Redis ${machine.redisVersion}; Node ${result.nodes.map((suite) => suite.nodeVersion).join(" and ")}; ` +
      `load average ${machine.loadAverageAtStart.map((value) => value.toFixed(2)).join(" / ")} at start, ` +
      `${machine.loadAverageAtEnd.map((value) => value.toFixed(2)).join(" / ")} at end (1/5/15 min). ` +
      `All figures: ${COMMAND}.`,
    "",
    "(The bench itself keeps the server, Redis and the load generator busy, about 2–3 of the load average; " +
      "the figure at start shows other work on the machine.)",
    "",
    ...((machine.loadAverageAtStart[0] ?? 0) > machine.nproc
      ? [
          `> **The machine was busy with other work when this run started** (1-minute load average above its ${machine.nproc} cores): ` +
            "every process here got only a share of the CPU, so absolute figures are low and noisy; the ratios, measured interleaved, hold better.",
          "",
        ]
      : []),
    "Loopback; the servers, Redis and the load generator share the same cores, and all run on the Node named in each section. " +
      `Burnlink runs under \`npm start\` (\`node lib/server/start.mjs\`, production build in \`${settings.distDir}\`) on a private redis-server, ` +
      "with the rate limiters counting in the store as in production (limits raised so the single load client is never refused). " +
      "Create sends a fresh id and a real sealed 1 KiB padded envelope; check and reveal use pre-stored secrets (maxViews 10, each read at most 10 times). " +
      `All servers of one Node version are up together; each is warmed for ${settings.warmupSeconds} s (creates, checks, reveals), then every endpoint ` +
      `is measured on each server in turn (interleaved, ${settings.rounds} round(s)), each run after its own ${settings.runWarmupSeconds} s warm-up.`,
    "",
    "#### Goals",
    "",
    "| Goal | Measured | Result |",
    "|---|---|---|",
    ...result.goals.map((goal) => `| ${goal.goal} | ${goal.measured} | ${goal.pass ? "PASS" : "**MISS**"} |`),
    "",
    ...result.nodes.flatMap((suite) => renderNode(suite, settings)),
    `#### Page weight (first-load JS, gzip -9 of the chunks in \`${result.pageWeight.distDir}/diagnostics/route-bundle-stats.json\`)`,
    "",
    `Empty-page baseline: ${kb(result.pageWeight.baseline.gzipBytes)} gzip (${result.pageWeight.baseline.method}). ` +
      `Chunks shared by every Burnlink page: ${kb(result.pageWeight.sharedByAllPagesGzipBytes)}.`,
    "",
    "| Route | First-load JS (gzip) | Uncompressed | Above the empty page | Budget |",
    "|---|---|---|---|---|",
    ...result.pageWeight.routes.map(
      (route) =>
        `| ${route.route} | ${kb(route.gzipBytes)} | ${kb(route.rawBytes)} | +${kb(route.overBaselineBytes)} | ${
          route.budgetKb === undefined ? "–" : `${route.budgetKb} kB ${route.withinBudget ? "PASS" : "**OVER**"}`
        } |`,
    ),
    "",
    ...renderClientWork(result.clientWork),
    "#### Footprint",
    "",
    `Redis: INFO memory used_memory went from ${result.footprint.usedMemoryBefore} to ${result.footprint.usedMemoryUndelivered} bytes for ` +
      `${result.footprint.secrets} secrets of 1 KiB stored through the Redis driver on a fresh redis-server ` +
      `(${(result.footprint.bytesPerSecretUndelivered / 1024).toFixed(2)} KiB per secret with its secret.created event still in its outbox and the pending index), ` +
      `and to ${result.footprint.usedMemoryAfter} bytes once a dispatcher had delivered and acknowledged those events, as a running server does within EVENT_POLL_MS: ` +
      `**${(result.footprint.bytesPerSecret / 1024).toFixed(2)} KiB per secret** (ciphertext 1,064 bytes as 1,419 base64url characters, the metadata hash, the id tombstone, the expiry schedule entry).`,
    "",
    ...(result.cliPackage ? renderCliPackage(result.cliPackage) : []),
  );
  return lines.join("\n");
}

function renderClientWork(clientWork: ClientWork | undefined): string[] {
  if (!clientWork) return [];
  return [
    `#### Client work in Chromium ${clientWork.chromiumVersion} (Playwright, headless)`,
    "",
    "The pages' own calls (lib/crypto + lib/api/client, bundled by esbuild) run in a page at the app's origin against a " +
      "Burnlink server; the React UI is not timed. 1 KiB is a text secret, 100 KiB and 1 MiB a random file, each sized to " +
      "fill its padded envelope exactly. Median of several runs after one discarded warm-up run (min–max in brackets); " +
      "the crypto part alone is the median of the same runs.",
    "",
    "| Size | Seal + upload | of which sealSecret | Reveal + open | of which openSecret |",
    "|---|---|---|---|---|",
    ...clientWork.seal.map((seal, index) => {
      const reveal = clientWork.reveal[index];
      return `| ${seal.label} | ${ms(seal.medianMs)} ms (${ms(seal.minMs)}–${ms(seal.maxMs)}, n=${seal.runs}) | ${ms(seal.cryptoMedianMs ?? NaN)} ms | ${
        reveal ? `${ms(reveal.medianMs)} ms (${ms(reveal.minMs)}–${ms(reveal.maxMs)}, n=${reveal.runs}) | ${ms(reveal.cryptoMedianMs ?? NaN)} ms` : "– | –"
      } |`;
    }),
    `| ${clientWork.pbkdf2.label} | ${ms(clientWork.pbkdf2.medianMs)} ms (${ms(clientWork.pbkdf2.minMs)}–${ms(clientWork.pbkdf2.maxMs)}, n=${clientWork.pbkdf2.runs}) | | | |`,
    "",
  ];
}
