/**
 * Bundles the CLI (lib/cli/main.ts, lib/crypto, lib/api's client and tweetnacl) into one
 * minified ES module, lib/cli/dist/burnlink.mjs, which is the whole npm package's code: it
 * needs nothing at run time but Node ≥ 20. Used by `npm run build:cli` and the root `prepare`
 * (so a clone's `npx burnlink` works), by this package's `prepack`, and by the tests.
 */
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI_DIR = fileURLToPath(new URL(".", import.meta.url));
export const PROJECT_DIR = join(CLI_DIR, "..", "..");
export const BUNDLE_PATH = join(CLI_DIR, "dist", "burnlink.mjs");

/** @type {import("esbuild").BuildOptions} */
export const CLI_BUILD_OPTIONS = {
  absWorkingDir: PROJECT_DIR,
  entryPoints: ["lib/cli/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  // The package's bin points at the bundle itself.
  banner: { js: "#!/usr/bin/env node" },
  outfile: BUNDLE_PATH,
  logLevel: "warning",
};

/**
 * Builds the bundle and puts it in place with a rename, so a CLI started meanwhile (tests run
 * in parallel) reads the old bundle or the new one, never half of one.
 */
export async function buildBundle() {
  const result = await build({ ...CLI_BUILD_OPTIONS, write: false });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error("esbuild produced no bundle");
  mkdirSync(dirname(BUNDLE_PATH), { recursive: true });
  const temporary = `${BUNDLE_PATH}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, BUNDLE_PATH);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundle();
}
