/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per module
 * group, so the README can say where the server's time goes under load.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
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
  /** For functions: the caller chain (nearest first) that accounts for most of the self time. */
  via?: string;
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
  /** Busy time by layer: the framework, Node core, V8, Burnlink's own code, libraries. */
  categories: ProfileEntry[];
}

/** The layer a module group belongs to, for the one-line answer "where does the time go". */
export function categoryOf(group: string): string {
  const name = group.replace(/ \(bundled\)$/, "");
  if (name.startsWith("next/") || name === "turbopack runtime" || name.startsWith("build: ")) return "Next.js framework";
  if (name.startsWith("node:")) return "Node.js core (http, streams, web streams, undici, async_hooks)";
  if (name.startsWith("(")) return "V8 (GC, builtins, program)";
  if (/^(lib|app|proxy)\b/.test(name)) return "Burnlink code (lib/, app/)";
  if (/^(react|react-dom|scheduler)$/.test(name)) return "React";
  return `library: ${name}`;
}

const sourceMaps = new Map<string, SourceMap | null>();

/** The source map next to a build chunk (`<chunk>.map`), parsed once; null when there is none. */
function sourceMapOf(file: string): SourceMap | null {
  if (!sourceMaps.has(file)) {
    let map: SourceMap | null = null;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file) ?? null;
}

/**
 * Where a frame in a Turbopack chunk of the build came from (through the chunk's source
 * map): the original file, absolute, or undefined when unknown. This is how the profile can
 * tell zod, node-redis and lib/ apart although they are bundled into the same chunks.
 */
function originalFile(frame: CallFrame): string | undefined {
  const file = frame.url.replace(/^file:\/\//, "");
  if (!/\/\.next[^/]*\//.test(file)) return undefined;
  const entry = sourceMapOf(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !("originalSource" in entry) || !entry.originalSource) return undefined;
  // Turbopack's own runtime has virtual sources (turbopack:///[turbopack]/...).
  if (entry.originalSource.startsWith("turbopack:")) return "/[turbopack runtime]";
  const source = decodeURIComponent(entry.originalSource.replace(/^file:\/\//, ""));
  return path.resolve(path.dirname(file), source);
}

/** A readable module group for a script URL: package, Node internals area, or app chunk. */
export function moduleGroup(frame: CallFrame): string {
  const original = originalFile(frame);
  if (original) return `${groupOfFile(original)} (bundled)`;
  return groupOfFile(frame.url.replace(/^file:\/\//, ""), frame.functionName);
}

function groupOfFile(url: string, functionName = ""): string {
  if (url === "/[turbopack runtime]") return "turbopack runtime";
  if (url === "") return functionName.startsWith("(") ? functionName : "(native / V8 builtins)";
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
  // A build chunk without a usable source map.
  const chunk = /\/\.next[^/]*\/(.*)$/.exec(url);
  if (chunk?.[1]) return `build: ${chunk[1]}`;
  // The project's own files: their folder (lib/store, app/api/secrets, ...).
  const relative = path.relative(process.cwd(), url);
  return relative.startsWith("..") ? url : path.dirname(relative) === "." ? relative : path.dirname(relative);
}

/** The frame's file and line: the original source for bundled code, else the module group. */
function location(frame: CallFrame): string {
  const original = originalFile(frame);
  if (original === "/[turbopack runtime]") return "turbopack runtime";
  if (original) {
    const entry = sourceMapOf(frame.url.replace(/^file:\/\//, ""))?.findEntry(frame.lineNumber, frame.columnNumber);
    const line = entry && "originalLine" in entry ? entry.originalLine + 1 : 0;
    const modules = original.lastIndexOf("/node_modules/");
    const shown = modules >= 0 ? original.slice(modules + "/node_modules/".length) : path.relative(process.cwd(), original);
    return `${shown}:${line}`;
  }
  const group = moduleGroup(frame);
  return frame.url ? `${group}:${frame.lineNumber + 1}` : group;
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
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const frameName = (frame: CallFrame) => `${frame.functionName || "(anonymous)"} (${location(frame)})`;
  const chainOf = (id: number): string => {
    const names: string[] = [];
    for (let parent = parentOf.get(id); parent !== undefined && names.length < 4; parent = parentOf.get(parent)) {
      const frame = byId.get(parent)?.callFrame;
      if (!frame || frame.functionName === "(root)") break;
      names.push(frameName(frame));
    }
    return names.join(" ← ");
  };
  const chains = new Map<string, Map<string, number>>();
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const categories = new Map<string, number>();
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
    const name = `${frame.functionName || "(anonymous)"} — ${location(frame)}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const byChain = chains.get(name) ?? new Map<string, number>();
    const chain = chainOf(id);
    byChain.set(chain, (byChain.get(chain) ?? 0) + ms);
    chains.set(name, byChain);
    modules.set(group, (modules.get(group) ?? 0) + ms);
    const category = categoryOf(group);
    categories.set(category, (categories.get(category) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  const topFunctions = top(functions, busyMs, count).map((entry) => {
    const best = [...(chains.get(entry.name) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1])[0];
    return best && best[0] !== "" ? { ...entry, via: best[0] } : entry;
  });
  return { file, totalMs, idleMs, busyMs, windowed, topFunctions, topModules: top(modules, busyMs, count), categories: top(categories, busyMs, 12) };
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
