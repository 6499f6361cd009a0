import { readiness } from "@/lib/server/health";
import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health";

// GET /api/health – the v1 probe, now the same answer as /api/health/ready: 200 {status, store}, 503 store_unavailable when the store is down or the instance is shutting down
export const GET = withApi(ROUTE, async () => jsonResponse(await readiness()));

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
