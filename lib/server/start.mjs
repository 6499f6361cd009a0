// The production entry point (`npm start`): Next's request handler behind node:http.
//
// Why a custom server: `next start` passes a client-sent X-Forwarded-For through, and a
// route handler cannot see the socket. Here every request loses any client-sent
// `x-burnlink-peer` and `x-burnlink-peer-proof` headers and gets one holding the socket's
// remote address and one holding a secret made at boot, so TRUST_PROXY=0 can believe the
// real peer (lib/server/client-ip.ts). The secret reaches the route handlers as a
// non-enumerable global of this process, set before Next is loaded: no environment
// variable, header or other process can supply it, so plain `next start` (or a copied
// environment) never makes a forged peer header trusted.
// Plain JavaScript on purpose: it runs with no compiler, before the build is loaded.
//
// Environment: PORT (3000), HOSTNAME (all interfaces when unset), NEXT_DIST_DIR (.next),
// SHUTDOWN_TIMEOUT_MS (10000), SHUTDOWN_DELAY_SECONDS (5), METRICS_PORT (unset: no metrics
// listener), METRICS_HOST (127.0.0.1). SIGTERM/SIGINT make /api/health/ready answer 503 at
// once, keep serving for SHUTDOWN_DELAY_SECONDS so load balancers notice (a second signal
// skips the rest of the delay), then stop accepting, let in-flight requests finish (at
// most SHUTDOWN_TIMEOUT_MS), and exit 0. lib/server/config.ts validates the same variables
// (the start-up check below), so a bad value stops the server with its name.
// Also: API_DISPATCH (direct: /api straight to the route handlers,
// lib/server/api-dispatch.mjs; router), COMPRESS (1/0), MEMORY_LIMIT_MB and WEB_CONCURRENCY
// (the heap cap and the workers: lib/server/memory-limit.mjs, lib/server/supervisor.mjs).
import { randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants, existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApiDispatcher } from "./api-dispatch.mjs";
import { heapCapMb, heapFlagGiven, memoryLimit, semiSpaceFlags } from "./memory-limit.mjs";
import { answerMetricsRequests, listenOptions, supervise, workerRole } from "./supervisor.mjs";

const PEER_HEADER = "x-burnlink-peer";
const PEER_PROOF_HEADER = "x-burnlink-peer-proof";
const STAMPED_HEADERS = new Set([PEER_HEADER, PEER_PROOF_HEADER]);
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

process.env.NODE_ENV ??= "production";
// Proves to lib/server/client-ip.ts that PEER_HEADER is ours (see above). Same key as its
// PEER_SECRET_KEY; never logged, never sent to a client, new on every boot.
const peerSecret = randomBytes(32).toString("base64url");
Object.defineProperty(globalThis, Symbol.for("burnlink.peerSecret"), {
  value: peerSecret,
  enumerable: false,
  writable: false,
  configurable: false,
});

function log(level, msg, fields = {}) {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
}

function parsePort(text) {
  if (text === undefined || text === "") return 3000;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    log("error", "burnlink: PORT must be a whole number from 0 to 65535");
    process.exit(1);
  }
  return Number(text);
}

/** A start.mjs setting with a fixed set of values: a bad one stops the server with its name. */
function parseChoice(name, choices, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  if (!choices.includes(text)) {
    log("error", `burnlink: ${name} must be ${choices.join(" or ")}`);
    process.exit(1);
  }
  return text;
}

const port = parsePort(process.env.PORT);
// direct: /api/* goes straight to the route handlers (lib/server/api-dispatch.mjs);
// router: everything goes through Next's router server, as `next start` does.
const apiDispatch = parseChoice("API_DISPATCH", ["direct", "router"], "direct");
// Off behind a proxy that compresses anyway: gzip on the event loop costs throughput.
const compress = parseChoice("COMPRESS", ["1", "0"], "1") === "1";
const hostname = process.env.HOSTNAME || undefined;
const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000;
const shutdownDelayMs = /^\d{1,3}$/.test(process.env.SHUTDOWN_DELAY_SECONDS ?? "") ? Number(process.env.SHUTDOWN_DELAY_SECONDS) * 1000 : 5000;
const metricsPort = /^\d{1,5}$/.test(process.env.METRICS_PORT ?? "") ? Number(process.env.METRICS_PORT) : undefined;
const metricsHost = process.env.METRICS_HOST || "127.0.0.1";

