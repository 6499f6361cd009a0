/**
 * First-load JS per page route: gzip level 9 of the chunks listed in
 * `<distDir>/diagnostics/route-bundle-stats.json` (within 1% of the bytes on the wire,
 * /work/shared/STACK-NOTES.md), next to the baseline of an empty Next.js page.
 *
 * The baseline is measured, not assumed: a one-page app (a root layout and a page that
 * renders one <main>, no client components) is built with the project's own next, react
 * and react-dom into .next-bench-tools/empty-app (kept between runs per Next version), and
 * its "/" route is weighed the same way. The chunks every Burnlink page shares are
 * reported too, as a second view of the fixed cost.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { TOOLS_DIR } from "./processes";

export const PAGE_BUDGET_KB: Record<string, number> = { "/s": 160, "/": 175 };

interface RouteStats {
  route: string;
  firstLoadUncompressedJsBytes: number;
  firstLoadChunkPaths: string[];
}

export interface RouteWeight {
  route: string;
  gzipBytes: number;
  rawBytes: number;
  /** gzip bytes above the empty page's. */
  overBaselineBytes: number;
  budgetKb?: number;
  withinBudget?: boolean;
}

export interface PageWeight {
  distDir: string;
  routes: RouteWeight[];
  baseline: { gzipBytes: number; rawBytes: number; method: string };
  sharedByAllPagesGzipBytes: number;
}

function gzipOf(projectDir: string, chunkPaths: string[]): number {
  return chunkPaths.reduce((sum, chunk) => sum + gzipSync(readFileSync(path.join(projectDir, chunk)), { level: 9 }).length, 0);
}

function rawOf(projectDir: string, chunkPaths: string[]): number {
  return chunkPaths.reduce((sum, chunk) => sum + readFileSync(path.join(projectDir, chunk)).length, 0);
}

function readStats(projectDir: string, distDir: string): RouteStats[] {
  return JSON.parse(readFileSync(path.join(projectDir, distDir, "diagnostics", "route-bundle-stats.json"), "utf8")) as RouteStats[];
}

/** Builds (once per Next version) and weighs an empty Next.js page with the project's packages. */
function emptyPageBaseline(projectDir: string): { gzipBytes: number; rawBytes: number; method: string } {
  const appDir = path.join(TOOLS_DIR, "..", "empty-app");
  const nextVersion = (JSON.parse(readFileSync(path.join(projectDir, "node_modules", "next", "package.json"), "utf8")) as { version: string }).version;
  const stamp = path.join(appDir, "built-with-next");
  const statsPath = path.join(appDir, ".next", "diagnostics", "route-bundle-stats.json");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== nextVersion || !existsSync(statsPath)) {
    rmSync(appDir, { recursive: true, force: true });
    mkdirSync(path.join(appDir, "app"), { recursive: true });
    writeFileSync(path.join(appDir, "package.json"), JSON.stringify({ name: "empty-next-page", private: true }));
    writeFileSync(
      path.join(appDir, "app", "layout.jsx"),
      'export default function RootLayout({ children }) {\n  return (\n    <html lang="en">\n      <body>{children}</body>\n    </html>\n  );\n}\n',
    );
    writeFileSync(path.join(appDir, "app", "page.jsx"), "export default function Page() {\n  return <main />;\n}\n");
    execFileSync(process.execPath, [path.join(projectDir, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: appDir,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: "" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    writeFileSync(stamp, nextVersion);
  }
  const stats = JSON.parse(readFileSync(statsPath, "utf8")) as RouteStats[];
  const home = stats.find((entry) => entry.route === "/");
  if (!home) throw new Error("the empty app's build lists no / route");
  return {
    gzipBytes: gzipOf(appDir, home.firstLoadChunkPaths),
    rawBytes: rawOf(appDir, home.firstLoadChunkPaths),
    method: `next ${nextVersion} build of a one-page app (root layout + <main/>) with the project's react/react-dom, "/" route, gzip -9`,
  };
}

export function measurePageWeight(projectDir: string, distDir: string): PageWeight {
  const pages = readStats(projectDir, distDir).filter((entry) => !entry.route.startsWith("/api") && !entry.route.startsWith("/_"));
  const baseline = emptyPageBaseline(projectDir);
  const shared = pages
    .map((entry) => new Set(entry.firstLoadChunkPaths))
    .reduce((common, chunks) => new Set([...common].filter((chunk) => chunks.has(chunk))));
  const routes = pages.map((entry): RouteWeight => {
    const gzipBytes = gzipOf(projectDir, entry.firstLoadChunkPaths);
    const budgetKb = PAGE_BUDGET_KB[entry.route];
    const weight: RouteWeight = {
      route: entry.route,
      gzipBytes,
      rawBytes: rawOf(projectDir, entry.firstLoadChunkPaths),
      overBaselineBytes: gzipBytes - baseline.gzipBytes,
    };
    if (budgetKb !== undefined) {
      weight.budgetKb = budgetKb;
      weight.withinBudget = gzipBytes / 1024 <= budgetKb;
    }
    return weight;
  });
  return { distDir, routes, baseline, sharedByAllPagesGzipBytes: gzipOf(projectDir, [...shared]) };
}
