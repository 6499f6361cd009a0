import { getRequestStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit, enforceRequestResponseLimit } from "@/lib/server/rate-limit";
import type { RespondToRequestResponse } from "@/lib/api/wire";
import {
  jsonResponse,
  parseRequestId,
  parseWith,
  readJsonBody,
  requestGoneFailure,
  requestNotFound,
  respondBodyMaxBytes,
  respondToRequestBodySchemaFor,
  refusedMethods,
  verifierOfProof,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/requests/[id]/responses";

// POST /api/requests/{id}/responses – store one encrypted answer; state, expiry and count checked in the same atomic store step (PROTOCOL.md §7)
export const POST = withApi(
  ROUTE,
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const config = getServerConfig();
    // An answer stores as much as a new secret: it spends the responder's create budget,
    // and the request's own budget, both before the body is read.
    await enforceRateLimit("create", request.headers, config);
    const id = parseRequestId((await params).id);
    await enforceRequestResponseLimit(id, config);
    const body = parseWith(
      respondToRequestBodySchemaFor(config),
      await readJsonBody(request, respondBodyMaxBytes(config)),
    );

    const result = await getRequestStore().respond({
      id,
      writeVerifier: verifierOfProof(body.write),
      epk: body.epk,
      ciphertext: body.ciphertext,
      nowMs: Date.now(),
      requester: requesterOf(request.headers, config),
    });
    if (result.kind === "not_found") throw requestNotFound();
    if (result.kind === "gone") throw requestGoneFailure(result);

    const answer: RespondToRequestResponse = { n: result.n, responsesLeft: result.responsesLeft };
    return jsonResponse(answer, 201);
  },
);

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
