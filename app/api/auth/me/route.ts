import { getAuthStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import type { SessionUserResponse } from "@/lib/api/wire";
import { ApiFailure, jsonResponse, refusedMethods, withApi } from "@/lib/server/http";
import { sessionOf } from "@/lib/server/auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/auth/me";

// GET /api/auth/me – who is signed in (PROTOCOL.md §8)
export const GET = withApi(ROUTE, async (request: Request) => {
  const { auth } = getServerConfig();
  const active = await sessionOf(request.headers, auth, getAuthStore());
  if (!active) throw new ApiFailure("auth_required", "Not signed in.", {}, { "WWW-Authenticate": "Bearer" });
  const { issuer, subject, email } = active.session;
  const answer: SessionUserResponse = { issuer, subject, email };
  return jsonResponse(answer);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET"]);
