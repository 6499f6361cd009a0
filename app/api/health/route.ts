import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import type { HealthResponse } from "@/lib/api/wire";
import { ApiFailure, jsonResponse, unsupportedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health";

// GET /api/health – 200 when the store answers a ping, 503 store_unavailable otherwise
export const GET = withApi(ROUTE, async () => {
  getServerConfig();
  const store = getStore();
  try {
    await store.ping();
  } catch {
    // Whatever the driver threw, for a load balancer this instance cannot serve secrets.
    throw new ApiFailure("store_unavailable");
  }
  const answer: HealthResponse = { status: "ok", store: store.kind };
  return jsonResponse(answer);
});

const { refuse, options } = unsupportedMethods(ROUTE, ["GET"]);

// Any other method – 405 method_not_allowed with Allow
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
// OPTIONS /api/health – 204 with Allow
export const OPTIONS = options;
