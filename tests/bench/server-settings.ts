/**
 * A short, interleaved comparison of start.mjs's settings (issue 15 items 1, 2, 5): the
 * same create/check/reveal load (rate limits counting, autocannon) against servers that
 * differ in one setting, plus the RSS of the server's process tree idle, at the peak under
 * load and after, and the server's CPU time per answered request (which a busy machine
 * distorts far less than req/s). Not the full bench (npm run bench): a quick way to show what a setting
 * moves. Run it with
 *   node tests/bench/server-settings.mjs
 * (it bundles this file with esbuild like run.mjs). Environment: SETTINGS_VARIANTS (a
 * comma list of variant names below, default all), SETTINGS_SECONDS (10), SETTINGS_ROUNDS (2),
 * SETTINGS_CONNECTIONS (50). The servers run on the node that runs this script.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { startRedisServer } from "@/tests/support/redis-server";
import { freePort } from "@/tests/support/free-port";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "@/tests/support/global-setup";
import { runLoad, type Endpoint, type LoadResult } from "./api-load";
import { sealedPool, storeSecrets } from "./payloads";
import { sampleRss, startServerWithNodeArgs, treeRssBytes } from "./processes";

const RATE_LIMITS_COUNTING = {
  RATE_LIMIT_CREATE_PER_MINUTE: "1000000",
  RATE_LIMIT_READ_PER_MINUTE: "1000000",
  RATE_LIMIT_MANAGE_PER_MINUTE: "1000000",
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "1000000",
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "1000000000000",
};

/** One server configuration; `env` is what differs. */
const VARIANTS: Record<string, Record<string, string>> = {
  direct: { API_DISPATCH: "direct" },
  router: { API_DISPATCH: "router" },
  "direct-uncapped": { API_DISPATCH: "direct", MEMORY_LIMIT_MB: "0" },
  "router-uncapped": { API_DISPATCH: "router", MEMORY_LIMIT_MB: "0" },
  "direct-nocompress": { API_DISPATCH: "direct", COMPRESS: "0" },
  "direct-2workers": { API_DISPATCH: "direct", WEB_CONCURRENCY: "2" },
  // On Node >= 24 start.mjs caps the semi-space at 32 MB (lib/server/memory-limit.mjs); these
  // are the sides: Node 20's 16 MB, and a larger young generation, through NODE_OPTIONS.
  "direct-semi16": { API_DISPATCH: "direct", NODE_OPTIONS: "--max-semi-space-size=16" },
  "direct-semi32": { API_DISPATCH: "direct", NODE_OPTIONS: "--max-semi-space-size=32" },
  "direct-semi64": { API_DISPATCH: "direct", NODE_OPTIONS: "--max-semi-space-size=64" },
};

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds the process and everything it started have used (utime + stime, children by walking the tree). */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks = Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    children = [];
  }
  return ticks / TICKS_PER_SECOND + children.reduce((sum, child) => sum + treeCpuSeconds(child), 0);
}

const seconds = Number(process.env.SETTINGS_SECONDS ?? 10);
const rounds = Number(process.env.SETTINGS_ROUNDS ?? 2);
const connections = Number(process.env.SETTINGS_CONNECTIONS ?? 50);
const names = (process.env.SETTINGS_VARIANTS ?? Object.keys(VARIANTS).join(",")).split(",").filter((name) => name in VARIANTS);
const endpoints: Endpoint[] = ["create", "check", "reveal"];
const MB = 1024 * 1024;

interface Row {
  variant: string;
  round: number;
  results: LoadResult[];
  /** Server CPU (whole process tree) per answered request, by endpoint: robust on a busy machine. */
  cpuMsPerRequest: number[];
  idleMb: number;
  peakMb: number;
  afterMb: number;
}

await ensureNextBuild();
const redis = await startRedisServer({ args: ["--save", "", "--appendonly", "no"] });
const rows: Row[] = [];
try {
  const sealed = await sealedPool(300);
  for (let round = 1; round <= rounds; round++) {
    for (const variant of names) {
      const port = await freePort();
      const env = { REDIS_URL: redis.url, ...RATE_LIMITS_COUNTING, ...VARIANTS[variant] };
      const server = await startServerWithNodeArgs(PROJECT_DIR, nextDistDir(), port, [], env);
      try {
        const idleMb = treeRssBytes(server.pid) / MB;
        // Enough for the whole run: a stored secret opens 10 times.
        const stored = await storeSecrets(redis.url, Math.ceil((3000 * (seconds + 3)) / 10), sealed);
        const sampler = sampleRss(server.pid);
        const results: LoadResult[] = [];
        const cpuMsPerRequest: number[] = [];
        for (const endpoint of endpoints) {
          // Warm-up as its own run, so the CPU counted below is the measured run's only.
          await runLoad(server.url, endpoint, { sealed, stored }, { connections, durationSeconds: 3, warmupSeconds: 0 });
          const cpuBefore = treeCpuSeconds(server.pid);
          const result = await runLoad(server.url, endpoint, { sealed, stored }, { connections, durationSeconds: seconds, warmupSeconds: 0 });
          cpuMsPerRequest.push(((treeCpuSeconds(server.pid) - cpuBefore) * 1000) / Math.max(1, result.requests));
          results.push(result);
        }
        const { peakBytes } = sampler.stop();
        // 10 s after the load: what the heap gives back (or keeps).
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        const afterMb = treeRssBytes(server.pid) / MB;
        rows.push({ variant, round, results, cpuMsPerRequest, idleMb, peakMb: peakBytes / MB, afterMb });
        const line = results
          .map((r, index) => `${r.endpoint} ${Math.round(r.requestsPerSecond)} req/s p99 ${r.latencyP99Ms} ms cpu ${cpuMsPerRequest[index]!.toFixed(2)} ms/req non2xx ${r.non2xx}`)
          .join(" | ");
        console.log(`[settings] round ${round} ${variant}: ${line} | RSS idle ${idleMb.toFixed(0)} peak ${(peakBytes / MB).toFixed(0)} after ${afterMb.toFixed(0)} MB`);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await redis.stop();
}

console.log(`\nnode ${process.version}, load average ${loadavg().map((value) => value.toFixed(1)).join(" ")}, ${connections} connections, ${seconds} s per endpoint after 3 s warm-up, ${rounds} interleaved rounds (mean of rounds)\n`);
console.log("| variant | create req/s · p99 · server CPU/req | check | reveal | RSS idle / peak / 10 s after |");
console.log("|---|---|---|---|---|");
for (const variant of names) {
  const mine = rows.filter((row) => row.variant === variant);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const cells = endpoints.map((endpoint, index) => {
    const of = mine.map((row) => row.results.find((r) => r.endpoint === endpoint)!);
    const cpu = mean(mine.map((row) => row.cpuMsPerRequest[index]!));
    return `${Math.round(mean(of.map((r) => r.requestsPerSecond)))} · ${Math.round(mean(of.map((r) => r.latencyP99Ms)))} ms · ${cpu.toFixed(2)} ms`;
  });
  const rss = `${mean(mine.map((row) => row.idleMb)).toFixed(0)} / ${Math.max(...mine.map((row) => row.peakMb)).toFixed(0)} / ${mean(mine.map((row) => row.afterMb)).toFixed(0)} MB`;
  console.log(`| ${variant} | ${cells.join(" | ")} | ${rss} |`);
}
