// `npm run bench` (issues 7 and 15). Node 20 runs no TypeScript, so this bundles the bench with
// esbuild first, then runs it:
// - main, api-suite, reference-server, bridge-server: for Node, packages left external (resolved from
//   node_modules as usual), `@/` from tsconfig paths, `server-only` replaced by the same
//   empty module the Vitest config uses (it only guards React Server bundles);
// - browser-entry: for Chromium, minified, everything inlined (lib/crypto, tweetnacl,
//   lib/api/client), as the pages ship it.
// Output goes to .next-bench-tools/bench/ (ignored by git, ESLint and tsc like every .next*
// folder). Environment: see tests/bench/main.ts.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.resolve(benchDir, "..", "..");
const outDir = path.join(projectDir, ".next-bench-tools", "bench");

const node = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  alias: { "server-only": path.join(projectDir, "tests", "support", "empty-module.ts") },
  tsconfig: path.join(projectDir, "tsconfig.json"),
  logLevel: "warning",
};

await Promise.all([
  ...["main", "api-suite", "reference-server", "bridge-server"].map((name) =>
    build({ ...node, entryPoints: [path.join(benchDir, `${name}.ts`)], outfile: path.join(outDir, `${name}.mjs`) }),
  ),
  build({
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    tsconfig: path.join(projectDir, "tsconfig.json"),
    logLevel: "warning",
    entryPoints: [path.join(benchDir, "browser-entry.ts")],
    outfile: path.join(outDir, "browser-entry.js"),
  }),
]);

await import(path.join(outDir, "main.mjs"));
