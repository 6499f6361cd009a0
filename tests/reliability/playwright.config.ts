/**
 * The browser half of the reliability suite (issue 5: "the web app, during the outage,
 * keeps the user's content in the form and says the service is unavailable"), in
 * Debian's Chromium. Separate from tests/e2e: these tests kill and restart their own
 * redis-server, which the e2e suite's shared servers must never see. Each spec starts
 * its servers itself (./browser-support.ts), so there is no webServer here; the global
 * setup makes the production build when `${NEXT_DIST_DIR:-.next}/BUILD_ID` is missing.
 *
 * Run: `playwright test --config tests/reliability/playwright.config.ts`.
 */
import { defineConfig } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "../support/chromium";

const reportDir = process.env.BURNLINK_TEST_REPORT_DIR;

export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "../../test-results/reliability",
  globalSetup: "./playwright-setup.ts",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: reportDir ? [["list"], ["json", { outputFile: `${reportDir}/playwright-reliability.json` }]] : [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: CHROMIUM_LAUNCH_OPTIONS,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
