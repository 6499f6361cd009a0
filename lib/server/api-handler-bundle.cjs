// Bundles the /api route handlers (app/api/**/route.ts) into one Node module that start.mjs
// calls without Next's route runtime (API_DISPATCH=direct, lib/server/api-dispatch.mjs).
//
// Why: measured on Node 20 (tests/bench), a check spends about 13% of its CPU in the route
// handler itself and the rest in Next's per-request route machinery around it (prepare:
// URL parsing, route matching, a dynamic-route regex built per request; tracing spans;
// AsyncLocalStorage stores; the request and the answer copied through Web streams). The
// handlers only ever read their `Request` and `params` and return a `Response`, so they
// can be called with those directly. They stay the API: Next still builds and serves them
// (`next start`, Vercel, API_DISPATCH=router), and tests/api/api-dispatch.test.ts pins that
// both paths answer the same.
//
// What the bundle leaves out or stubs, and why that is safe:
// - `server-only`: an empty module (it only guards React Server bundles from the client);
// - `next/headers`: a stub that throws if called. Only the pages' sign-in lookup
//   (lib/server/auth/account.ts) calls it; an API route that did would fail loudly in the
//   parity test instead of silently reading nothing;
// - prom-client stays external, as in Next's bundles (next.config.js
//   serverExternalPackages): one prom-client and one registry per process.
// Every other module is bundled in, so the file needs nothing from node_modules but
// prom-client, which the standalone folder already holds. Module state that must be one
// per process (the store, the metrics, the event sources) already lives on globalThis
// because Next loads lib/ into several bundles; this bundle is one more of those.
// Plain CommonJS: the build adapter (api-route-adapter.cjs) requires it.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
const { existsSync } = require("node:fs");
const path = require("node:path");

/** Written next to BUILD_ID. Its name reaches start.mjs and the standalone copy through the
 * route table (api-route-adapter.cjs records what bundleApiHandlers returns), so it is
 * spelled only here. */
const HANDLER_BUNDLE_FILE = "burnlink-api-handlers.mjs";

/** app/api/<pathname>/route.ts for an app route's pathname, when that source exists. */
function routeSourceOf(projectDir, pathname) {
  for (const extension of ["ts", "js"]) {
    const file = path.join(projectDir, "app", ...pathname.split("/").filter(Boolean), `route.${extension}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Resolves `server-only` to nothing and `next/headers` to a stub that refuses (see above). */
const stubsPlugin = {
  name: "burnlink-api-stubs",
  setup(build) {
    build.onResolve({ filter: /^server-only$/ }, () => ({ path: "server-only", namespace: "burnlink-stub" }));
    build.onResolve({ filter: /^next\/headers$/ }, () => ({ path: "next/headers", namespace: "burnlink-stub" }));
    build.onLoad({ filter: /.*/, namespace: "burnlink-stub" }, (args) => ({
      loader: "js",
      contents:
        args.path === "server-only"
          ? "export {};"
          : 'const refuse = () => { throw new Error("next/headers is not available to API routes on the direct path: read the Request instead"); };\n' +
            "export const headers = refuse;\nexport const cookies = refuse;\nexport const draftMode = refuse;\n",
    }));
  },
};

/**
 * Bundles the handlers of `pathnames` (app routes under /api) into distDir. Returns the
 * pathnames it bundled (a route whose source is not found is left to Next's compiled
 * entrypoint), the bundle's file name and every file it wrote (none when nothing was bundled).
 */
async function bundleApiHandlers({ projectDir, distDir, pathnames }) {
  const { build } = require("esbuild");
  const bundled = [];
  const lines = [];
  for (const pathname of pathnames) {
    const source = routeSourceOf(projectDir, pathname);
    if (!source) continue;
    lines.push(`import * as route${bundled.length} from ${JSON.stringify(source)};`);
    bundled.push(pathname);
  }
  // A project without API routes (the bench's one-page baseline app is built under this
  // folder, so Next finds this adapter for it too) has nothing to bundle, and maybe no tsconfig.
  if (bundled.length === 0) return { pathnames: bundled, file: undefined, files: [] };
  lines.push(`export const routes = new Map([${bundled.map((pathname, index) => `[${JSON.stringify(pathname)}, route${index}]`).join(", ")}]);`);
  await build({
    stdin: { contents: lines.join("\n"), resolveDir: projectDir, loader: "js", sourcefile: "api-handlers-entry.js" },
    outfile: path.join(distDir, HANDLER_BUNDLE_FILE),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // CommonJS dependencies call require() for Node's own modules.
    banner: { js: 'import { createRequire as __burnlinkCreateRequire } from "node:module";\nconst require = __burnlinkCreateRequire(import.meta.url);' },
    external: ["prom-client"],
    plugins: [stubsPlugin],
    tsconfig: path.join(projectDir, "tsconfig.json"),
    define: { "process.env.NEXT_RUNTIME": JSON.stringify("nodejs") },
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
  // The source map is linked from the bundle (`sourcemap: "linked"`), so it travels with it.
  return { pathnames: bundled, file: HANDLER_BUNDLE_FILE, files: [HANDLER_BUNDLE_FILE, `${HANDLER_BUNDLE_FILE}.map`] };
}

module.exports = { bundleApiHandlers };
