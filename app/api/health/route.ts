import { readiness } from "@/lib/server/health";
import { jsonResponse, unsupportedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health";

// GET /api/health – the v1 probe, now the same answer as /api/health/ready: 200 {status, store}, 503 store_unavailable when the store is down or the instance is shutting down
export const GET = withApi(ROUTE, async () => jsonResponse(await readiness()));

const { refuse, options } = unsupportedMethods(ROUTE, ["GET"]);

// Any other method – 405 method_not_allowed with Allow
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
// OPTIONS /api/health – 204 with Allow
export const OPTIONS = options;
