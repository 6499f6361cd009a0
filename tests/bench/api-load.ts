/**
 * One API load run with autocannon: a warm-up (discarded), then the measured run, both
 * with the same connections. Every request carries its own body: create a fresh id, check
 * and reveal the next pre-stored secret (round robin, so with maxViews 10 a secret is
 * revealed at most 10 times when the pool holds a tenth of the requests).
 */
import { loadavg } from "node:os";
import autocannon, { type AutocannonRequest } from "autocannon";
import type { SealedSecret } from "@/lib/crypto";
import { monotonicMicros } from "./cpu-profile";
import { createBody, idFactory, type StoredSecret } from "./payloads";

export type Endpoint = "config" | "create" | "check" | "reveal";

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  endpoint: Endpoint;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  connections: number;
  /** The 1-minute load average when the run ended: other work on the machine shows here. */
  loadAverage1m: number;
  /** The measured run on the monotonic clock (µs), to cut a CPU profile to it. */
  window: { startUs: number; endUs: number };
}

export interface LoadInput {
  sealed?: SealedSecret[];
  stored?: StoredSecret[];
}

const JSON_HEADERS = { "content-type": "application/json" };

function requestFor(endpoint: Endpoint, input: LoadInput): AutocannonRequest {
  if (endpoint === "config") return { method: "GET", path: "/api/config" };
  if (endpoint === "create") {
    const sealed = input.sealed ?? [];
    const nextId = idFactory();
    let counter = 0;
    return {
      method: "POST",
      path: "/api/secrets",
      headers: JSON_HEADERS,
      setupRequest: (request) => {
        const secret = sealed[counter++ % sealed.length];
        if (!secret) throw new Error("create needs sealed secrets");
        return { ...request, body: createBody(secret, nextId()) };
      },
    };
  }
  const stored = input.stored ?? [];
  let counter = 0;
  return {
    method: "POST",
    headers: JSON_HEADERS,
    setupRequest: (request) => {
      const secret = stored[counter++ % stored.length];
      if (!secret) throw new Error(`${endpoint} needs stored secrets`);
      const body = endpoint === "check" ? { access: secret.access } : { access: secret.access, unlock: secret.unlock };
      return { ...request, path: `/api/secrets/${secret.id}/${endpoint}`, body: JSON.stringify(body) };
    },
  };
}

export async function runLoad(baseUrl: string, endpoint: Endpoint, input: LoadInput, settings: LoadSettings): Promise<LoadResult> {
  // One request object for warm-up and run: its counter continues, so no secret is reused early.
  const request = requestFor(endpoint, input);
  if (settings.warmupSeconds > 0) {
    await autocannon({ url: baseUrl, connections: settings.connections, duration: settings.warmupSeconds, requests: [request] });
  }
  const startUs = monotonicMicros();
  const result = await autocannon({
    url: baseUrl,
    connections: settings.connections,
    duration: settings.durationSeconds,
    requests: [request],
  });
  const endUs = monotonicMicros();
  return {
    endpoint,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: result.latency.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: settings.durationSeconds,
    connections: settings.connections,
    loadAverage1m: loadavg()[0] ?? 0,
    window: { startUs, endUs },
  };
}

/**
 * Several runs of one endpoint on one server as one result: counts and time summed, the
 * rate over the summed time, p50 and p99 the worst of the runs (percentiles do not add up;
 * the worst is the conservative reading).
 */
export function mergeLoads(parts: LoadResult[]): LoadResult {
  const [first, ...rest] = parts;
  if (!first) throw new Error("no load runs to merge");
  if (rest.length === 0) return first;
  const requests = parts.reduce((sum, part) => sum + part.requests, 0);
  const durationSeconds = parts.reduce((sum, part) => sum + part.durationSeconds, 0);
  return {
    ...first,
    requestsPerSecond: requests / durationSeconds,
    latencyP50Ms: Math.max(...parts.map((part) => part.latencyP50Ms)),
    latencyP99Ms: Math.max(...parts.map((part) => part.latencyP99Ms)),
    latencyMeanMs: parts.reduce((sum, part) => sum + part.latencyMeanMs * part.requests, 0) / Math.max(1, requests),
    requests,
    non2xx: parts.reduce((sum, part) => sum + part.non2xx, 0),
    errors: parts.reduce((sum, part) => sum + part.errors, 0),
    timeouts: parts.reduce((sum, part) => sum + part.timeouts, 0),
    durationSeconds,
    loadAverage1m: parts.at(-1)?.loadAverage1m ?? first.loadAverage1m,
    window: { startUs: first.window.startUs, endUs: parts.at(-1)?.window.endUs ?? first.window.endUs },
  };
}

/** One line for the log. */
export function describeLoad(result: LoadResult): string {
  return `${result.endpoint}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms (${result.requests} requests, ${result.non2xx} non-2xx, ${result.errors} errors, load ${result.loadAverage1m.toFixed(1)})`;
}
