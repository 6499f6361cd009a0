// Completes Next's standalone output (`output: "standalone"`) into a folder that runs on
// its own: Next copies the server and the node_modules it traced, but not this entry point,
// `public/` or the client assets in `<distDir>/static`. After `npm run build`,
// `<distDir>/standalone` is the whole deployable server: copy it anywhere and run
// `node lib/server/start.mjs` in it (README, "Standalone bundle"). Plain JavaScript: it
// runs right after `next build`, with no compiler.
import { cpSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { API_ROUTE_TABLE_FILE } from "./api-dispatch.mjs";

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const distDir = process.env.NEXT_DIST_DIR || ".next";
const standaloneDir = path.join(projectDir, distDir, "standalone");

if (!existsSync(path.join(standaloneDir, distDir, "BUILD_ID"))) {
  console.error(`burnlink: no standalone build in ${path.relative(projectDir, standaloneDir)}; run next build first`);
  process.exit(1);
}
// start.mjs and the plain modules it imports (it runs before anything is compiled).
for (const file of ["start.mjs", "api-dispatch.mjs", "route-call.mjs", "memory-limit.mjs", "supervisor.mjs"]) {
  cpSync(path.join(projectDir, "lib", "server", file), path.join(standaloneDir, "lib", "server", file));
}
// The route table start.mjs dispatches /api by (lib/server/api-route-adapter.cjs); absent
// when a platform's adapter replaced ours, and then start.mjs routes /api through Next.
// With it, the files of the route-handler bundle that the table names (lib/server/api-handler-bundle.cjs).
const tableFile = path.join(projectDir, distDir, API_ROUTE_TABLE_FILE);
if (existsSync(tableFile)) {
  const table = JSON.parse(readFileSync(tableFile, "utf8"));
  for (const file of [API_ROUTE_TABLE_FILE, ...(table.handlerBundleFiles ?? []).map((name) => path.basename(name))]) {
    const built = path.join(projectDir, distDir, file);
    if (existsSync(built)) cpSync(built, path.join(standaloneDir, distDir, file));
  }
}
if (existsSync(path.join(projectDir, "public"))) {
  cpSync(path.join(projectDir, "public"), path.join(standaloneDir, "public"), { recursive: true });
}
cpSync(path.join(projectDir, distDir, "static"), path.join(standaloneDir, distDir, "static"), { recursive: true });
console.log(`burnlink: standalone server assembled in ${path.relative(projectDir, standaloneDir)}`);
