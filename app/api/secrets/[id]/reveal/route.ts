import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { admitted, parsedOrCounted, revealAdmission } from "@/lib/server/rate-limit";
import { recordReveal, recordSecretEnded } from "@/lib/server/metrics";
import { revealSecretBodySchema } from "@/lib/api/schemas";
import type { RevealSecretResponse } from "@/lib/api/wire";
import {
  accessFailure,
  ApiFailure,
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

const ROUTE = "/api/secrets/[id]/reveal";

// POST /api/secrets/{id}/reveal – hand out the ciphertext, consuming one view in one atomic store step; a claim's retry consumes nothing (PROTOCOL.md §4, §6)
export const POST = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const config = getServerConfig();
  // The read, and one wrong passphrase held before the store compares anything, taken in the
  // reveal's own store call (lib/store/admission.ts): parallel guesses cannot all pass a
  // limit that has not counted them yet. The store gives the hold back for any answer but a
  // wrong passphrase; bad input is counted the same way, the hold given back.
  const admission = revealAdmission(request.headers, config);
  const { id, body } = await parsedOrCounted(
    async () => ({
      id: parseSecretId((await params).id),
      body: parseWith(revealSecretBodySchema, await readJsonBody(request, SMALL_BODY_MAX_BYTES)),
    }),
    admission,
  );
  const result = await admitted(
    getStore().reveal({
      id,
      accessVerifier: verifierOfProof(body.access),
      unlockVerifier: verifierOfProof(body.unlock),
      nowMs: Date.now(),
      requester: requesterOf(request.headers, config),
      // PROTOCOL.md §6: with the grace off, a (valid) claim is ignored and nothing of it stored.
      ...(body.claim === undefined || config.revealGraceSeconds === 0
        ? {}
        : { claim: { verifier: verifierOfProof(body.claim), graceSeconds: config.revealGraceSeconds } }),
      admission,
    }),
    admission,
  );
  if (result.kind === "wrong_passphrase") {
    if (result.attemptsLeft === 0) recordSecretEnded("attempts");
    throw new ApiFailure("wrong_passphrase", undefined, { attemptsLeft: result.attemptsLeft });
  }
  if (result.kind !== "ok") throw accessFailure(result);
  // A claim's retry (PROTOCOL.md §6) is the same reveal answered again: it counts once.
  if (!result.replayed) {
    recordReveal("ok");
    if (result.viewsLeft === 0) recordSecretEnded("viewed");
  }
  return jsonResponse(revealAnswer(result));
}, { outcome: (outcome) => outcome !== "ok" && recordReveal(outcome) });

function revealAnswer(result: { ciphertext: string; viewsLeft: number; expiresAtMs: number }): RevealSecretResponse {
  return {
    ciphertext: result.ciphertext,
    viewsLeft: result.viewsLeft,
    expiresAt: isoTime(result.expiresAtMs),
  };
}

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
