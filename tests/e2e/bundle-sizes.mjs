// Prints first-load JS per page route (gzip level 9 of the chunks Next lists in
// <distDir>/diagnostics/route-bundle-stats.json, which matches the bytes on the wire
// within 1%) and exits 1 when a page is over its budget (issue 3).
// Usage: node tests/e2e/bundle-sizes.mjs   (NEXT_DIST_DIR picks the build folder)
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KB = { "/s": 160, "/": 175 };
const distDir = process.env.NEXT_DIST_DIR || ".next";
const stats = JSON.parse(readFileSync(`${distDir}/diagnostics/route-bundle-stats.json`, "utf8"));

let over = 0;
const rows = [];
for (const { route, firstLoadChunkPaths, firstLoadUncompressedJsBytes } of stats) {
  if (route.startsWith("/api") || route.startsWith("/_")) continue;
  const gzipBytes = firstLoadChunkPaths.reduce((sum, path) => sum + gzipSync(readFileSync(path), { level: 9 }).length, 0);
  const kb = gzipBytes / 1024;
  const budget = BUDGET_KB[route];
  const verdict = budget === undefined ? "" : kb <= budget ? `ok (budget ${budget} kB)` : `OVER budget ${budget} kB`;
  if (budget !== undefined && kb > budget) over++;
  rows.push(`${route.padEnd(16)} ${kb.toFixed(1).padStart(7)} kB gzip  ${(firstLoadUncompressedJsBytes / 1024).toFixed(1).padStart(7)} kB raw  ${verdict}`);
}
console.log(`First-load JS per route (${distDir}):\n${rows.join("\n")}`);
process.exit(over > 0 ? 1 : 0);
