import { getRequestStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { enforceRateLimit } from "@/lib/server/rate-limit";
import { authorizeCreate } from "@/lib/server/auth";
import type { CreateRequestResponse } from "@/lib/api/wire";
import {
  ApiFailure,
  createRequestBodyMaxBytes,
  createRequestBodySchemaFor,
  isoTime,
  jsonResponse,
  parseWith,
  readJsonBody,
  refusedMethods,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/requests";

// POST /api/requests – create a request (PROTOCOL.md §7); the client sends the rid, two verifiers and the sealed label, never pk or R
export const POST = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  // Counted before the body is read, and in the same budget as creating a secret.
  await enforceRateLimit("create", request.headers, config);
  // PROTOCOL.md §8: the same policy as for secrets, before the body is read; the creator it
  // names is recorded with the request (status shows it, check vouches for it with SHOW_SENDER).
  const creator = await authorizeCreate(request, "requests", config);
  const body = parseWith(
    createRequestBodySchemaFor(config),
    await readJsonBody(request, createRequestBodyMaxBytes(config)),
  );

  const result = await getRequestStore().create({
    id: body.id,
    writeVerifier: body.writeVerifier,
    collectVerifier: body.collectVerifier,
    ...(body.label === undefined ? {} : { label: body.label }),
    ttlSeconds: body.ttlSeconds,
    maxResponses: body.maxResponses,
    collectWindowSeconds: config.collectWindowSeconds,
    retentionSeconds: config.metaRetentionSeconds,
    nowMs: Date.now(),
    requester: requesterOf(request.headers, config),
    ...(creator ? { creator } : {}),
  });
  if (result.kind === "id_taken")
    throw new ApiFailure("id_taken", "A request with this id already exists.");

  const answer: CreateRequestResponse = {
    id: body.id,
    expiresAt: isoTime(result.expiresAtMs),
    maxResponses: body.maxResponses,
  };
  return jsonResponse(answer, 201);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
