#!/usr/bin/env node
/**
 * `npm test`: runs every suite, one after another, whatever the earlier ones did, prints
 * one result line per suite and exits non-zero when any suite failed. A chain of `&&`
 * would stop at the first failure and hide the results of the rest (issue 10, item 19).
 *
 * Suites run in sequence, not in parallel: each starts servers and browsers, and two
 * of them competing for a 2-core machine would turn timing margins into failures.
 * `BURNLINK_SUITES=unit,e2e` runs a subset (names below).
 */
import { spawnSync } from "node:child_process";

const SUITES = [
  { name: "unit", label: "unit, store, API, CLI, security (Vitest)", args: ["vitest", "run"] },
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
const selected = wanted ? SUITES.filter((suite) => wanted.includes(suite.name)) : SUITES;

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
