/**
 * End-to-end tests in Debian's Chromium against the production server (lib/server/start.mjs
 * around `next build` output), once on a private redis-server and once on the embedded
 * memory store. The web servers start one after another: the first makes the build when
 * `${NEXT_DIST_DIR:-.next}/BUILD_ID` is missing, then starts redis.
 */
import { defineConfig } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "./tests/support/chromium";

const distDir = process.env.NEXT_DIST_DIR || ".next";
const reportDir = process.env.BURNLINK_TEST_REPORT_DIR;
// Fixed, uncommon ports: 6379 and 3000 may be taken on a developer's machine.
const redisPort = Number(process.env.E2E_REDIS_PORT || 36479);
const redisAppPort = Number(process.env.E2E_APP_PORT || 3947);
const memoryAppPort = Number(process.env.E2E_MEMORY_APP_PORT || 3948);

/** Shared by both app servers. Rate limits off: the suite creates many secrets quickly. */
const serverEnv = {
  NODE_ENV: "production",
  NEXT_DIST_DIR: distDir,
  NEXT_TELEMETRY_DISABLED: "1",
  HOSTNAME: "127.0.0.1",
  // Playwright stops the servers with SIGTERM: no load balancer to wait for.
  SHUTDOWN_DELAY_SECONDS: "0",
  // The expiry test creates a secret that lives a couple of seconds.
  MIN_TTL_SECONDS: "1",
  RATE_LIMIT_CREATE_PER_MINUTE: "0",
  RATE_LIMIT_READ_PER_MINUTE: "0",
  RATE_LIMIT_MANAGE_PER_MINUTE: "0",
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "0",
  // File round trips upload megabytes in bursts: the global create byte budget stays out of the way.
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "0",
};

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [
    ["list"],
    ...(process.env.CI ? [["html", { open: "never" }] as const] : []),
    // CI sums this report into its one "N passed, N failed" line (.ci/run).
    ...(reportDir ? [["json", { outputFile: `${reportDir}/playwright.json` }] as const] : []),
  ],
  use: {
    browserName: "chromium",
    launchOptions: CHROMIUM_LAUNCH_OPTIONS,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    acceptDownloads: true,
  },
  projects: [
    {
      name: "redis",
      use: { baseURL: `http://127.0.0.1:${redisAppPort}` },
    },
    {
      name: "memory",
      // The embedded store gets the user journeys; headers, screenshots and axe do not
      // depend on the store and run once.
      testMatch: /(journeys|files|reveal-retry|requests)\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${memoryAppPort}` },
    },
  ],
  webServer: [
    {
      command: `node tests/e2e/ensure-build.mjs && exec redis-server --port ${redisPort} --bind 127.0.0.1 --save '' --appendonly no`,
      port: redisPort,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "node lib/server/start.mjs",
      url: `http://127.0.0.1:${redisAppPort}/api/health`,
      env: { ...serverEnv, PORT: String(redisAppPort), REDIS_URL: `redis://127.0.0.1:${redisPort}` },
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "node lib/server/start.mjs",
      url: `http://127.0.0.1:${memoryAppPort}/api/health`,
      env: { ...serverEnv, PORT: String(memoryAppPort), REDIS_URL: "" },
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
