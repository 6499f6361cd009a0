/**
 * The CLI package's version (lib/cli/package.json, the one npm publishes), inlined by esbuild
 * when the bundle is built (only the one field), so `burnlink --version` needs no file lookup.
 */
import { version } from "./package.json";

export const VERSION: string = version;
