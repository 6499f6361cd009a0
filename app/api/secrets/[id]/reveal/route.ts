import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { countWrongPassphrase, enforcePassphraseLimit, enforceRateLimit } from "@/lib/server/rate-limit";
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
  unsupportedMethods,
  verifierOfProof,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/secrets/[id]/reveal";

// POST /api/secrets/{id}/reveal – hand out the ciphertext, consuming one view in one atomic store step; a claim's retry consumes nothing (PROTOCOL.md §4, §6)
export const POST = withApi(ROUTE, async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const config = getServerConfig();
  await enforceRateLimit("read", request.headers, config);
  const id = parseSecretId((await params).id);
  const body = parseWith(revealSecretBodySchema, await readJsonBody(request, SMALL_BODY_MAX_BYTES));
  await enforcePassphraseLimit(request.headers, config);

  const result = await getStore().reveal({
    id,
    accessVerifier: verifierOfProof(body.access),
    unlockVerifier: verifierOfProof(body.unlock),
    nowMs: Date.now(),
    requester: requesterOf(request.headers, config),
    // PROTOCOL.md §6: with the grace off, a (valid) claim is ignored and nothing of it stored.
    ...(body.claim === undefined || config.revealGraceSeconds === 0
      ? {}
      : { claim: { verifier: verifierOfProof(body.claim), graceSeconds: config.revealGraceSeconds } }),
  });
  if (result.kind === "wrong_passphrase") {
    // The store has already counted this failure on the secret; the client must learn
    // attemptsLeft even if the per-client counter cannot be written right now.
    await countWrongPassphrase(request.headers, config).catch(() => undefined);
    throw new ApiFailure("wrong_passphrase", undefined, { attemptsLeft: result.attemptsLeft });
  }
  if (result.kind !== "ok") throw accessFailure(result);

  const answer: RevealSecretResponse = {
    ciphertext: result.ciphertext,
    viewsLeft: result.viewsLeft,
    expiresAt: isoTime(result.expiresAtMs),
  };
  return jsonResponse(answer);
});

const { refuse, options } = unsupportedMethods(ROUTE, ["POST"]);

// Any other method – 405 method_not_allowed with Allow
export const GET = refuse;
export const HEAD = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
// OPTIONS /api/secrets/{id}/reveal – 204 with Allow
export const OPTIONS = options;
