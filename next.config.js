// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests and parallel builds may use their own output folder; production uses .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // A self-contained server folder (.next/standalone) with only the node_modules it needs:
  // what the README's standalone section, the systemd unit and the Dockerfile run.
  output: "standalone",
  reactStrictMode: true,
  // `npm run typecheck` checks the whole tree (tests included) in CI; the build need not
  // repeat it, and must not fail because an unrelated test file is mid-edit.
  typescript: { ignoreBuildErrors: true },
  // Loaded from node_modules, not bundled: one prom-client (and one registry on globalThis,
  // lib/server/metrics.ts) for every route bundle and for start.mjs's /metrics listener.
  serverExternalPackages: ["prom-client"],
  // Writes the table of compiled /api route handlers that start.mjs dispatches to directly
  // (API_DISPATCH, README "Performance"); the build itself is unchanged. A platform's own
  // adapter (NEXT_ADAPTER_PATH) wins: start.mjs does not run there, and without the table
  // it would serve /api through the router anyway.
  ...(process.env.NEXT_ADAPTER_PATH ? {} : { adapterPath: require.resolve("./lib/server/api-route-adapter.cjs") }),
};

module.exports = nextConfig;
