/**
 * The dependency rule of STYLE.md, checked on the source: what the browser and the CLI
 * import (lib/api, lib/crypto, lib/net, lib/cli, components) never reaches server-only
 * code (lib/server, lib/store), and lib/crypto imports nothing of the app at all.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === "node_modules" || name === "dist") continue;
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(?:ts|tsx|mts|mjs)$/.test(name)) out.push(full);
  }
  return out;
}

/** Every module specifier of static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:^|\s)(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']/g)) specifiers.push(match[1]!);
  for (const match of text.matchAll(/import\s*\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(match[1]!);
  for (const match of text.matchAll(/^import\s+["']([^"']+)["']/gm)) specifiers.push(match[1]!);
  return specifiers;
}

/** The project folder an import lands in, or null for packages and node builtins. */
function resolvedFolder(file: string, specifier: string): string | null {
  let target: string;
  if (specifier.startsWith("@/")) target = path.join(ROOT, specifier.slice(2));
  else if (specifier.startsWith(".")) target = path.resolve(path.dirname(file), specifier);
  else return null;
  return path.relative(ROOT, target).split(path.sep).join("/");
}

const SERVER_ONLY = /^lib\/(?:server|store)(?:\/|$)/;

describe("the dependency rule", () => {
  for (const folder of ["lib/api", "lib/crypto", "lib/net", "lib/cli", "components"]) {
    it(`${folder} never imports lib/server or lib/store`, () => {
      const offending = sourceFiles(path.join(ROOT, folder)).flatMap((file) =>
        importsOf(file)
          .map((specifier) => resolvedFolder(file, specifier))
          .filter((target): target is string => target !== null && SERVER_ONLY.test(target))
          .map((target) => `${path.relative(ROOT, file)} → ${target}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it("lib/crypto imports only itself, tweetnacl and nothing else of the app", () => {
    const offending = sourceFiles(path.join(ROOT, "lib/crypto")).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          const target = resolvedFolder(file, specifier);
          if (target === null) return specifier !== "tweetnacl";
          return !target.startsWith("lib/crypto");
        })
        .map((specifier) => `${path.relative(ROOT, file)} → ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it("finds imports at all (the scanner is not blind)", () => {
    const file = path.join(ROOT, "lib/server/http.ts");
    expect(importsOf(file)).toContain("@/lib/api/errors");
    expect(resolvedFolder(file, "@/lib/store/types")).toBe("lib/store/types");
  });
});
