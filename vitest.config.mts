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
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: reportDir ? ["default", "json"] : ["default"],
    outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
  },
});
