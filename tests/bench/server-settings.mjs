// Runs tests/bench/server-settings.ts (a quick comparison of start.mjs settings): Node 20
// runs no TypeScript, so it is bundled with esbuild first, as tests/bench/run.mjs does.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.resolve(benchDir, "..", "..");
const outfile = path.join(projectDir, ".next-bench-tools", "bench", "server-settings.mjs");

await build({
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  alias: { "server-only": path.join(projectDir, "tests", "support", "empty-module.ts") },
  tsconfig: path.join(projectDir, "tsconfig.json"),
  logLevel: "warning",
  entryPoints: [path.join(benchDir, "server-settings.ts")],
  outfile,
});
await import(outfile);
