import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health/live";

// GET /api/health/live – liveness: 200 {status: "ok"} whenever the process answers, whatever the store does
export const GET = withApi(ROUTE, () => jsonResponse({ status: "ok" }));

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
