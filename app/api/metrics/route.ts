import { getServerConfig } from "@/lib/server/config";
import { metricsAuthorized } from "@/lib/server/metrics-auth";
import { metricsExposition } from "@/lib/server/metrics";
import { ApiFailure, refusedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/metrics";

// GET /api/metrics – the Prometheus exposition for `Authorization: Bearer <METRICS_TOKEN>`; 404 when METRICS_TOKEN is unset, 401 auth_required for a missing or wrong bearer
export const GET = withApi(ROUTE, async (request: Request) => {
  const { metricsToken } = getServerConfig();
  if (metricsToken === undefined) throw new ApiFailure("not_found", "There is no such API endpoint.");
  if (!metricsAuthorized(request.headers.get("authorization"), metricsToken)) {
    throw new ApiFailure("auth_required", "Send Authorization: Bearer <METRICS_TOKEN>.", {}, { "WWW-Authenticate": 'Bearer realm="metrics"' });
  }
  const { body, contentType } = await metricsExposition();
  return new Response(body, { status: 200, headers: { "Content-Type": contentType } });
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
