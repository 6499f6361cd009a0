import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { admissionFor, admitted, parsedOrCounted } from "@/lib/server/rate-limit";
import { recordSecretEnded } from "@/lib/server/metrics";
import type { SecretStatusResponse } from "@/lib/api/wire";
import { creatorBodyOf } from "@/lib/server/auth";
import {
  ApiFailure,
  emptyResponse,
  isoTime,
  jsonResponse,
  manageVerifierFromAuthorization,
  parseSecretId,
  refusedMethods,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/secrets/[id]";

type Context = { params: Promise<{ id: string }> };

// Status and burn count in separate buckets: a page polling status never starves a burn.
// The bucket is taken in the store call itself (lib/store/admission.ts); a request that
// does not parse is counted on its own, and 429 first when over the limit.
async function manageRequest(request: Request, context: Context, scope: "manage" | "burn") {
  const config = getServerConfig();
  const admission = admissionFor(scope, request.headers, config);
  const { id, manageVerifier } = await parsedOrCounted(
    async () => ({ id: parseSecretId((await context.params).id), manageVerifier: manageVerifierFromAuthorization(request) }),
    admission,
  );
  return { id, manageVerifier, nowMs: Date.now(), requester: requesterOf(request.headers, config), admission };
}

// GET /api/secrets/{id} – status for the manage-link holder; outlives the ciphertext by the retention period
export const GET = withApi(ROUTE, async (request: Request, context: Context) => {
  const manage = await manageRequest(request, context, "manage");
  const result = await admitted(getStore().status(manage), manage.admission);
  if (result.kind === "not_found") throw new ApiFailure("not_found");

  const { status } = result;
  const answer: SecretStatusResponse = {
    id: status.id,
    state: status.state,
    createdAt: isoTime(status.createdAtMs),
    expiresAt: isoTime(status.expiresAtMs),
    maxViews: status.maxViews,
    viewsLeft: status.viewsLeft,
    failedAttempts: status.failedAttempts,
    allowedIps: status.allowedIps,
    events: status.events.map((event) => ({
      type: event.type,
      at: isoTime(event.atMs),
      ...(event.ip === undefined ? {} : { ip: event.ip }),
      ...(event.count === undefined || event.lastAtMs === undefined
        ? {}
        : { count: event.count, firstAt: isoTime(event.atMs), lastAt: isoTime(event.lastAtMs) }),
    })),
  };
  // PROTOCOL.md §8: who created it, for the manage-link holder.
  if (status.creator) answer.creator = creatorBodyOf(status.creator);
  return jsonResponse(answer);
});

// DELETE /api/secrets/{id} – burn: destroy the ciphertext now; 204 also when it is already gone
export const DELETE = withApi(ROUTE, async (request: Request, context: Context) => {
  const manage = await manageRequest(request, context, "burn");
  const result = await admitted(getStore().burn(manage), manage.admission);
  if (result.kind === "not_found") throw new ApiFailure("not_found");
  if (result.kind === "burned") recordSecretEnded("burned");
  return emptyResponse(204);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { POST, PUT, PATCH, OPTIONS } = refusedMethods(ROUTE, ["GET", "DELETE"]);
