import { readiness } from "@/lib/server/health";
import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health/ready";

// GET /api/health/ready – readiness: 200 {status, store} when the config is valid and the store answers; 503 store_unavailable otherwise and from SIGTERM on
export const GET = withApi(ROUTE, async () => jsonResponse(await readiness()));

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
