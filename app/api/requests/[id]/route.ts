import { getRequestStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import type { RequestStatusResponse } from "@/lib/api/wire";
import { creatorBodyOf } from "@/lib/server/auth";
import {
  collectVerifierFromAuthorization,
  emptyResponse,
  isoTime,
  jsonResponse,
  parseRequestId,
  requestNotFound,
  refusedMethods,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/requests/[id]";

type Context = { params: Promise<{ id: string }> };

async function collectAccess(request: Request, context: Context) {
  const config = getServerConfig();
  await enforceRateLimit("manage", request.headers, config);
  const id = parseRequestId((await context.params).id);
  return {
    id,
    collectVerifier: collectVerifierFromAuthorization(request),
    nowMs: Date.now(),
    requester: requesterOf(request.headers, config),
  };
}

// GET /api/requests/{id} – status and timeline for the collect-link holder (PROTOCOL.md §7)
export const GET = withApi(ROUTE, async (request: Request, context: Context) => {
  const result = await getRequestStore().status(await collectAccess(request, context));
  if (result.kind === "not_found") throw requestNotFound();

  const { status } = result;
  const answer: RequestStatusResponse = {
    id: status.id,
    state: status.state,
    createdAt: isoTime(status.createdAtMs),
    expiresAt: isoTime(status.expiresAtMs),
    maxResponses: status.maxResponses,
    responsesLeft: status.responsesLeft,
    pending: status.pending,
    events: status.events.map((event) => ({
      type: event.type,
      at: isoTime(event.atMs),
      ...(event.ip === undefined ? {} : { ip: event.ip }),
      ...(event.n === undefined ? {} : { n: event.n }),
    })),
  };
  // PROTOCOL.md §8: who made it, never the token's kid.
  if (status.creator) answer.creator = creatorBodyOf(status.creator);
  return jsonResponse(answer);
});

// DELETE /api/requests/{id} – revoke: no more answers, uncollected ones deleted; 204 also when already revoked
export const DELETE = withApi(ROUTE, async (request: Request, context: Context) => {
  const result = await getRequestStore().revoke(await collectAccess(request, context));
  if (result.kind === "not_found") throw requestNotFound();
  return emptyResponse(204);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, OPTIONS } = refusedMethods(ROUTE, ["GET", "DELETE"]);
