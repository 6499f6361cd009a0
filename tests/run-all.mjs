#!/usr/bin/env node
/**
 * `npm test`: runs every suite, one after another, whatever the earlier ones did, prints
 * one result line per suite and exits non-zero when any suite failed. A chain of `&&`
 * would stop at the first failure and hide the results of the rest (issue 10, item 19).
 *
 * Suites run in sequence, not in parallel: each starts servers and browsers, and two
 * of them competing for a 2-core machine would turn timing margins into failures.
 * `BURNLINK_SUITES=unit,e2e` runs a subset (names below; `unit-node-lines`, a part of
 * `unit`, runs only when named).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * What CI runs again on the other maintained Node lines (.ci/run, CI_EXTRA_NODE_MAJORS): the
 * files whose outcome depends on the Node runtime, not the whole unit suite (≈ 8 min a pass,
 * twice, against CI's 40-minute limit). Pure logic (config parsing, the CLI's argument and
 * output code, components, the security battery's policy checks) behaves the same on every
 * Node and runs on Node 20 in the `unit` suite. Each entry says why it is here.
 */
const NODE_LINE_FILES = [
  // Web Crypto, node:crypto and TextEncoder/atob under the protocol: vectors and properties.
  "tests/crypto",
  // The store drivers and their transports: node-redis over net/tls, @upstash/redis over
  // fetch/undici, the memory store's timers; Redis Cluster's redirects and reconnects.
  "tests/store/memory.test.ts",
  "tests/store/index.test.ts",
  "tests/store/redis.test.ts",
  "tests/store/upstash.test.ts",
  "tests/store/redis-cluster.test.ts",
  "tests/store/redis-cluster-tls.test.ts",
  // start.mjs: the config check at start-up, SIGTERM, the heap cap (execve on Node >= 22.15,
  // a re-spawn before), and the cap's arithmetic.
  "tests/api/start-server.test.ts",
  "tests/api/memory-limit.test.ts",
  // WEB_CONCURRENCY: reusePort on Node >= 22.12, node:cluster round-robin before.
  "tests/api/workers.test.ts",
  // API_DISPATCH=direct calls the bundled route handlers with Web Requests built on this Node's
  // undici (lib/server/route-call.mjs): parity with Next's router.
  "tests/api/api-dispatch.test.ts",
  // One whole API flow through the real server and the fetch client, on memory and Redis.
  "tests/api/http-flows.test.ts",
  // Node's HTTP parser and keep-alive handling (llhttp differs per Node line): raw requests.
  "tests/api/http-connection.test.ts",
  // The standalone bundle served by `node lib/server/start.mjs` as an unprivileged user.
  "tests/deploy/standalone.test.ts",
  // The built CLI as a child process of this Node, against the real server: send, get and a
  // lost reveal answer recovered with its claim (its fetch, timers and stdio). cli.test.ts
  // runs every store and costs most of a pass; the stores are covered above.
  "tests/cli/retry.test.ts",
];

const SUITES = [
  { name: "unit", label: "unit, store, API, CLI, security (Vitest)", args: ["vitest", "run"] },
  {
    name: "unit-node-lines",
    label: "the runtime-dependent part of the unit suite (Vitest)",
    args: ["vitest", "run", ...NODE_LINE_FILES],
    // A part of `unit`: only when asked for by name.
    onlyByName: true,
  },
  { name: "e2e", label: "browser (Playwright)", args: ["playwright", "test"] },
  {
    name: "reliability",
    label: "reliability (Vitest)",
    args: ["vitest", "run", "--config", "tests/reliability/vitest.config.mts"],
  },
  {
    name: "reliability-e2e",
    label: "reliability in the browser (Playwright)",
    args: ["playwright", "test", "--config", "tests/reliability/playwright.config.ts"],
  },
];

const wanted = process.env.BURNLINK_SUITES?.split(",")
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = wanted?.filter((name) => !SUITES.some((suite) => suite.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `Unknown suite(s) in BURNLINK_SUITES: ${unknown.join(", ")}. Known: ${SUITES.map((s) => s.name).join(", ")}.`,
  );
  process.exit(2);
}
const selected = wanted
  ? SUITES.filter((suite) => wanted.includes(suite.name))
  : SUITES.filter((suite) => !suite.onlyByName);

// Vitest takes the files as filters: a renamed one would silently drop its tests.
const missing = selected.some((suite) => suite.name === "unit-node-lines")
  ? NODE_LINE_FILES.filter((file) => !existsSync(file))
  : [];
if (missing.length > 0) {
  console.error(`tests/run-all.mjs: NODE_LINE_FILES names what does not exist: ${missing.join(", ")}.`);
  process.exit(2);
}

const results = [];
for (const suite of selected) {
  console.log(`\n== ${suite.label}: npx ${suite.args.join(" ")}`);
  const started = Date.now();
  const run = spawnSync("npx", ["--no-install", ...suite.args], { stdio: "inherit" });
  const seconds = Math.round((Date.now() - started) / 1000);
  const ok = run.status === 0;
  results.push({
    suite,
    ok,
    seconds,
    detail: run.error ? run.error.message : `exit ${run.status ?? run.signal}`,
  });
}

console.log("\n== results");
for (const { suite, ok, seconds, detail } of results) {
  console.log(`${ok ? "PASS" : "FAIL"}  ${suite.label}  (${seconds} s${ok ? "" : `, ${detail}`})`);
}
process.exit(results.every((result) => result.ok) ? 0 : 1);
