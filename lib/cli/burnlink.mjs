#!/usr/bin/env node
// The `burnlink` command (package.json "bin"). The CLI itself is TypeScript, bundled at
// `npm install` time (the "prepare" script) into dist/burnlink.mjs, so running it needs
// only Node ≥ 20.
import { existsSync } from "node:fs";

const bundle = new URL("./dist/burnlink.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    "burnlink: the CLI is not built yet; run `npm install` (or `npm run prepare`) in the burnlink folder.\n",
  );
  process.exitCode = 1;
} else {
  await import(bundle.href);
}
