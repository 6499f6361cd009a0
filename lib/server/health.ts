/**
 * The health probes of issue 14 §5, for load balancers and Kubernetes.
 *
 * - live: the process answers. Nothing else is checked, so a store outage never makes an
 *   orchestrator restart every instance at once.
 * - ready (and the v1 /api/health, which follows it): the config is valid, the store
 *   answers a ping, and the process is not shutting down. From SIGTERM on, lib/server/
 *   start.mjs sets the flag read here, so ready answers 503 at once while the server
 *   keeps serving for SHUTDOWN_DELAY_SECONDS: load balancers stop sending before it stops
 *   accepting.
 */
import "server-only";
import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { ApiFailure } from "@/lib/server/http";
import type { HealthResponse } from "@/lib/api/wire";

/** Set by lib/server/start.mjs on SIGTERM/SIGINT (the same process: Next runs in it). */
const holder = globalThis as typeof globalThis & { __burnlinkShuttingDown?: boolean };

export const SHUTTING_DOWN_MESSAGE = "This instance is shutting down; send requests to another one.";

export function isShuttingDown(): boolean {
  return holder.__burnlinkShuttingDown === true;
}

/**
 * Resolves to the v1 health body when this instance can serve secrets; throws 503
 * store_unavailable when it is shutting down or the store does not answer (the only 503
 * code of PROTOCOL.md §4, which v1 clients already treat as "try again shortly"). An
 * invalid config throws ConfigError: withApi answers 500 and logs the variable's name.
 */
export async function readiness(): Promise<HealthResponse> {
  if (isShuttingDown()) throw new ApiFailure("store_unavailable", SHUTTING_DOWN_MESSAGE);
  getServerConfig();
  const store = getStore();
  try {
    await store.ping();
  } catch {
    // Whatever the driver threw, for a load balancer this instance cannot serve secrets.
    throw new ApiFailure("store_unavailable");
  }
  return { status: "ok", store: store.kind };
}
