/**
 * The entry point esbuild bundles into lib/cli/dist/burnlink.mjs (see lib/cli/burnlink.mjs).
 * Sets process.exitCode rather than calling process.exit, so stdout and stderr are flushed.
 */
// First: must run before tweetnacl loads (see node-require.ts).
import "./node-require";
import { run } from "./run";

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
