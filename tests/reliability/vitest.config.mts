// The reliability suite (issue 5): real servers, real Redis, races, outages and expiry.
// Kept out of the default `vitest run` (it starts many processes and takes minutes);
// run it with `vitest run --config tests/reliability/vitest.config.mts`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));
const reportDir = process.env.BURNLINK_TEST_REPORT_DIR;

export default defineConfig({
  root,
  resolve: {
    alias: {
      "@/": root,
      "server-only": fileURLToPath(new URL("../support/empty-module.ts", import.meta.url)),
    },
  },
  test: {
    include: ["tests/reliability/**/*.test.ts"],
    // The production build is made once, before any file starts a server from it.
    globalSetup: ["tests/support/global-setup.ts"],
    // One file at a time: each starts several servers and measures timings and memory,
    // which a second file competing for two cores would distort.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: reportDir ? ["default", "json"] : ["default"],
    outputFile: reportDir ? { json: `${reportDir}/vitest-reliability.json` } : undefined,
  },
});
