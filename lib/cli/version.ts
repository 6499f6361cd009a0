/**
 * The package version, taken from package.json when the bundle is built (esbuild inlines the
 * one field), so `burnlink --version` needs no file lookup at run time.
 */
import { version } from "@/package.json";

export const VERSION: string = version;