function parseWorkers(text) {
  if (text === undefined || text === "") return 1;
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > 64) {
    log("error", "burnlink: WEB_CONCURRENCY must be a whole number of worker processes from 1 to 64");
    process.exit(1);
  }
  return Number(text);
}

/** Any of these selects a store all workers share (lib/server/config.ts, storeKind). */
const SHARED_STORE_VARIABLES = ["REDIS_URL", "REDIS_CLUSTER_NODES", "UPSTASH_REDIS_REST_URL", "KV_REST_API_URL"];

const role = workerRole();

/**
 * A worker's messages from the primary (lib/server/supervisor.mjs), listened to from the
 * start so none is lost while Next loads; acted on once the server is serving.
 * Signals come numbered: systemd (KillMode=control-group) and a terminal's Ctrl-C also
 * signal this process directly, so the primary's first signal only starts a shutdown not
 * yet started (the same signal arriving twice is not the operator's second one).
 * A disconnect means the primary is gone without forwarding anything: stop, no delay.
 */
const workerEvents = (() => {
  let serving = false;
  const early = [];
  function act(event) {
    if (event.type === "disconnect") {
      shuttingDown = true;
      globalThis.__burnlinkShuttingDown = true;
      drain();
    } else if (!(event.count === 1 && shuttingDown)) {
      shutdown(event.signal);
    }
  }
  function receive(event) {
    if (serving) act(event);
    else if (event.type === "disconnect") process.exit(1);
    else early.push(event);
  }
  if (role.isWorker) {
    process.on("message", (message) => {
      if (message?.type === "burnlink:signal") receive(message);
    });
    process.on("disconnect", () => receive({ type: "disconnect" }));
  }
  return {
    serve() {
      serving = true;
      for (const event of early.splice(0)) act(event);
    },
  };
})();

if (!role.isWorker) {
  // The primary: decide the heap cap and the workers, then supervise (lib/server/supervisor.mjs).
  const workers = parseWorkers(process.env.WEB_CONCURRENCY);
  const limit = memoryLimit();
  if (limit.error) {
    log("error", `burnlink: ${limit.error}`);
    process.exit(1);
  }
  if (workers > 1 && !SHARED_STORE_VARIABLES.some((name) => process.env[name] || process.env[`${name}_FILE`])) {
    log("error", "burnlink: WEB_CONCURRENCY above 1 needs a shared store (REDIS_URL, REDIS_CLUSTER_NODES or UPSTASH_REDIS_REST_URL): the in-memory store lives inside one process");
    process.exit(1);
  }
  const given = heapFlagGiven();
  let capMb = given ? undefined : heapCapMb(limit.limitMb, workers);
  let uncappedBecause = "MEMORY_LIMIT_MB=0";
  // The cap and the workers both start Node again from process.execPath. A user that may run
  // the binary but not look it up again (a service user under a root-only folder, as setpriv
  // or su can leave it) would make execve abort the process: then serve uncapped, and say so.
  if ((capMb !== undefined || workers > 1) && !mayStartNodeAgain()) {
    if (workers > 1) {
      log("error", `burnlink: WEB_CONCURRENCY=${workers} needs to start Node again, but this user may not open ${process.execPath}`);
      process.exit(1);
    }
    log("warn", `burnlink: no heap cap: this user may not open ${process.execPath} to start Node again with it; set --max-old-space-size in NODE_OPTIONS instead`);
    capMb = undefined;
    uncappedBecause = "Node could not be started again";
  }
  const execArgv = capMb === undefined ? process.execArgv : [...process.execArgv, `--max-old-space-size=${capMb}`, ...semiSpaceFlags()];
  if (workers === 1 && capMb !== undefined && typeof process.execve === "function") {
    // Node >= 22.15 / 23.11 can replace this process with one started with the cap: the same
    // pid serves, with no supervising primary (about 40 MB of RSS saved). The variable only
    // lets the new image log the cap it was given.
    process.execve(process.execPath, [process.execPath, ...execArgv, ...process.argv.slice(1)], { ...process.env, BURNLINK_HEAP_CAP_MB: String(capMb) });
  }
  const inheritedCap = process.env.BURNLINK_HEAP_CAP_MB;
  log("info", "burnlink: memory", {
    oldSpaceMbPerWorker: inheritedCap ? Number(inheritedCap) : given ? "set by NODE_OPTIONS or the command line" : (capMb ?? `V8 default (${uncappedBecause})`),
    limitMb: limit.limitMb ?? null,
    limitFrom: limit.source,
    workers,
  });
  if (workers > 1 || capMb !== undefined) {
    supervise({ workers, execArgv, metricsPort, metricsHost, projectDir, log });
    // Everything below is the workers' job; the primary ends by process.exit in supervise.
    await new Promise(() => {});
  }
}

