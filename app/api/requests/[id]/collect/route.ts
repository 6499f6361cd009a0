import { getRequestStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { collectResponsesBodySchema } from "@/lib/api/schemas";
import type { CollectResponsesResponse } from "@/lib/api/wire";
import {
  isoTime,
  jsonResponse,
  parseRequestId,
  parseWith,
  readJsonBody,
  requestNotFound,
  SMALL_BODY_MAX_BYTES,
  refusedMethods,
  verifierOfProof,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/requests/[id]/collect";

// POST /api/requests/{id}/collect – hand over every pending answer and delete it in the same atomic store step; never 410 (PROTOCOL.md §7)
export const POST = withApi(
  ROUTE,
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const config = getServerConfig();
    await enforceRateLimit("manage", request.headers, config);
    const id = parseRequestId((await params).id);
    const body = parseWith(
      collectResponsesBodySchema,
      await readJsonBody(request, SMALL_BODY_MAX_BYTES),
    );

    // With REVEAL_GRACE_SECONDS=0 a claim is validated above, then ignored: nothing of it is stored.
    const claimVerifier =
      body.claim !== undefined && config.revealGraceSeconds > 0
        ? verifierOfProof(body.claim)
        : undefined;
    const result = await getRequestStore().collect({
      id,
      collectVerifier: verifierOfProof(body.collect),
      ...(claimVerifier === undefined ? {} : { claimVerifier }),
      graceSeconds: config.revealGraceSeconds,
      nowMs: Date.now(),
      requester: requesterOf(request.headers, config),
    });
    if (result.kind === "not_found") throw requestNotFound();

    const answer: CollectResponsesResponse = {
      responses: result.responses.map((response) => ({
        n: response.n,
        epk: response.epk,
        ciphertext: response.ciphertext,
        at: isoTime(response.atMs),
      })),
      state: result.state,
    };
    return jsonResponse(answer);
  },
);

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
