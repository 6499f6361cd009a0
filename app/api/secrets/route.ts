import { getStore } from "@/lib/store";
import { getServerConfig } from "@/lib/server/config";
import { requesterOf } from "@/lib/server/client-ip";
import { recordSecretCreated } from "@/lib/server/metrics";
import { declaredBodyBytes, enforceRateLimit } from "@/lib/server/rate-limit";
import { parseAllowlistEntry } from "@/lib/net/ip-address";
import { authorizeCreate } from "@/lib/server/auth";
import { indexCreatedSecret } from "@/lib/server/owned-secrets";
import { sealedNotifyOf } from "@/lib/server/webhooks/notify-request";
import type { CreateSecretResponse } from "@/lib/api/wire";
import {
  ApiFailure,
  createBodyMaxBytes,
  createSecretBodySchemaFor,
  isoTime,
  jsonResponse,
  parseWith,
  readJsonBody,
  refusedMethods,
  withApi,
} from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ROUTE = "/api/secrets";

// POST /api/secrets – create a secret (PROTOCOL.md §4); the client sends only ciphertext and verifiers
export const POST = withApi(ROUTE, async (request: Request) => {
  const config = getServerConfig();
  // Counted before the body is read, so floods of invalid bodies are limited too; the
  // global byte budget takes the declared size (or the cap) in the same store call.
  const maxBodyBytes = createBodyMaxBytes(config);
  await enforceRateLimit("create", request.headers, config, {
    createCost: { declaredBytes: declaredBodyBytes(request.headers), maxBodyBytes },
  });
  // PROTOCOL.md §8: before the body is read, so refused callers cost no parsing.
  const creator = await authorizeCreate(request, "secrets", config);
  const body = parseWith(createSecretBodySchemaFor(config), await readJsonBody(request, maxBodyBytes));
  const allowedIps = body.allowedIps ?? [];
  const allowedPrefixes = allowedIps.map((entry) => {
    const parsed = parseAllowlistEntry(entry);
    if (!parsed.ok) throw new ApiFailure("invalid_request", parsed.message);
    return parsed.prefix;
  });
  // Issue 14 §2: sealed here, so the store, its events and the queue never hold the plain URL.
  const notify = body.notify === undefined ? undefined : sealedNotifyOf(body.notify, creator, config);

  const store = getStore();
  const nowMs = Date.now();
  const result = await store.create({
    id: body.id,
    ciphertext: body.ciphertext,
    accessVerifier: body.accessVerifier,
    unlockVerifier: body.unlockVerifier,
    manageVerifier: body.manageVerifier,
    ttlSeconds: body.ttlSeconds,
    maxViews: body.maxViews,
    attemptsLimit: config.passphraseAttempts,
    allowedIps,
    allowedPrefixes,
    retentionSeconds: config.metaRetentionSeconds,
    idTombstoneSeconds: config.idTombstoneSeconds,
    nowMs,
    requester: requesterOf(request.headers, config),
    ...(creator ? { creator } : {}),
    ...(notify ? { notify } : {}),
  });
  if (result.kind === "id_taken") throw new ApiFailure("id_taken");
  // Issue 13 §5: into its creator's "My secrets", as a separate best-effort write.
  await indexCreatedSecret(store, creator, {
    id: body.id,
    nowMs,
    expiresAtMs: result.expiresAtMs,
    retentionSeconds: config.metaRetentionSeconds,
  });
  recordSecretCreated();

  const answer: CreateSecretResponse = { id: body.id, expiresAt: isoTime(result.expiresAtMs), maxViews: body.maxViews };
  return jsonResponse(answer, 201);
});

// Any other method – 405 method_not_allowed with Allow; OPTIONS – 204 with Allow
export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["POST"]);
