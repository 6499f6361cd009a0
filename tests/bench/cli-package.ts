/**
 * The CLI package as users get it (issue 16 §1): the size of the tarball `npm pack` makes in
 * lib/cli, and the start-up time of the installed `burnlink --help` against bare `node -e 0`
 * (interleaved, so both see the same machine load; the difference is the CLI's own cost).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface CliPackageResult {
  tarball: string;
  tarballBytes: number;
  unpackedBytes: number;
  files: number;
  runs: number;
  helpMedianMs: number;
  nodeMedianMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function timeMs(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  execFileSync(command, args, { stdio: "ignore" });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function measureCliPackage(projectDir: string, runs = 30): CliPackageResult {
  const workDir = mkdtempSync(path.join(tmpdir(), "burnlink-bench-cli-"));
  try {
    const cache = path.join(workDir, "npm-cache");
    const packed = execFileSync(
      "npm",
      ["pack", "--json", "--pack-destination", workDir, "--cache", cache],
      { cwd: path.join(projectDir, "lib", "cli"), encoding: "utf8" },
    );
    const [info] = JSON.parse(packed.slice(packed.indexOf("["))) as Array<{
      filename: string;
      unpackedSize: number;
      entryCount: number;
    }>;
    if (info === undefined) throw new Error("npm pack reported nothing");
    const tarball = path.join(workDir, info.filename);
    const prefix = path.join(workDir, "prefix");
    execFileSync(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--offline",
        "--no-audit",
        "--no-fund",
        "--cache",
        cache,
        tarball,
      ],
      { stdio: "ignore" },
    );
    const burnlink = path.join(prefix, "bin", "burnlink");
    timeMs(burnlink, ["--help"]);
    timeMs(process.execPath, ["-e", "0"]);
    const help: number[] = [];
    const bare: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      help.push(timeMs(burnlink, ["--help"]));
      bare.push(timeMs(process.execPath, ["-e", "0"]));
    }
    return {
      tarball: info.filename,
      tarballBytes: statSync(tarball).size,
      unpackedBytes: info.unpackedSize,
      files: info.entryCount,
      runs,
      helpMedianMs: median(help),
      nodeMedianMs: median(bare),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export function renderCliPackage(result: CliPackageResult): string[] {
  return [
    "#### The CLI package (`npm pack` in lib/cli, installed with `npm install -g --prefix`, offline)",
    "",
    `${result.tarball}: ${(result.tarballBytes / 1000).toFixed(1)} kB packed, ${(result.unpackedBytes / 1000).toFixed(1)} kB unpacked, ` +
      `${result.files} files, no dependencies. Start-up, median of ${result.runs} interleaved runs: ` +
      `\`burnlink --help\` ${result.helpMedianMs.toFixed(0)} ms, bare \`node -e 0\` ${result.nodeMedianMs.toFixed(0)} ms ` +
      `(the CLI's own cost: ${(result.helpMedianMs - result.nodeMedianMs).toFixed(0)} ms).`,
    "",
  ];
}
