import { getRequestStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { checkRequestBodySchema } from "@/lib/api/schemas";
import type { CheckRequestResponse } from "@/lib/api/wire";
import { senderOf } from "@/lib/server/auth";
import {
  isoTime,
  jsonResponse,
  parseRequestId,
  parseWith,
  readJsonBody,
  requestGoneFailure,
  requestNotFound,
  SMALL_BODY_MAX_BYTES,
  refusedMethods,
  verifierOfProof,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/requests/[id]/check";

// POST /api/requests/{id}/check – the label and whether the request still takes answers; consumes nothing (PROTOCOL.md §7)
export const POST = withApi(
  ROUTE,
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const config = getServerConfig();
    await enforceRateLimit("read", request.headers, config);
    const id = parseRequestId((await params).id);
    const body = parseWith(
      checkRequestBodySchema,
      await readJsonBody(request, SMALL_BODY_MAX_BYTES),
    );

    const result = await getRequestStore().check({
      id,
      writeVerifier: verifierOfProof(body.write),
      nowMs: Date.now(),
      requester: requesterOf(request.headers, config),
    });
    if (result.kind === "not_found") throw requestNotFound();
    if (result.kind === "gone") throw requestGoneFailure(result);

    const answer: CheckRequestResponse = {
      ...(result.label === undefined ? {} : { label: result.label }),
      expiresAt: isoTime(result.expiresAtMs),
      responsesLeft: result.responsesLeft,
    };
    // PROTOCOL.md §8: the server vouches for the requester only when the operator asks it to.
    if (config.auth.showSender && result.creator) answer.sender = senderOf(result.creator);
    return jsonResponse(answer);
  },
);

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
