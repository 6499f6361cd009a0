/**
 * The Node versions a bench run measures (issue 15 item 7): BENCH_NODE_MAJORS (default
 * "20,24"), each a real Node binary. The running Node serves its own major; any other comes
 * from the registry's `node@<major>` package installed into a temp folder, as .ci/run does
 * (it ships a plain binary, so nothing is downloaded from anywhere else).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface NodeBinary {
  major: number;
  /** Absolute path of the `node` executable. */
  path: string;
  version: string;
  dispose(): void;
}

export function nodeMajorsFromEnv(value = process.env.BENCH_NODE_MAJORS): number[] {
  const majors = (value ?? "20,24")
    .split(",")
    .map((item) => Number(item.trim()))
    .filter((major) => Number.isSafeInteger(major) && major >= 18);
  if (majors.length === 0) throw new Error(`BENCH_NODE_MAJORS has no Node major version: ${value}`);
  return [...new Set(majors)];
}

function findNodeBinary(dir: string): string | undefined {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      const found = findNodeBinary(full);
      if (found) return found;
    } else if (entry === "node" && path.basename(dir) === "bin" && stat.mode & 0o111) {
      return full;
    }
  }
  return undefined;
}

export function nodeBinary(major: number): NodeBinary {
  const current = Number(process.versions.node.split(".")[0]);
  if (major === current) return { major, path: process.execPath, version: process.version, dispose() {} };
  const dir = mkdtempSync(path.join(tmpdir(), `burnlink-bench-node${major}-`));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--loglevel=error", `node@${major}`], { stdio: "ignore" });
    const binary = findNodeBinary(path.join(dir, "node_modules"));
    if (!binary) throw new Error(`node@${major} from the registry holds no bin/node`);
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
    return { major, path: binary, version, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
