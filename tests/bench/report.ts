/**
 * The bench result: its JSON shape, the goals of issue 7 judged PASS/MISS, and the human
 * table (markdown) that the README's Performance section shows. Every section names the
 * command and method that produced its figures.
 */
import type { Endpoint, LoadResult, LoadSettings } from "./api-load";
import { renderCliPackage, type CliPackageResult } from "./cli-package";
import type { ClientWork } from "./client-work";
import type { ProfileSummary } from "./cpu-profile";
import type { PageWeight } from "./page-weight";

export interface TargetResult {
  /** burnlink-redis, burnlink-redis-no-limits, reference-bare, burnlink-upstash */
  name: string;
  results: Partial<Record<Endpoint, LoadResult>>;
  rssPeakBytes: number;
  rssMeanBytes: number;
  rssSamples: number;
}

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
  settings: LoadSettings & { profileSeconds: number; distDir: string };
  targets: TargetResult[];
  hop: { operations: number; redis: { meanMs: number; medianMs: number }; upstash: { meanMs: number; medianMs: number } };
  pageWeight: PageWeight;
  clientWork: ClientWork;
  footprint: { secrets: number; usedMemoryBefore: number; usedMemoryAfter: number; bytesPerSecret: number };
  profile: ProfileSummary & { reveal: LoadResult };
  cliPackage: CliPackageResult;
  goals: Goal[];
}

/** EnvShare under `next start` on this kind of machine, same load (issue 7). */
export const ENVSHARE = { createsPerSecond: 291, readsPerSecond: 160, createP99Ms: 541, readP99Ms: 400 };
export const PEER_FACTOR = 5;

const COMMAND = "`npm run bench` (= `node tests/bench/run.mjs`)";

function target(result: BenchResult, name: string): TargetResult | undefined {
  return result.targets.find((entry) => entry.name === name);
}

function load(result: BenchResult, name: string, endpoint: Endpoint): LoadResult | undefined {
  return target(result, name)?.results[endpoint];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const rps = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? "–" : `${(a / b).toFixed(2)}×`);

