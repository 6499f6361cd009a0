import { getServerConfig } from "@/lib/server/config";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { jsonResponse, refusedMethods, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
// The limits in the document follow the running server's environment.
export const dynamic = "force-dynamic";

const ROUTE = "/api/openapi.json";

// GET /api/openapi.json – OpenAPI 3.1 description generated from the zod schemas
export const GET = withApi(ROUTE, async () => jsonResponse(buildOpenApiDocument(getServerConfig())));

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
