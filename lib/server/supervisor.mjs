// The primary process of `npm start` when it runs the server in workers (node:cluster):
// to give each server process a heap cap (Node has no way to set `--max-old-space-size`
// for the process already running, so the server is started again with it), and for
// WEB_CONCURRENCY > 1 workers sharing one port. The primary loads nothing of Next: it
// forks, forwards SIGTERM/SIGINT to every worker (each drains as a single server does),
// exits when they have all exited, and, with several workers, serves /metrics summed over
// them (prom-client's AggregatorRegistry) on METRICS_PORT.
// Port sharing: on Node >= 22.12 every worker binds the port itself with SO_REUSEPORT
// (the kernel spreads connections); on Node 20 the primary accepts and hands connections
// round-robin to the workers (node:cluster's default). One worker binds the port alone.
// Plain JavaScript: start.mjs runs it before anything is compiled.
import cluster from "node:cluster";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

/** Restarts of crashed workers allowed per minute before the primary gives up. */
const MAX_RESTARTS_PER_MINUTE = 5;
/** How long the primary waits for a worker's metrics before scraping without them. */
const METRICS_REPLY_MS = 2_000;

/** Node >= 22.12 (or 23.1+) can listen with reusePort (SO_REUSEPORT). */
export function canReusePort(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/** What a worker learns from the primary: how to listen, and whether it serves /metrics. */
export function workerRole(env = process.env) {
  return {
    isWorker: cluster.isWorker,
    index: Number(env.BURNLINK_WORKER_INDEX ?? 0),
    workers: Number(env.BURNLINK_WORKERS ?? 1),
    reusePort: env.BURNLINK_REUSE_PORT === "1",
  };
}

/** How a worker's server listens (see the header comment for why). */
export function listenOptions(role, port, host) {
  if (!role.isWorker || role.workers === 1) return { port, host, exclusive: true };
  if (role.reusePort) return { port, host, exclusive: true, reusePort: true };
  return { port, host };
}

/**
 * Runs the primary: forks `workers` workers with `execArgv` and never returns (the
 * process ends with process.exit once the workers have). `log` is start.mjs's logger.
 */
export function supervise({ workers, execArgv, metricsPort, metricsHost, projectDir, log }) {
  const reusePort = workers > 1 && canReusePort();
  cluster.setupPrimary({ execArgv, silent: false });
  let stopping = false;
  let allReady = false;
  const ready = new Set();
  const restarts = [];
  const exitCodes = [];
  // Our own record: cluster.workers drops a worker only once both its exit and its IPC
  // disconnect are seen, in either order.
  const live = new Set();

  function fork(index) {
    const worker = cluster.fork({
      BURNLINK_WORKER_INDEX: String(index),
      BURNLINK_WORKERS: String(workers),
      BURNLINK_REUSE_PORT: reusePort ? "1" : "0",
    });
    worker.burnlinkIndex = index;
    live.add(worker);
    worker.on("message", (message) => {
      if (message?.type !== "burnlink:ready") return;
      ready.add(worker.id);
      if (!allReady && ready.size === workers) {
        allReady = true;
        log("info", "burnlink: all workers serving", { workers, portSharing: workers === 1 ? "none" : reusePort ? "reusePort" : "cluster" });
      }
    });
    return worker;
  }

  cluster.on("exit", (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    live.delete(worker);
    exitCodes.push(code ?? 1);
    if (!stopping && wasReady) {
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0] < now - 60_000) restarts.shift();
      if (restarts.length <= MAX_RESTARTS_PER_MINUTE) {
        log("error", "burnlink: a worker exited; starting another", { code, signal });
        fork(worker.burnlinkIndex);
        return;
      }
      log("error", "burnlink: workers keep exiting; stopping", { code, signal });
    }
    if (!stopping) {
      // A worker that failed to start (bad configuration: it said why) stops them all.
      stopping = true;
      for (const other of live) other.process.kill("SIGTERM");
    }
    if (live.size === 0) {
      metricsServer?.close();
      process.exit(exitCodes.find((value) => value !== 0) ?? 0);
    }
  });

  let signals = 0;
  /** Numbered, over IPC: a worker tells the primary's first signal from the operator's second. */
  function forward(signal) {
    stopping = true;
    signals += 1;
    for (const worker of live) {
      if (worker.isConnected()) worker.send({ type: "burnlink:signal", signal, count: signals });
      else worker.process.kill(signal);
    }
  }
  process.on("SIGTERM", () => forward("SIGTERM"));
  process.on("SIGINT", () => forward("SIGINT"));

  let metricsServer;
  if (workers > 1 && metricsPort !== undefined) metricsServer = serveAggregatedMetrics({ metricsPort, metricsHost, projectDir, log, live });
  for (let index = 0; index < workers; index += 1) fork(index);
}

/** Asks one worker for its registry as JSON (see answerMetricsRequests). */
function workerMetrics(worker, id) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done([]), METRICS_REPLY_MS);
    function done(metrics) {
      clearTimeout(timer);
      worker.off("message", onMessage);
      resolve(metrics);
    }
    function onMessage(message) {
      if (message?.type === "burnlink:metrics" && message.id === id) done(message.metrics);
    }
    worker.on("message", onMessage);
    worker.send({ type: "burnlink:metrics-request", id });
  });
}

/**
 * /metrics for several workers: counters and histograms summed over them, gauges as
 * prom-client's aggregator says (sum by default). One scrape sees the whole instance, as
 * with one worker; a per-worker view would need a port per worker.
 */
function serveAggregatedMetrics({ metricsPort, metricsHost, projectDir, log, live }) {
  const { AggregatorRegistry } = createRequire(path.join(projectDir, "package.json"))("prom-client");
  let nextId = 0;
  const server = http.createServer(async (req, res) => {
    try {
      const pathname = (req.url ?? "/").split("?")[0];
      if (pathname !== "/metrics") {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found: the metrics are at /metrics\n");
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
        return;
      }
      const id = (nextId += 1);
      const perWorker = await Promise.all([...live].map((worker) => workerMetrics(worker, id)));
      const registry = AggregatorRegistry.aggregate(perWorker.filter((metrics) => metrics.length > 0));
      const body = await registry.metrics();
      res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (error) {
      log("error", "burnlink: metrics scrape failed", { error: error?.name ?? "Error" });
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("Internal Server Error\n");
      else res.destroy();
    }
  });
  server.once("error", (error) => {
    log("error", "burnlink: the metrics listener could not start", { error: error?.code ?? error?.name, host: metricsHost, port: metricsPort });
    process.kill(process.pid, "SIGTERM");
  });
  server.listen(metricsPort, metricsHost, () => {
    log("info", "burnlink: metrics listening", { url: `http://${metricsHost}:${metricsPort}/metrics`, workers: "aggregated" });
  });
  return server;
}

/** In a worker: answers the primary's metrics requests from this process's registry. */
export function answerMetricsRequests() {
  process.on("message", async (message) => {
    if (message?.type !== "burnlink:metrics-request") return;
    const registry = globalThis.__burnlinkMetrics?.registry;
    const metrics = registry ? await registry.getMetricsAsJSON() : [];
    process.send?.({ type: "burnlink:metrics", id: message.id, metrics });
  });
}
