// Direct dispatch of /api requests (API_DISPATCH=direct).
//
// Why: Next's router server does per-request work a route handler does not need (parsing
// and matching the URL twice, rebuilding a dynamic-route regex, piping the answer through
// extra streams), and so does its app-route runtime around each handler. The build
// (lib/server/api-route-adapter.cjs, onBuildComplete of Next 16's Adapters API) writes the
// table of /api routes in Next's matching order and bundles their handlers
// (lib/server/api-handler-bundle.cjs); this module matches a request against that table and
// calls the route's handler through lib/server/route-call.mjs. A route or method the bundle
// lacks goes to the route's compiled entrypoint (the documented `handler(req, res, ctx)`),
// which runs it through Next's app-route runtime. The handlers are unchanged: they still
// run on Vercel and through `next start`.
//
// What the router does before a route handler, and this module does too: drop the
// internal headers a client must not be able to send (Next's INTERNAL_HEADERS), fill in
// x-forwarded-host/-port/-proto/-for when absent (as base-server.js does), compress when
// `compress` is on (Next's own compression middleware), and match static routes before
// dynamic ones in Next's order. What it leaves to the router, by sending the request there:
// anything whose routing is not a plain table lookup: `/api` itself (proxy.ts runs on it),
// trailing slashes and `//` (Next redirects), percent-encoded or dot segments (Next
// normalises them), `.rsc` paths, RSC/router request headers, and `nxtP`/`nxtI` query keys
// (Next's internal route-parameter channel). tests/api/api-dispatch.test.ts pins that the
// two paths answer the same.
// Plain JavaScript: start.mjs loads it before anything is compiled.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { answerWithHandler, paramsPattern } from "./route-call.mjs";

/** Written by lib/server/api-route-adapter.cjs next to BUILD_ID; the one spelling of its name. */
export const API_ROUTE_TABLE_FILE = "burnlink-api-routes.json";

/** The methods Next's app routes can export; anything else is Next's to answer. */
const ROUTE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]);

/** Next's server-ipc INTERNAL_HEADERS: honoured only when Next itself sets them. */
const INTERNAL_HEADERS = [
  "x-middleware-rewrite",
  "x-middleware-redirect",
  "x-middleware-set-cookie",
  "x-middleware-skip",
  "x-middleware-override-headers",
  "x-middleware-next",
  "x-now-route-matches",
  "x-matched-path",
  "x-nextjs-data",
  "x-next-resume-state-length",
  "next-resume",
];

/** Request headers that make Next's router treat a request as an RSC/navigation one. */
const ROUTER_HEADERS = ["rsc", "next-router-prefetch", "next-router-state-tree", "next-router-segment-prefetch", "next-action", "next-url"];

/** base-server.js's Vary for app-router answers (RSC and router-state request headers). */
const APP_VARY = "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch";

/**
 * A path whose routing is a table lookup: /api/ then non-empty segments of unreserved and
 * sub-delim characters, no percent-encoding, no `.`/`..` segment, no trailing slash, no
 * `.rsc` suffix. Everything else goes to Next's router, which normalises or redirects.
 */
