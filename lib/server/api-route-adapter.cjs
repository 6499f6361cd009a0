// A Next 16 build adapter (`adapterPath` in next.config.js; Adapters API, stable since 16.2)
// that writes the table of compiled /api route handlers, so start.mjs can serve /api itself
// (API_DISPATCH=direct) instead of through Next's router server, and bundles the handlers'
// sources for that path (lib/server/api-handler-bundle.cjs).
// onBuildComplete is the documented source of that table: each app route's pathname, its
// built entrypoint (which exports `handler(req, res, ctx)`) and, for dynamic routes, the
// matching regex Next itself routes by. Plain CommonJS: next.config.js requires it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
const { writeFileSync } = require("node:fs");
const path = require("node:path");
const { bundleApiHandlers } = require("./api-handler-bundle.cjs");

/** @type {import('next').NextAdapter} */
const adapter = {
  name: "burnlink-api-route-table",
  async onBuildComplete({ routing, outputs, projectDir, distDir, buildId }) {
    const isApi = (pathname) => pathname === "/api" || pathname.startsWith("/api/");
    const routes = outputs.appRoutes
      // `.rsc` twins are RSC variants of the same entry; start.mjs leaves such paths to the router.
      .filter((route) => isApi(route.pathname) && !route.pathname.endsWith(".rsc") && route.runtime === "nodejs")
      .map((route) => ({
        pathname: route.pathname,
        // Relative, so the table still holds in the standalone copy of the dist folder.
        entry: path.relative(distDir, route.filePath),
      }));
    // Next's own order of dynamic routes (most specific first, catch-alls last).
    const dynamic = routing.dynamicRoutes
      .filter((route) => route.source && isApi(route.source) && routes.some((r) => r.pathname === route.source))
      .map((route) => ({ pathname: route.source, regex: route.sourceRegex }));
    // The routes start.mjs calls from the bundle (any other stays on its compiled entrypoint),
    // and the bundle's files, which the standalone copy takes along by these names.
    const bundle = await bundleApiHandlers({ projectDir, distDir, pathnames: routes.map((route) => route.pathname) });
    const table = { buildId, routes, dynamic, handlers: bundle.pathnames, handlerBundle: bundle.file, handlerBundleFiles: bundle.files };
    // The table's own name is the dispatcher's (one spelling); an ES module, hence import().
    const { API_ROUTE_TABLE_FILE } = await import("./api-dispatch.mjs");
    writeFileSync(path.join(distDir, API_ROUTE_TABLE_FILE), `${JSON.stringify(table, null, 2)}\n`);
  },
};

module.exports = adapter;
