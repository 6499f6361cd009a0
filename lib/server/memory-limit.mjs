// How big each server process's V8 heap may grow (`--max-old-space-size`), from the memory
// the server may use. Why: V8 sizes its heap from the machine (about 4 GB on a 24 GB
// host), so under load a server's RSS climbs to a gigabyte of garbage it has no reason to
// collect yet; that is heap growth, not a leak, but in a container it is an OOM kill.
// Plain JavaScript: start.mjs reads it before anything is compiled.
import { readFileSync } from "node:fs";
import os from "node:os";

/** Old space per process when nothing says how much memory there is (no cgroup limit). */
export const DEFAULT_HEAP_MB = 256;
/** Below this V8 spends its time collecting; an operator asking for less gets this. */
const MIN_HEAP_MB = 64;
/**
 * What a process needs beside its old space: young generation, code, buffers, the
 * supervisor. Measured with Node 20's 16 MB semi-spaces; a larger young generation (Node 24,
 * SEMI_SPACE_MB) adds its two semi-spaces' growth on top (nonHeapMb).
 */
const NON_HEAP_MB = 96;
/** Node 20's young-generation semi-space on 64-bit machines, in MB: what NON_HEAP_MB assumes. */
const NODE_20_SEMI_SPACE_MB = 16;
/** Share of the rest given to old space: headroom for fragmentation and off-heap buffers. */
const HEAP_SHARE = 0.75;

const CGROUP_FILES = [
  { file: "/sys/fs/cgroup/memory.max", source: "cgroup v2 memory.max" },
  { file: "/sys/fs/cgroup/memory/memory.limit_in_bytes", source: "cgroup v1 memory.limit_in_bytes" },
];

function readText(file) {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * The memory limit in MB and where it came from: MEMORY_LIMIT_MB, else the cgroup's
 * limit (v2, then v1), else none. "max" (v2) and v1's "unlimited" (a huge number) are no
 * limit; so is anything at or above the machine's memory.
 * @param {Record<string, string | undefined>} env
 * @param {(file: string) => string | undefined} read
 * @param {number} totalBytes
 */
export function memoryLimit(env = process.env, read = readText, totalBytes = os.totalmem()) {
  const text = env.MEMORY_LIMIT_MB;
  if (text !== undefined && text !== "") {
    if (!/^\d{1,7}$/.test(text)) return { error: "MEMORY_LIMIT_MB must be a whole number of megabytes (0: no heap cap)" };
    return { limitMb: Number(text), source: "MEMORY_LIMIT_MB" };
  }
  for (const { file, source } of CGROUP_FILES) {
    const value = read(file);
    if (value === undefined || !/^\d+$/.test(value)) continue;
    const bytes = Number(value);
    if (bytes >= totalBytes) continue;
    return { limitMb: Math.floor(bytes / (1024 * 1024)), source };
  }
  return { limitMb: undefined, source: "default" };
}

/**
 * Old-space MB for each of `workers` processes: what is left of the limit after the
 * non-heap part of every process, times HEAP_SHARE; DEFAULT_HEAP_MB when there is no
 * limit; undefined for MEMORY_LIMIT_MB=0 (no cap: V8 decides).
 */
export function heapCapMb(limitMb, workers, version = process.versions.node) {
  if (limitMb === 0) return undefined;
  if (limitMb === undefined) return DEFAULT_HEAP_MB;
  const perProcess = limitMb / workers - nonHeapMb(version);
  return Math.max(MIN_HEAP_MB, Math.floor(perProcess * HEAP_SHARE));
}

/** True when the operator already chose the heap size (command line or NODE_OPTIONS). */
export function heapFlagGiven(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? "") {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /^--max[-_]old[-_]space[-_]size(?:=|$)/.test(arg));
}

/**
 * The semi-space cap on Node >= 24, in MB. Uncapped, V8 grows Node 24's young generation
 * under load until a server's RSS peaks near 500 MB. At Node 20's 16 MB the peak was ~210 MB
 * but V8 scavenged so often that check lost a third of its throughput against uncapped.
 * Measured on Node 24.21, one server at a time (tests/bench/server-settings.mjs, variants
 * direct, direct-semi32, direct-semi64, direct-uncapped): check 4,663 / 6,325 / 5,580 /
 * 5,570 req/s, RSS peak 210 / 246 / 314 / 518 MB. 32 MB is the fastest that stays under 300.
 */
export const SEMI_SPACE_MB = 32;

const capsSemiSpace = (version) => Number(version.split(".")[0]) >= 24;

/** NON_HEAP_MB, plus the growth of both semi-spaces where SEMI_SPACE_MB replaces Node 20's 16. */
export function nonHeapMb(version = process.versions.node) {
  return capsSemiSpace(version) ? NON_HEAP_MB + 2 * (SEMI_SPACE_MB - NODE_20_SEMI_SPACE_MB) : NON_HEAP_MB;
}

/**
 * The semi-space flag to add with the heap cap on Node >= 24 (SEMI_SPACE_MB). None when
 * the operator chose a semi-space size.
 * @param {string} version
 * @param {string[]} execArgv
 * @param {string} nodeOptions
 */
export function semiSpaceFlags(version = process.versions.node, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? "") {
  if (!capsSemiSpace(version)) return [];
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /^--max[-_]semi[-_]space[-_]size(?:=|$)/.test(arg));
  return given ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`];
}
