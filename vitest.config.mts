import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// CI asks for a machine-readable report too, to print one "N passed, N failed" line.
const reportDir = process.env.BURNLINK_TEST_REPORT_DIR;

export default defineConfig({
  resolve: {
    alias: {
      "@/": root,
      // `server-only` throws outside a React Server bundle; in Node tests it guards nothing.
      "server-only": fileURLToPath(new URL("./tests/support/empty-module.ts", import.meta.url)),
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    exclude: ["tests/e2e/**", "tests/reliability/**", "tests/bench/**", "node_modules/**"],
    // Vitest's default is one worker fewer than the cores: ONE on this 2-core CI machine, so
    // the files ran one after another while the machine sat mostly idle (load ~1-2: a file
    // spends most of its time waiting on the servers and redis-servers it started). Two
    // files at a time; every file starts its own servers on free ports, so they do not meet.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: reportDir ? ["default", "json"] : ["default"],
    outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
  },
});
