import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { admissionFor, admitted, parsedOrCounted } from "@/lib/server/rate-limit";
import { recordCheck } from "@/lib/server/metrics";
import { checkSecretBodySchema } from "@/lib/api/schemas";
import type { CheckSecretResponse } from "@/lib/api/wire";
import { senderOf } from "@/lib/server/auth";
import {
  accessFailure,
  isoTime,
  jsonResponse,
  parseSecretId,
  parseWith,
  readJsonBody,
  SMALL_BODY_MAX_BYTES,
  refusedMethods,
  verifierOfProof,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/secrets/[id]/check";

// POST /api/secrets/{id}/check – is the secret still there? Consumes nothing (PROTOCOL.md §4)
export const POST = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const config = getServerConfig();
  // The read limit is taken in the check's own store call (lib/store/admission.ts).
  const admission = admissionFor("read", request.headers, config);
  const { id, body } = await parsedOrCounted(
    async () => ({
      id: parseSecretId((await params).id),
      body: parseWith(checkSecretBodySchema, await readJsonBody(request, SMALL_BODY_MAX_BYTES)),
    }),
    admission,
  );
  const result = await admitted(
    getStore().check({
      id,
      accessVerifier: verifierOfProof(body.access),
      nowMs: Date.now(),
      requester: requesterOf(request.headers, config),
      admission,
    }),
    admission,
  );
  if (result.kind !== "ok") throw accessFailure(result);

  const answer: CheckSecretResponse = { expiresAt: isoTime(result.expiresAtMs), viewsLeft: result.viewsLeft };
  // PROTOCOL.md §8: the server vouches for the sender only when the operator asks it to.
  if (config.auth.showSender && result.creator) answer.sender = senderOf(result.creator);
  return jsonResponse(answer);
}, { outcome: recordCheck });

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
