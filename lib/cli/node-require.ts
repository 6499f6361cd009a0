/**
 * Gives the ES module bundle a `require`, before anything else runs. tweetnacl (a CommonJS
 * module) finds Node's CSPRNG with `require("crypto")` while it loads; in an ESM bundle
 * esbuild's stand-in for `require` throws unless a real one exists. Without this the CLI
 * could not start, and nacl.randomBytes would have no randomness source.
 */
import { createRequire } from "node:module";

const scope = globalThis as { require?: NodeJS.Require };
scope.require ??= createRequire(import.meta.url);
