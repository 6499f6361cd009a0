// Makes the production build the e2e servers run, when `${NEXT_DIST_DIR:-.next}/BUILD_ID`
// is missing (delete the folder to test fresh code). Plain JavaScript because Playwright
// starts it as a web-server command, before any TypeScript is loaded. `next build` adds
// its private dist dir's types folder to tsconfig.json; that edit is undone so a test run
// leaves the repository's config alone.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const distDir = process.env.NEXT_DIST_DIR || ".next";

if (!existsSync(path.join(projectDir, distDir, "BUILD_ID"))) {
  const tsconfigPath = path.join(projectDir, "tsconfig.json");
  const tsconfigBefore = readFileSync(tsconfigPath, "utf8");
  console.error(`e2e: no build in ${distDir}, running next build…`);
  const result = spawnSync(process.execPath, [path.join(projectDir, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: projectDir,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (distDir !== ".next" && readFileSync(tsconfigPath, "utf8") !== tsconfigBefore) writeFileSync(tsconfigPath, tsconfigBefore);
  if (result.status !== 0) process.exit(result.status ?? 1);
}
