import { readiness } from "@/lib/server/health";
import { jsonResponse, unsupportedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health/ready";

// GET /api/health/ready – readiness: 200 {status, store} when the config is valid and the store answers; 503 store_unavailable otherwise and from SIGTERM on
export const GET = withApi(ROUTE, async () => jsonResponse(await readiness()));

const { refuse, options } = unsupportedMethods(ROUTE, ["GET"]);

// Any other method – 405 method_not_allowed with Allow
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
// OPTIONS /api/health/ready – 204 with Allow
export const OPTIONS = options;
