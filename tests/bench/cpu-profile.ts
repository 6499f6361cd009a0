/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per module
 * group, so the README can say where the server's time goes under load.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** True when only the samples of the measured load were counted. */
  windowed: boolean;
  topFunctions: ProfileEntry[];
  topModules: ProfileEntry[];
}

/** A readable module group for a script URL: package, Node internals area, or app chunk. */
export function moduleGroup(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "");
  if (url === "") {
    if (frame.functionName.startsWith("(")) return frame.functionName;
    return "(native / V8 builtins)";
  }
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
    if (name === "next") {
      // next/dist/compiled/<package> holds the vendored React, etc.; otherwise the server area.
      const area = rest[2] === "compiled" ? `compiled/${rest[3] ?? "?"}` : rest.slice(2, 4).join("/");
      return `next/dist/${area}`;
    }
    return name;
  }
  // Turbopack chunks of the build (app code with zod, tweetnacl, node-redis bundled in).
  const chunk = /\/\.next[^/]*\/(.*)$/.exec(url);
  if (chunk?.[1]) return `build: ${chunk[1]}`;
  return path.relative(process.cwd(), url) || url;
}

function top(map: Map<string, number>, busyMs: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, selfMs]) => ({ name, selfMs, percent: busyMs > 0 ? (100 * selfMs) / busyMs : 0 }));
}

/** A window of V8 profile time (µs of CLOCK_MONOTONIC, the clock of process.hrtime). */
export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

/** The monotonic clock V8 stamps profile samples with, in µs. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per function and module group. With a window, only samples inside it count
 * (the load, not the server's start-up); if none fall inside, the whole profile is used.
 */
export function summariseProfile(file: string, window?: ProfileWindow, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const collect = (inWindow: (atUs: number) => boolean) => {
    const self = new Map<number, number>();
    let atUs = profile.startTime;
    profile.samples.forEach((id, index) => {
      const delta = profile.timeDeltas[index] ?? 0;
      atUs += delta;
      if (inWindow(atUs)) self.set(id, (self.get(id) ?? 0) + delta);
    });
    return self;
  };
  let selfUs = window ? collect((atUs) => atUs >= window.startUs && atUs <= window.endUs) : new Map<number, number>();
  const windowed = selfUs.size > 0;
  if (!windowed) selfUs = collect(() => true);
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, micros] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const ms = micros / 1000;
    totalMs += ms;
    if (frame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const group = moduleGroup(frame);
    const name = `${frame.functionName || "(anonymous)"} — ${group}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    modules.set(group, (modules.get(group) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  return { file, totalMs, idleMs, busyMs, windowed, topFunctions: top(functions, busyMs, count), topModules: top(modules, busyMs, count) };
}

/** The largest .cpuprofile in a folder: the server's (any short-lived helper writes a small one). */
export function largestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => path.join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
  return files[0];
}
