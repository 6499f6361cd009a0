import { jsonResponse, unsupportedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/health/live";

// GET /api/health/live – liveness: 200 {status: "ok"} whenever the process answers, whatever the store does
export const GET = withApi(ROUTE, () => jsonResponse({ status: "ok" }));

const { refuse, options } = unsupportedMethods(ROUTE, ["GET"]);

// Any other method – 405 method_not_allowed with Allow
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
// OPTIONS /api/health/live – 204 with Allow
export const OPTIONS = options;
