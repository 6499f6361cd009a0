/**
 * The OpenAPI 3.1 description of PROTOCOL.md §4, generated from the zod schemas that
 * the route handlers parse with (z.toJSONSchema, JSON Schema 2020-12), so the document
 * cannot describe an API other than the one served. Checks that JSON Schema cannot say
 * (canonical base64url, decoded ciphertext size, IP syntax) are described in words.
 */
import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "./errors";
import {
  checkSecretBodySchema,
  checkSecretResponseSchema,
  createSecretBodySchema,
  createTokenBodySchema,
  createTokenResponseSchema,
  listTokensResponseSchema,
  sessionUserResponseSchema,
  mySecretsResponseSchema,
  burnAllResponseSchema,
  revokeTokenResponseSchema,
  createSecretResponseSchema,
  errorBodySchema,
  healthResponseSchema,
  MIN_CIPHERTEXT_BYTES,
  revealSecretBodySchema,
  revealSecretResponseSchema,
  secretStatusResponseSchema,
  serverConfigResponseSchema,
  type ApiLimits,
  checkRequestBodySchema,
  checkRequestResponseSchema,
  collectResponsesBodySchema,
  collectResponsesResponseSchema,
  createRequestBodySchema,
  createRequestResponseSchema,
  requestStatusResponseSchema,
  respondToRequestBodySchema,
  respondToRequestResponseSchema,
  type RequestApiLimits,
} from "./schemas";

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" });
  void _dialect;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function json(schemaName: string, description: string) {
  return { description, content: { "application/json": { schema: ref(schemaName) } } };
}

function errors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), json("Error", list.map((code) => `\`${code}\``).join(", "))]),
  );
}

const COMMON_ERRORS: ErrorCode[] = ["invalid_request", "method_not_allowed", "rate_limited", "store_unavailable"];
const idParameter = {
  name: "id",
  in: "path",
  required: true,
  description: "22 base64url characters; anything else answers 404 not_found.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{22}$" },
};
const bearer = [{ manageToken: [] }];

const requestIdParameter = {
  name: "id",
  in: "path",
  required: true,
  description: "The request's rid: 22 base64url characters; anything else answers 404 not_found.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{22}$" },
};
const collectBearer = [{ collectToken: [] }];

/** PROTOCOL.md §7: the request calls. */
function requestPaths(limits: RequestApiLimits): Record<string, unknown> {
  return {
    "/api/requests": {
      post: {
        summary: "Create a request: ask someone to send you a secret",
        description: `The label decodes to ${MIN_CIPHERTEXT_BYTES}..${limits.maxLabelBytes} bytes. The server never receives pk or R.`,
        requestBody: { required: true, ...json("CreateRequestRequest", "The rid, the two verifiers and the sealed label") },
        responses: {
          "201": json("CreateRequestResponse", "Created"),
          ...errors(...COMMON_ERRORS, "id_taken", "too_large", "unsupported_media_type"),
        },
      },
    },
    "/api/requests/{id}/check": {
      post: {
        summary: "The label and whether the request still takes answers; consumes nothing",
        parameters: [requestIdParameter],
        requestBody: { required: true, ...json("CheckRequestRequest", "The write proof") },
        responses: {
          "200": json("CheckRequestResponse", "Open"),
          ...errors(...COMMON_ERRORS, "not_found", "gone", "too_large", "unsupported_media_type"),
        },
      },
    },
    "/api/requests/{id}/responses": {
      post: {
        summary: "Answer a request: store one response encrypted to the request's public key",
        description: `The ciphertext decodes to ${MIN_CIPHERTEXT_BYTES}..${limits.maxCiphertextBytes} bytes. Gone reasons: expired, revoked, answered.`,
        parameters: [requestIdParameter],
        requestBody: { required: true, ...json("RespondToRequestRequest", "The write proof, epk and ciphertext") },
        responses: {
          "201": json("RespondToRequestResponse", "Stored"),
          ...errors(...COMMON_ERRORS, "not_found", "gone", "too_large", "unsupported_media_type"),
        },
      },
    },
    "/api/requests/{id}/collect": {
      post: {
        summary: "Collect: returns every pending response and deletes it in the same step; never 410",
        parameters: [requestIdParameter],
        requestBody: { required: true, ...json("CollectResponsesRequest", "The collect proof and an optional claim") },
        responses: {
          "200": json("CollectResponsesResponse", "The responses, in order of n (possibly none)"),
          ...errors(...COMMON_ERRORS, "not_found", "too_large", "unsupported_media_type"),
        },
      },
    },
    "/api/requests/{id}": {
      get: {
        summary: "Status and timeline for the collect-link holder",
        parameters: [requestIdParameter],
        security: collectBearer,
        responses: { "200": json("RequestStatusResponse", "Status"), ...errors(...COMMON_ERRORS, "not_found") },
      },
      delete: {
        summary: "Revoke: no more responses; uncollected ones are deleted",
        parameters: [requestIdParameter],
        security: collectBearer,
        responses: {
          "204": { description: "Revoked, or already revoked" },
          ...errors(...COMMON_ERRORS, "not_found"),
        },
      },
    },
  };
}

