import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";

test("first-load JS of the reveal and create pages stays within its gzip budget", async () => {
  // tests/e2e/bundle-sizes.mjs measures the build these tests run against and fails over budget.
  const run = await promisify(execFile)(process.execPath, ["tests/e2e/bundle-sizes.mjs"], { env: process.env }).then(
    (result) => ({ code: 0, output: result.stdout }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
  );
  console.log(run.output.trim());
  expect(run.output).toMatch(/^\/s\s/m);
  expect(run.code, run.output).toBe(0);
});