export function evaluateGoals(result: BenchResult): Goal[] {
  const goals: Goal[] = [];
  const framework = load(result, "burnlink-redis", "config")?.requestsPerSecond;
  for (const endpoint of ["create", "reveal"] as const) {
    const measured = load(result, "burnlink-redis", endpoint);
    if (!measured || !framework) continue;
    goals.push({
      goal: `${endpoint} ≥ 0.8× the framework ceiling (GET /api/config)`,
      measured: `${(measured.requestsPerSecond / framework).toFixed(2)}× (${rps(measured.requestsPerSecond)} vs ${rps(framework)} req/s)`,
      pass: measured.requestsPerSecond >= 0.8 * framework,
    });
    const peerRps = endpoint === "create" ? ENVSHARE.createsPerSecond : ENVSHARE.readsPerSecond;
    const peerP99 = endpoint === "create" ? ENVSHARE.createP99Ms : ENVSHARE.readP99Ms;
    goals.push({
      goal: `${endpoint} ≥ ${PEER_FACTOR}× EnvShare's ${peerRps} req/s (≥ ${PEER_FACTOR * peerRps} req/s)`,
      measured: `${rps(measured.requestsPerSecond)} req/s = ${(measured.requestsPerSecond / peerRps).toFixed(1)}×`,
      pass: measured.requestsPerSecond >= PEER_FACTOR * peerRps,
    });
    goals.push({
      goal: `${endpoint} p99 ≤ 1/${PEER_FACTOR} of EnvShare's ${peerP99} ms (≤ ${ms(peerP99 / PEER_FACTOR)} ms)`,
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
  const sealMiB = result.clientWork.seal.find((entry) => entry.label === "1 MiB");
  if (sealMiB) goals.push({ goal: "1 MiB seal + upload ≤ 300 ms (median)", measured: `${ms(sealMiB.medianMs)} ms`, pass: sealMiB.medianMs <= 300 });
  goals.push({
    goal: "passphrase derivation (PBKDF2, 600,000 iterations) ≤ 1 s (median)",
    measured: `${ms(result.clientWork.pbkdf2.medianMs)} ms`,
    pass: result.clientWork.pbkdf2.medianMs <= 1000,
  });
  goals.push({
    goal: "Redis memory per secret ≤ 2.5 KiB",
    measured: `${(result.footprint.bytesPerSecret / 1024).toFixed(2)} KiB`,
    pass: result.footprint.bytesPerSecret <= 2.5 * 1024,
  });
  const rss = target(result, "burnlink-redis")?.rssPeakBytes;
  if (rss !== undefined) goals.push({ goal: "server resident memory during the API load ≤ 300 MB (peak)", measured: mb(rss), pass: rss <= 300 * 1024 * 1024 });
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

export function renderMarkdown(result: BenchResult): string {
  const { machine, settings } = result;
  const lines: string[] = [];
  const framework = load(result, "burnlink-redis", "config");
  lines.push(
    `### Benchmark results (${machine.date.slice(0, 16).replace("T", " ")} UTC, commit ${machine.gitCommit})`,
    "",
    `Machine: ${machine.nproc} × ${machine.cpuModel}; Node ${machine.nodeVersion}; Redis ${machine.redisVersion}; ` +
      `load average ${machine.loadAverageAtStart.map((value) => value.toFixed(2)).join(" / ")} at start, ` +
      `${machine.loadAverageAtEnd.map((value) => value.toFixed(2)).join(" / ")} at end (1/5/15 min). ` +
      `All figures: ${COMMAND}.`,
    "",
    "(The bench itself keeps the server, Redis and the load generator busy, about 2–3 of the load average at the end; " +
      "the figure at start shows other work on the machine.)",
    "",
    ...((machine.loadAverageAtStart[0] ?? 0) > machine.nproc
      ? [
          `> **The machine was busy with other work when this run started** (1-minute load average above its ${machine.nproc} cores): ` +
            "every process here got only a share of the CPU, so absolute figures are low and noisy; the heavier the server, the more it loses.",
          "",
        ]
      : []),
    `#### API: requests/s and latency (autocannon, ${settings.connections} connections, ${settings.durationSeconds} s after a ${settings.warmupSeconds} s warm-up)`,
    "",
    "Loopback; the server, Redis and the load generator share the same cores. Burnlink runs under `npm start` " +
      `(\`node lib/server/start.mjs\`, production build in \`${settings.distDir}\`) on a private redis-server. Create sends a fresh id and a ` +
      "real sealed 1 KiB padded envelope; check and reveal use pre-stored secrets (maxViews 10, each read at most 10 times).",
    "",
    "Burnlink runs as in production, with the rate limiters counting in the store (one more Lua script per request, limits " +
      "raised so the single load client is never refused), and once more with rate limits off, which does exactly the " +
      "reference's Redis work (one script per request).",
    "",
    "| Endpoint | Burnlink + Redis | ÷ framework ceiling | Burnlink + Redis, rate limits off | Bare node:http + node-redis, same Lua | Burnlink ÷ bare (limits on / off) | Burnlink + Upstash driver (REST bridge) |",
    "|---|---|---|---|---|---|---|",
  );
  for (const endpoint of ["config", "create", "check", "reveal"] as const) {
    const app = load(result, "burnlink-redis", endpoint);
    const unlimited = load(result, "burnlink-redis-no-limits", endpoint);
    const bare = load(result, "reference-bare", endpoint);
    const upstash = load(result, "burnlink-upstash", endpoint);
    const label = endpoint === "config" ? "GET /api/config (framework ceiling)" : endpoint === "create" ? "POST /api/secrets (create)" : `POST …/${endpoint}`;
    lines.push(
      `| ${label} | ${cell(app)} | ${endpoint === "config" ? "1.00×" : ratio(app?.requestsPerSecond, framework?.requestsPerSecond)} | ${cell(unlimited)} | ${cell(bare)} | ${ratio(app?.requestsPerSecond, bare?.requestsPerSecond)} / ${ratio(unlimited?.requestsPerSecond, bare?.requestsPerSecond)} | ${cell(upstash)} |`,
    );
  }
  const appTarget = target(result, "burnlink-redis");
  const upstashTarget = target(result, "burnlink-upstash");
  lines.push(
    "",
    `REST hop: ${result.hop.operations} sequential check operations from one client, no other load: Redis driver median ${ms(result.hop.redis.medianMs)} ms ` +
      `(mean ${ms(result.hop.redis.meanMs)}), Upstash driver through the local bridge median ${ms(result.hop.upstash.medianMs)} ms (mean ${ms(result.hop.upstash.meanMs)}): ` +
      `+${ms(result.hop.upstash.medianMs - result.hop.redis.medianMs)} ms per store operation on loopback, before any real network distance. ` +
      "With the rate limiters on, a create or check makes 2 store operations (limit counter, then the script) and a reveal 3 " +
      "(read counter, wrong-passphrase counter, reveal script), so the hop is paid 2–3 times per request. " +
      "Under load the bridge process also takes CPU from the same cores, which a hosted Upstash would not.",
    "",
    `Server resident memory (VmRSS of the server process tree, sampled every 250 ms): Burnlink + Redis peak ${mb(appTarget?.rssPeakBytes ?? 0)}, ` +
      `mean ${mb(appTarget?.rssMeanBytes ?? 0)}; Burnlink + Upstash peak ${mb(upstashTarget?.rssPeakBytes ?? 0)}.`,
    "",
    "#### Goals",
    "",
    "| Goal | Measured | Result |",
    "|---|---|---|",
    ...result.goals.map((goal) => `| ${goal.goal} | ${goal.measured} | ${goal.pass ? "PASS" : "**MISS**"} |`),
    "",
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
    `#### Client work in Chromium ${result.clientWork.chromiumVersion} (Playwright, headless)`,
    "",
    "The pages' own calls (lib/crypto + lib/api/client, bundled by esbuild) run in a page at the app's origin against the " +
      "server above; the React UI is not timed. 1 KiB is a text secret, 100 KiB and 1 MiB a random file, each sized to " +
      "fill its padded envelope exactly. Median of several runs after one discarded warm-up run (min–max in brackets); " +
      "the crypto part alone is the median of the same runs.",
    "",
    "| Size | Seal + upload | of which sealSecret | Reveal + open | of which openSecret |",
    "|---|---|---|---|---|",
    ...result.clientWork.seal.map((seal, index) => {
      const reveal = result.clientWork.reveal[index];
      return `| ${seal.label} | ${ms(seal.medianMs)} ms (${ms(seal.minMs)}–${ms(seal.maxMs)}, n=${seal.runs}) | ${ms(seal.cryptoMedianMs ?? NaN)} ms | ${
        reveal ? `${ms(reveal.medianMs)} ms (${ms(reveal.minMs)}–${ms(reveal.maxMs)}, n=${reveal.runs}) | ${ms(reveal.cryptoMedianMs ?? NaN)} ms` : "– | –"
      } |`;
    }),
    `| ${result.clientWork.pbkdf2.label} | ${ms(result.clientWork.pbkdf2.medianMs)} ms (${ms(result.clientWork.pbkdf2.minMs)}–${ms(result.clientWork.pbkdf2.maxMs)}, n=${result.clientWork.pbkdf2.runs}) | | | |`,
    "",
    "#### Footprint",
    "",
    `Redis: INFO memory used_memory went from ${result.footprint.usedMemoryBefore} to ${result.footprint.usedMemoryAfter} bytes for ` +
      `${result.footprint.secrets} secrets of 1 KiB stored through the Redis driver on a fresh redis-server: ` +
      `**${(result.footprint.bytesPerSecret / 1024).toFixed(2)} KiB per secret** (ciphertext 1,064 bytes as 1,419 base64url characters, plus the metadata hash).`,
    "",
    `#### Where the server's time goes (node --cpu-prof on \`lib/server/start.mjs\`, ${result.settings.profileSeconds} s of reveals at ${rps(result.profile.reveal.requestsPerSecond)} req/s)`,
    "",
    `Busy ${ms(result.profile.busyMs)} ms of ${ms(result.profile.totalMs)} ms sampled ${
      result.profile.windowed ? "during the measured reveals (start-up and warm-up excluded)" : "over the whole process life (start-up included)"
    }; the rest idle, waiting on the network and Redis. Busy time by layer:`,
    "",
    "| Layer | Self time | Share of busy |",
    "|---|---|---|",
    ...result.profile.categories.map((entry) => `| ${entry.name} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% |`),
    "",
    "Self time by module group (bundled code mapped to its source through the build's source maps):",
    "",
    "| Module group | Self time | Share of busy |",
    "|---|---|---|",
    ...result.profile.topModules.map((entry) => `| ${entry.name} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% |`),
    "",
    "Top functions by self time:",
    "",
    "| Function — module:line | Self time | Share of busy | Called from (main path, nearest first) |",
    "|---|---|---|---|",
    ...result.profile.topFunctions.map(
      (entry) => `| ${escapeCell(entry.name)} | ${ms(entry.selfMs)} ms | ${entry.percent.toFixed(1)}% | ${escapeCell(entry.via ?? "")} |`,
    ),
    "",
    ...renderCliPackage(result.cliPackage),
  );
  return lines.join("\n");
}