const PLAIN_API_PATH = /^\/api(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

export function isPlainApiPath(pathname) {
  return PLAIN_API_PATH.test(pathname) && !DOT_SEGMENT.test(pathname) && !pathname.endsWith(".rsc");
}

/** Reads the build's route table; undefined when the build has none (built without the adapter). */
export function readApiRouteTable(distDirPath) {
  const file = path.join(distDirPath, API_ROUTE_TABLE_FILE);
  if (!existsSync(file)) return undefined;
  const table = JSON.parse(readFileSync(file, "utf8"));
  const routes = new Map(table.routes.map((route) => [route.pathname, { pathname: route.pathname, entry: path.join(distDirPath, route.entry) }]));
  const statics = new Map();
  for (const [pathname, route] of routes) if (!pathname.includes("[")) statics.set(pathname, route);
  const dynamic = table.dynamic.map((route) => ({ regex: new RegExp(route.regex), route: routes.get(route.pathname) }));
  return {
    /** Route pathnames whose handlers the build bundled (older builds: none). */
    bundled: new Set(table.handlers ?? []),
    /** The bundle's file (lib/server/api-handler-bundle.cjs names it), when there is one. */
    bundleFile: typeof table.handlerBundle === "string" ? path.join(distDirPath, path.basename(table.handlerBundle)) : undefined,
    /** `{pathname, entry}` of the route serving pathname, as Next's router would choose it. */
    match(pathname) {
      const route = statics.get(pathname);
      if (route) return route;
      for (const candidate of dynamic) if (candidate.regex.test(pathname)) return candidate.route;
      return undefined;
    },
  };
}

/**
 * Builds the dispatcher. `dispatch(req, res)` returns undefined when the request is not for
 * the direct path (the caller hands it to Next's router), else the promise of the answer.
 */
export async function createApiDispatcher({ distDirPath, projectDir, port, compress }) {
  const table = readApiRouteTable(distDirPath);
  if (!table) return undefined;
  const { bundleFile } = table;
  /** Route pathname → its module's exports, for the routes the build bundled. */
  const bundledRoutes =
    table.bundled.size > 0 && bundleFile && existsSync(bundleFile) ? (await import(pathToFileURL(bundleFile).href)).routes : new Map();
  const patterns = new Map([...bundledRoutes.keys()].map((pathname) => [pathname, paramsPattern(pathname)]));
  const require = createRequire(path.join(projectDir, "package.json"));
  if (bundledRoutes.size > 0) {
    // instrumentation.ts's register() (the §9 event pipeline, the webhook worker) must run
    // before the first request, and Next's route runtime, which these requests skip, is what
    // makes sure of it. The same once-per-process call Next makes (next-server.js).
    const { ensureInstrumentationRegistered } = require("next/dist/server/lib/router-utils/instrumentation-globals.external.js");
    await ensureInstrumentationRegistered(projectDir, path.relative(projectDir, distDirPath));
  }
  const compression = compress ? require("next/dist/compiled/compression")() : undefined;
  const { releaseCompressionStream } = compress ? require("next/dist/server/lib/release-compression-stream") : {};
  const handlers = new Map();
  // The promises handed to ctx.waitUntil (work after the answer, e.g. `after()`).
  const pending = new Set();
  const waitUntil = (promise) => {
    const tracked = Promise.resolve(promise).catch(() => undefined).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  // Same key the router registers its context under (router-server.js), so the handler
  // finds the running server's config, hostname and render404 there.
  const relativeProjectDir = path.relative(process.cwd(), projectDir);

  function handlerFor(entry) {
    let handler = handlers.get(entry);
    if (!handler) {
      handler = require(entry).handler;
      handlers.set(entry, handler);
    }
    return handler;
  }

  function dispatch(req, res) {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query === -1 ? url : url.slice(0, query);
    if (!isPlainApiPath(pathname)) return undefined;
    if (query !== -1 && /(?:^|[?&])nxt[PI]/.test(url.slice(query))) return undefined;
    const headers = req.headers;
    for (const name of ROUTER_HEADERS) if (headers[name] !== undefined) return undefined;
    const route = table.match(pathname);
    if (!route) return undefined;

    for (const name of INTERNAL_HEADERS) delete headers[name];
    const forwardedProto = headers["x-forwarded-proto"];
    const isHttps = forwardedProto ? forwardedProto === "https" : Boolean(req.socket?.encrypted);
    headers["x-forwarded-host"] ??= headers.host;
    headers["x-forwarded-port"] ??= port ? String(port) : isHttps ? "443" : "80";
    headers["x-forwarded-proto"] ??= isHttps ? "https" : "http";
    headers["x-forwarded-for"] ??= req.socket?.remoteAddress;
    // As the router does: a client's broken connection is not a server error.
    req.on("error", () => {});
    res.on("error", () => {});
    // What base-server.js adds to every app-router answer (setVaryHeader), before the route runs.
    res.appendHeader("Vary", APP_VARY);
    if (compression) {
      compression(req, res, () => {});
      // As the router does: an aborted answer would otherwise leak its zlib stream.
      res.once("close", () => {
        if (!res.writableFinished) releaseCompressionStream(res);
      });
    }
    const bundled = ROUTE_METHODS.has(req.method) ? bundledRoutes.get(route.pathname)?.[req.method] : undefined;
    if (typeof bundled === "function") return answerWithHandler(bundled, patterns.get(route.pathname), pathname, req, res, isHttps);
    return handlerFor(route.entry)(req, res, { waitUntil, requestMeta: { relativeProjectDir } });
  }

  return {
    dispatch,
    /** How many routes are served from the handler bundle (the rest through their compiled entrypoints). */
    bundledRouteCount: bundledRoutes.size,
    /** Settles once the work handed to waitUntil so far has finished. */
    settled: () => Promise.all([...pending]),
  };
}
