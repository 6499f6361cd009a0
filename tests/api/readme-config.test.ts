/**
 * The README's configuration table and the config schema cannot drift apart: every
 * variable the server reads has a row, and every row names a variable that exists.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "@/lib/server/config";
import { FILE_VARIABLES } from "@/lib/server/env-files";

/** Read by lib/server/start.mjs before Next loads, so outside the schema. */
const START_VARIABLES = ["PORT", "HOSTNAME", "SHUTDOWN_TIMEOUT_MS", "API_DISPATCH", "COMPRESS", "MEMORY_LIMIT_MB", "WEB_CONCURRENCY"];
/** Set by start.mjs for its own process, never by an operator. */
const INTERNAL_VARIABLES: string[] = [];

function configurationTable(): string {
  const readme = readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
  const start = readme.indexOf("\n## Configuration");
  const end = readme.indexOf("\n## ", start + 1);
  expect(start).toBeGreaterThan(-1);
  return readme.slice(start, end);
}

/** Upper-case names in backticks in the first column of the table's rows. */
function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of configurationTable().split("\n")) {
    if (!line.startsWith("| `")) continue;
    const firstColumn = line.split("|")[1] ?? "";
    for (const match of firstColumn.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]!);
  }
  return names;
}

describe("README configuration table", () => {
  it("documents every variable the server reads", () => {
    const documented = documentedVariables();
    const missing = [...CONFIG_VARIABLES, ...START_VARIABLES].filter(
      (name) => !INTERNAL_VARIABLES.includes(name) && !documented.has(name),
    );
    expect(missing).toEqual([]);
  });

  it("documents no variable that does not exist", () => {
    const known = new Set([
      ...CONFIG_VARIABLES,
      ...START_VARIABLES,
      ...Object.values(FILE_VARIABLES),
    ]);
    expect([...documentedVariables()].filter((name) => !known.has(name))).toEqual([]);
  });

  it("says that secret settings have a _FILE form", () => {
    expect(configurationTable()).toMatch(/_FILE/);
  });
});