function requestSchemas(limits: RequestApiLimits): Record<string, unknown> {
  return {
    CreateRequestRequest: jsonSchema(createRequestBodySchema(limits), "input"),
    CreateRequestResponse: jsonSchema(createRequestResponseSchema, "output"),
    CheckRequestRequest: jsonSchema(checkRequestBodySchema, "input"),
    CheckRequestResponse: jsonSchema(checkRequestResponseSchema, "output"),
    RespondToRequestRequest: jsonSchema(respondToRequestBodySchema(limits), "input"),
    RespondToRequestResponse: jsonSchema(respondToRequestResponseSchema, "output"),
    CollectResponsesRequest: jsonSchema(collectResponsesBodySchema, "input"),
    CollectResponsesResponse: jsonSchema(collectResponsesResponseSchema, "output"),
    RequestStatusResponse: jsonSchema(requestStatusResponseSchema, "output"),
  };
}

export function buildOpenApiDocument(limits: ApiLimits & RequestApiLimits): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Burnlink API",
      version: "1",
      description:
        "End-to-end encrypted one-time secrets (PROTOCOL.md §4). The server only ever sees ciphertext and " +
        "SHA-512 verifiers. Every response has Cache-Control: no-store. Binary values are canonical base64url " +
        `without padding. A ciphertext decodes to ${MIN_CIPHERTEXT_BYTES}..${limits.maxCiphertextBytes} bytes ` +
        "(shorter: 400 invalid_request; longer: 413 too_large).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths: {
      "/api/secrets": {
        post: {
          summary: "Create a secret",
          requestBody: { required: true, ...json("CreateSecretRequest", "Ciphertext and verifiers") },
          responses: {
            "201": json("CreateSecretResponse", "Created"),
            ...errors(...COMMON_ERRORS, "id_taken", "too_large", "unsupported_media_type", "auth_required", "forbidden"),
          },
          description:
            "PROTOCOL.md §8: under CREATE_POLICY token, sso or sso+token this needs an API token " +
            "(Authorization: Bearer blt_…) or a signed-in session cookie (then Sec-Fetch-Site: same-origin, or Origin = PUBLIC_URL). " +
            "401 auth_required carries WWW-Authenticate: Bearer; 403 forbidden is a token without the scope or a failed CSRF check. " +
            "Issue 14 §2: `notify` asks for Standard Webhooks deliveries of this secret's own events to `url`, signed with the " +
            "server's WEBHOOK_NOTIFY_SECRET; it needs a token or a session (400 invalid_request for an anonymous creator unless " +
            "the server sets ALLOW_SECRET_WEBHOOKS=1, and when the server sends no per-secret webhooks). The URL is stored sealed " +
            "and never appears in any answer.",
          security: [{}, { apiToken: [] }, { session: [] }],
        },
      },
      "/api/auth/login": {
        get: {
          summary: "Start OpenID Connect sign-in (302 to the provider)",
          responses: { "302": { description: "To the provider's authorization endpoint" }, ...errors("not_found", "method_not_allowed") },
        },
      },
      "/api/auth/callback": {
        get: {
          summary: "The provider's redirect back; sets the session cookie (303 to /)",
          responses: {
            "303": { description: "Signed in" },
            "400": { description: "HTML page: expired, tampered or failed sign-in" },
            "403": { description: "HTML page: the user is outside the allowed domains, tenants or groups" },
          },
        },
      },
      "/api/auth/logout": {
        post: {
          summary: "End the session (CSRF rule of §8)",
          security: [{ session: [] }],
          responses: { "204": { description: "Signed out" }, ...errors("forbidden", "method_not_allowed", "store_unavailable") },
        },
      },
      "/api/auth/me": {
        get: {
          summary: "Who is signed in",
          security: [{ session: [] }],
          responses: { "200": json("SessionUserResponse", "The session's user"), ...errors("auth_required", "method_not_allowed") },
        },
      },
      "/api/admin/tokens": {
        get: {
          summary: "List API tokens (never a token or its hash)",
          security: [{ adminToken: [] }, { apiToken: ["admin"] }],
          responses: { "200": json("ListTokensResponse", "Tokens"), ...errors(...COMMON_ERRORS, "auth_required", "forbidden") },
        },
        post: {
          summary: "Issue an API token; the answer is the only time it is shown",
          security: [{ adminToken: [] }, { apiToken: ["admin"] }],
          requestBody: { required: true, ...json("CreateTokenRequest", "Name, scopes, life") },
          responses: {
            "201": json("CreateTokenResponse", "Issued"),
            ...errors(...COMMON_ERRORS, "auth_required", "forbidden", "unsupported_media_type", "too_large"),
          },
        },
      },
      "/api/admin/tokens/{kid}": {
        delete: {
          summary: "Revoke an API token at once; with burnSecrets=1 also burn every active secret it created",
          description:
            "Without burnSecrets: 204, or 404 when no live token has this kid. With burnSecrets=1 the token is revoked first, then each of its active secrets is burned (the manage burn's atomic step); the answer says whether a live token was revoked and how many secrets were burned; 404 only when there was neither a live token nor an active secret.",
          security: [{ adminToken: [] }, { apiToken: ["admin"] }],
          parameters: [
            { name: "kid", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9]{8}$" } },
            { name: "burnSecrets", in: "query", required: false, schema: { type: "string", enum: ["1", "true", "0", "false"] } },
          ],
          responses: {
            "200": json("RevokeTokenResponse", "With burnSecrets=1: revoked and burned"),
            "204": { description: "Revoked" },
            ...errors(...COMMON_ERRORS, "auth_required", "forbidden", "not_found"),
          },
        },
      },
      "/api/me/secrets": {
        get: {
          summary: "My secrets: what the signed-in user (or this API token) created, newest first; never a key, verifier or link",
          description: "A session lists the user's secrets (issuer + subject), an API token those it created (by kid). Records past their retention are no longer listed.",
          security: [{ session: [] }, { apiToken: [] }],
          responses: { "200": json("MySecretsResponse", "My secrets"), ...errors(...COMMON_ERRORS, "auth_required") },
        },
      },
      "/api/me/secrets/{id}": {
        delete: {
          summary: "Burn one of my secrets (the manage burn, authorised by the recorded creator); 204 also when already gone",
          description: "With a session cookie the CSRF rule of §8 applies (403 forbidden). Another user's id, or an unknown one, is 404 not_found.",
          security: [{ session: [] }, { apiToken: [] }],
          parameters: [idParameter],
          responses: { "204": { description: "Burned, or already gone" }, ...errors(...COMMON_ERRORS, "auth_required", "forbidden", "not_found") },
        },
      },
      "/api/me/secrets/burn": {
        post: {
          summary: "Burn all my active secrets in one call; answers how many were burned",
          description: "No body. With a session cookie the CSRF rule of §8 applies (403 forbidden).",
          security: [{ session: [] }, { apiToken: [] }],
          responses: { "200": json("BurnAllResponse", "How many were burned"), ...errors(...COMMON_ERRORS, "auth_required", "forbidden") },
        },
      },
      "/api/secrets/{id}/check": {
        post: {
          summary: "Check that a secret can still be revealed; consumes nothing",
          parameters: [idParameter],
          requestBody: { required: true, ...json("CheckSecretRequest", "The access proof") },
          responses: {
            "200": json("CheckSecretResponse", "Still there"),
            ...errors(...COMMON_ERRORS, "not_found", "gone", "ip_not_allowed", "too_large", "unsupported_media_type"),
          },
        },
      },
      "/api/secrets/{id}/reveal": {
        post: {
          summary: "Reveal: returns the ciphertext and consumes one view atomically",
          parameters: [idParameter],
          requestBody: { required: true, ...json("RevealSecretRequest", "The access and unlock proofs") },
          responses: {
            "200": json("RevealSecretResponse", "The ciphertext"),
            ...errors(
              ...COMMON_ERRORS,
              "not_found",
              "gone",
              "wrong_passphrase",
              "ip_not_allowed",
              "too_large",
              "unsupported_media_type",
            ),
          },
        },
      },
      "/api/secrets/{id}": {
        get: {
          summary: "Status for the manage-link holder",
          parameters: [idParameter],
          security: bearer,
          responses: { "200": json("SecretStatusResponse", "Status"), ...errors(...COMMON_ERRORS, "not_found") },
        },
        delete: {
          summary: "Burn: destroy the ciphertext now",
          parameters: [idParameter],
          security: bearer,
          responses: {
            "204": { description: "Burned, or already gone" },
            ...errors(...COMMON_ERRORS, "not_found"),
          },
        },
      },
      "/api/config": {
        get: {
          summary: "Server limits",
          responses: { "200": json("ServerConfigResponse", "Limits"), ...errors("method_not_allowed") },
        },
      },
      "/api/health": {
        get: {
          summary: "Liveness and store reachability",
          responses: { "200": json("HealthResponse", "Healthy"), ...errors("method_not_allowed", "store_unavailable") },
        },
      },
      ...requestPaths(limits),
      "/api/health/live": {
        get: {
          summary: "Liveness: the process answers (the store is not consulted)",
          responses: {
            "200": {
              description: "Alive",
              content: { "application/json": { schema: { type: "object", properties: { status: { const: "ok" } }, required: ["status"] } } },
            },
            ...errors("method_not_allowed"),
          },
        },
      },
      "/api/health/ready": {
        get: {
          summary: "Readiness: valid config and a reachable store; 503 from SIGTERM on",
          responses: { "200": json("HealthResponse", "Ready"), ...errors("method_not_allowed", "store_unavailable") },
        },
      },
      "/api/metrics": {
        get: {
          summary: "Prometheus metrics (text exposition format); only when METRICS_TOKEN is set",
          security: [{ metricsToken: [] }],
          responses: {
            "200": { description: "Metrics", content: { "text/plain": { schema: { type: "string" } } } },
            ...errors("auth_required", "not_found", "method_not_allowed"),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN; missing or wrong: 401 auth_required." },
        manageToken: {
          type: "http",
          scheme: "bearer",
          description: "b64u(derive(\"manage\", M)), 43 characters. Missing, malformed or wrong: 404 not_found.",
        },
        collectToken: {
          type: "http",
          scheme: "bearer",
          description: "b64u(derive(\"request/collect\", R)), 43 characters. Missing, malformed or wrong: 404 not_found.",
        },
        apiToken: {
          type: "http",
          scheme: "bearer",
          description: "PROTOCOL.md §8: blt_<kid, 8 of A-Za-z0-9>_<43 base64url>. Scopes secrets:create, requests:create, admin.",
        },
        adminToken: { type: "http", scheme: "bearer", description: "The operator bearer whose SHA-256 is ADMIN_TOKEN_SHA256." },
        session: { type: "apiKey", in: "cookie", name: "__Host-burnlink-session", description: "Set by /api/auth/callback." },
      },
      schemas: {
        CreateSecretRequest: jsonSchema(createSecretBodySchema(limits), "input"),
        CreateSecretResponse: jsonSchema(createSecretResponseSchema, "output"),
        CheckSecretRequest: jsonSchema(checkSecretBodySchema, "input"),
        CheckSecretResponse: jsonSchema(checkSecretResponseSchema, "output"),
        RevealSecretRequest: jsonSchema(revealSecretBodySchema, "input"),
        RevealSecretResponse: jsonSchema(revealSecretResponseSchema, "output"),
        SecretStatusResponse: jsonSchema(secretStatusResponseSchema, "output"),
        ServerConfigResponse: jsonSchema(serverConfigResponseSchema, "output"),
        HealthResponse: jsonSchema(healthResponseSchema, "output"),
        Error: jsonSchema(errorBodySchema, "output"),
        ...requestSchemas(limits),
        CreateTokenRequest: jsonSchema(createTokenBodySchema, "input"),
        CreateTokenResponse: jsonSchema(createTokenResponseSchema, "output"),
        ListTokensResponse: jsonSchema(listTokensResponseSchema, "output"),
        SessionUserResponse: jsonSchema(sessionUserResponseSchema, "output"),
        MySecretsResponse: jsonSchema(mySecretsResponseSchema, "output"),
        BurnAllResponse: jsonSchema(burnAllResponseSchema, "output"),
        RevokeTokenResponse: jsonSchema(revokeTokenResponseSchema, "output"),
      },
    },
  };
}
