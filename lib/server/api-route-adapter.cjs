// A Next 16 build adapter (`adapterPath` in next.config.js; Adapters API, stable since 16.2)
// whose only job is to write the table of compiled /api route handlers, so start.mjs can
// call them directly (API_DISPATCH=direct) instead of through Next's router server.
// onBuildComplete is the documented source of that table: each app route's pathname, its
// built entrypoint (which exports `handler(req, res, ctx)`) and, for dynamic routes, the
// matching regex Next itself routes by. Plain CommonJS: next.config.js requires it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
const { writeFileSync } = require("node:fs");
const path = require("node:path");

/** The file start.mjs reads, next to BUILD_ID in the dist folder. */
const TABLE_FILE = "burnlink-api-routes.json";

/** @type {import('next').NextAdapter} */
const adapter = {
  name: "burnlink-api-route-table",
  async onBuildComplete({ routing, outputs, distDir, buildId }) {
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
    const table = { buildId, routes, dynamic };
    writeFileSync(path.join(distDir, TABLE_FILE), `${JSON.stringify(table, null, 2)}\n`);
  },
};

module.exports = adapter;