/** True when this process may execute its own Node binary again (execve, cluster.fork). */
function mayStartNodeAgain() {
  try {
    accessSync(process.execPath, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The config the build was made with, as the build wrote it (required-server-files.json),
 * handed to Next exactly as Next's own standalone server.js does. The standalone bundle
 * has no next.config.js to load (README, "Standalone bundle"), and in the source tree this
 * keeps the server on the build's config and quiets Next's warning that `output:
 * "standalone"` builds are not for `next start`.
 */
function builtConfig() {
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  const file = path.join(projectDir, distDir, "required-server-files.json");
  if (!existsSync(file)) {
    log("error", `burnlink: no build found (${distDir}/required-server-files.json is missing in ${projectDir}); run npm run build`);
    process.exit(1);
  }
  const { config } = JSON.parse(readFileSync(file, "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  return config;
}

const conf = builtConfig();
// Next's `compress` option, decided at start rather than at build time.
conf.compress = compress;
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(conf);
const { default: next } = await import("next");
const app = next({ dev: false, dir: projectDir, hostname, port, conf });
const handle = app.getRequestHandler();
await app.prepare();
const distDirPath = path.join(projectDir, process.env.NEXT_DIST_DIR || ".next");
const direct = apiDispatch === "direct" ? await createApiDispatcher({ distDirPath, projectDir, port, compress }) : undefined;
if (apiDispatch === "direct" && !direct) {
  log("warn", "burnlink: the build has no API route table (lib/server/api-route-adapter.cjs); serving /api through the router");
}

/** Replaces any client-sent peer and proof headers, in both header views Node offers. */
function stampPeer(req) {
  const raw = [];
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    if (!STAMPED_HEADERS.has(req.rawHeaders[index].toLowerCase())) raw.push(req.rawHeaders[index], req.rawHeaders[index + 1]);
  }
  const peer = req.socket.remoteAddress ?? "";
  raw.push(PEER_HEADER, peer, PEER_PROOF_HEADER, peerSecret);
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
  req.headers[PEER_HEADER] = peer;
  req.headers[PEER_PROOF_HEADER] = peerSecret;
}

/** The methods Next's route handlers can export; Next answers others with a 500. */
const ROUTABLE_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function isDecodable(pathname) {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(JSON.stringify(body));
}

/**
 * An absolute-form request target (`GET http://evil.example/path HTTP/1.1`, which only a
 * proxy client sends) becomes its path: Next would otherwise answer with a redirect to
 * the absolute URL, i.e. to whatever host the request line names.
 */
function normalizeTarget(req) {
  const target = req.url ?? "/";
  if (target.startsWith("/") || target === "*") return;
  try {
    const url = new URL(target);
    req.url = `${url.pathname}${url.search}`;
  } catch {
    req.url = "/";
  }
}

/**
 * Answers what Next would turn into a 500 before it gets there: a path with broken
 * percent-encoding, and a method Next cannot route (TRACE, PROPFIND, ...). For /api the
 * answers keep PROTOCOL.md §4: a broken path is 404 not_found (like any bad path id), and
 * an unroutable method is handed on as PATCH, which no Burnlink route supports, so the
 * route itself answers 405 method_not_allowed with its own Allow header. Returns true
 * when the request was answered here.
 */
function answeredBeforeNext(req, res) {
  normalizeTarget(req);
  const pathname = (req.url ?? "/").split("?")[0] ?? "/";
  const isApi = pathname === "/api" || pathname.startsWith("/api/");
  if (isApi) {
    // Also covers answers Next makes itself, e.g. the redirect that drops a trailing slash.
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
  }
  if (!isDecodable(pathname)) {
    if (isApi) {
      const message = pathname.startsWith("/api/secrets/")
        ? "No secret matches this link. It may never have existed, or its record has expired."
        : "There is no such API endpoint.";
      sendJson(res, 404, { error: "not_found", message });
    }
    else {
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Bad Request");
    }
    return true;
  }
  if (!ROUTABLE_METHODS.has(req.method ?? "")) {
    if (isApi) {
      req.method = "PATCH";
      return false;
    }
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
    res.end("Method Not Allowed");
    return true;
  }
  return false;
}

/** How long a closing connection keeps discarding an upload nobody will read. */
const LINGER_MS = 2_000;

/**
 * After the answer: send FIN, stop parsing, and discard what the client still sends until
 * it closes its side or LINGER_MS pass. Closing at once with unread bytes would make the
 * kernel answer them with RST, which can destroy the answer before the client reads it
 * (lingering close, as nginx and Apache do it).
 */
function lingeringClose(socket) {
  socket.removeAllListeners("data");
  socket.on("data", () => {});
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("end", () => socket.destroy());
  socket.once("close", () => clearTimeout(timer));
  socket.end();
  socket.resume();
}

/**
 * An answer sent before the request's body has fully arrived (413 from Content-Length or
 * while counting a chunked body, or any other early refusal) leaves the rest of the upload
 * on the connection: kept alive, the client's next request on it would be read out of
 * those bytes or reset. So such an answer says `Connection: close`, and Node's close
 * after it (socket.destroySoon, called once the answer is written) becomes a lingering one.
 */
function closeIfBodyUnread(req, res) {
  // Captured now: by the time the answer is finished, req.socket may already be detached.
  const { socket } = req;
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadClosingUnread(...args) {
    if (!req.complete && !res.headersSent) res.setHeader("Connection", "close");
    return writeHead.apply(this, args);
  };
  res.once("prefinish", () => {
    if (req.complete || !socket || !/\bclose\b/i.test(String(res.getHeader("connection") ?? ""))) return;
    socket.destroySoon = () => lingeringClose(socket);
  });
}

let shuttingDown = false;

const server = http.createServer((req, res) => {
  stampPeer(req);
  closeIfBodyUnread(req, res);
  if (shuttingDown) res.setHeader("Connection", "close");
  if (answeredBeforeNext(req, res)) return;
  Promise.resolve(direct?.dispatch(req, res) ?? handle(req, res)).catch((error) => {
    log("error", "burnlink: request handler failed", { error: error?.name ?? "Error" });
    if (!res.headersSent) {
      sendJson(res, 500, { error: "internal_error", message: "The server failed to answer this request." });
    } else {
      res.destroy();
    }
  });
});

// Longer than the idle timeout of common load balancers and of fetch's connection pool, so
// the client, not the server, closes an idle connection: otherwise a request can be sent on
// a socket the server is closing at that moment and fail with EPIPE/ECONNRESET.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// With several workers the primary serves /metrics, summed over them (lib/server/supervisor.mjs).
// Answering from before the first request is accepted: a worker that served requests while
// it was still in its start-up check used to ignore the primary's metrics request, and the
// scrape summed the other worker alone (tests/api/workers.test.ts saw 5 of 6 requests).
if (role.workers > 1) answerMetricsRequests();

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(listenOptions(role, port, hostname), resolve);
});
const address = server.address();
const boundPort = typeof address === "object" && address ? address.port : port;
log("info", "burnlink: listening", { url: `http://${hostname ?? "localhost"}:${boundPort}`, apiDispatch: direct ? "direct" : "router", ...(direct ? { apiRoutesBundled: direct.bundledRouteCount } : {}) });

// Start-up check: /api/config parses the environment (lib/server/config.ts) and
// /api/health builds the store. A bad variable answers 500 and the route logs which one;
// stop now rather than on a user's request. A store that is merely down (503) is not fatal.
const probeHost = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;

function probe(pathname) {
  return new Promise((resolve) => {
    const request = http.get({ host: probeHost, port: boundPort, path: pathname }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    request.on("error", (error) => {
      log("warn", "burnlink: start-up check could not reach the server", { error: error.code ?? error.name });
      resolve(undefined);
    });
  });
}

for (const pathname of ["/api/config", "/api/health"]) {
  const status = await probe(pathname);
  if (status === undefined) break;
  if (status >= 500 && status !== 503) {
    log("error", "burnlink: start-up check failed (see the message above); exiting", { path: pathname, status });
    process.exit(1);
  }
}

// Tells the primary this worker is serving (a worker that exits before this failed to start).
process.send?.({ type: "burnlink:ready" });

/**
 * Prometheus's /metrics on its own listener (METRICS_PORT, bound to METRICS_HOST), so it is
 * never reachable through the public port. It serves the registry the route handlers fill:
 * Next runs in this process, and lib/server/metrics.ts keeps the registry on globalThis.
 */
async function serveMetrics(req, res) {
  const pathname = (req.url ?? "/").split("?")[0];
  if (pathname !== "/metrics") {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found: the metrics are at /metrics\n");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
    return;
  }
  // Created by the first request any route answers; the start-up check has made one.
  if (!globalThis.__burnlinkMetrics) await probe("/api/health/live");
  const registry = globalThis.__burnlinkMetrics?.registry;
  if (!registry) {
    res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8" }).end("The metrics registry is not loaded yet\n");
    return;
  }
  const body = await registry.metrics();
  res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

let metricsServer;
if (metricsPort !== undefined && role.workers === 1) {
  if (metricsPort === boundPort) {
    log("error", "burnlink: METRICS_PORT must differ from PORT: the metrics listener is not for the public");
    process.exit(1);
  }
  metricsServer = http.createServer((req, res) => {
    serveMetrics(req, res).catch((error) => {
      log("error", "burnlink: metrics scrape failed", { error: error?.name ?? "Error" });
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("Internal Server Error\n");
      else res.destroy();
    });
  });
  try {
    await new Promise((resolve, reject) => {
      metricsServer.once("error", reject);
      metricsServer.listen(metricsPort, metricsHost, resolve);
    });
  } catch (error) {
    log("error", "burnlink: the metrics listener could not start", { error: error?.code ?? error?.name, host: metricsHost, port: metricsPort });
    process.exit(1);
  }
  log("info", "burnlink: metrics listening", { url: `http://${metricsHost}:${metricsPort}/metrics` });
}

let drainTimer;

let draining = false;

/** After the delay: stop accepting, finish what is in flight, exit. */
function drain() {
  clearTimeout(drainTimer);
  if (draining) return;
  draining = true;
  log("info", "burnlink: no longer accepting connections; finishing requests in flight");
  const timer = setTimeout(() => {
    log("warn", "burnlink: in-flight requests did not finish in time; closing them");
    server.closeAllConnections();
    process.exit(0);
  }, shutdownTimeoutMs);
  timer.unref();
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  server.close(() => {
    // Then the background loops of instrumentation.ts (event dispatcher, webhook worker), so a
    // delivery in flight is finished and recorded rather than cut; SHUTDOWN_TIMEOUT_MS bounds it.
    Promise.all([direct?.settled(), app.close?.()])
      .catch(() => undefined)
      .then(() => globalThis.__burnlinkStopBackground?.())
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
  server.closeIdleConnections();
}

function shutdown(signal) {
  if (shuttingDown) {
    // A second signal: the operator does not want to wait for the load balancer.
    if (drainTimer !== undefined) drain();
    drainTimer = undefined;
    return;
  }
  shuttingDown = true;
  // Read by lib/server/health.ts: readiness answers 503 from now on.
  globalThis.__burnlinkShuttingDown = true;
  log("info", "burnlink: shutting down", { signal, delaySeconds: shutdownDelayMs / 1000 });
  if (shutdownDelayMs === 0) {
    drain();
    return;
  }
  drainTimer = setTimeout(() => {
    drainTimer = undefined;
    drain();
  }, shutdownDelayMs);
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
// A worker is serving from here on: what arrived from the primary while it started is acted on now.
workerEvents.serve();
