/**
 * zod 4 schemas of the HTTP API (PROTOCOL.md §4): request bodies, path ids and the
 * response shapes (for the OpenAPI document). Server-side only: the browser and the CLI
 * use the plain types of wire.ts, and every schema here is checked against them with
 * `satisfies`, so the two cannot drift apart.
 *
 * Guarantees: objects are strict (an unknown member is invalid_request); binary values
 * are canonical base64url of the exact length; a ciphertext is measured in decoded bytes,
 * too short for any padded envelope is invalid_request, over maxCiphertextBytes is
 * too_large (the issue carries params.apiCode = "too_large").
 */
import { z } from "zod";
import { base64urlToBytes } from "@/lib/crypto/encoding";
import { parseAllowlistEntry } from "@/lib/net/ip-address";
import { SECRET_EVENT_NAMES } from "./wire";
import type {
  BurnAllResponse,
  MySecretsResponse,
  RevokeTokenResponse,
  CheckSecretRequest,
  CheckSecretResponse,
  CreateSecretRequest,
  CreateTokenRequest,
  CreateSecretResponse,
  ErrorBody,
  HealthResponse,
  RevealSecretRequest,
  RevealSecretResponse,
  SecretStatusResponse,
  ServerConfigResponse,
  CheckRequestRequest,
  CheckRequestResponse,
  CollectResponsesRequest,
  CollectResponsesResponse,
  CreateRequestRequest,
  CreateRequestResponse,
  RequestStatusResponse,
  RespondToRequestRequest,
  RespondToRequestResponse,
} from "./wire";
import { ERROR_STATUS, type ErrorCode } from "./errors";

/** The limits a create request is checked against (from ServerConfig). */
export interface ApiLimits {
  minTtlSeconds: number;
  maxTtlSeconds: number;
  maxViews: number;
  maxCiphertextBytes: number;
  maxAllowedIps: number;
}

/** Nonce (24) + Poly1305 tag (16) + the smallest padded envelope (1024), PROTOCOL.md §3–4. */
export const MIN_CIPHERTEXT_BYTES = 24 + 16 + 1024;

const B64U_PATTERN = /^[A-Za-z0-9_-]*$/;

/** Decoded length of base64url text without decoding it. */
export function base64urlByteLength(text: string): number {
  return Math.floor((text.length * 3) / 4);
}

function isCanonicalBase64url(text: string, expectedBytes?: number): boolean {
  try {
    base64urlToBytes(text, expectedBytes);
    return true;
  } catch {
    return false;
  }
}

/** Canonical base64url of exactly `bytes` bytes, i.e. exactly `chars` characters. */
function fixedBase64url(bytes: number, description: string) {
  const chars = Math.ceil((bytes * 4) / 3);
  return z
    .string()
    .length(chars, { error: `must be ${chars} base64url characters` })
    .regex(B64U_PATTERN, { error: "must be base64url (A-Z a-z 0-9 - _, no padding)" })
    .refine((value) => value.length !== chars || !B64U_PATTERN.test(value) || isCanonicalBase64url(value, bytes), {
      error: "must be canonical base64url",
      abort: true,
    })
    .meta({ description });
}

export const secretIdSchema = fixedBase64url(16, "The secret's id: b64u of derive(\"id\", K)[0..16], 22 characters.");
export const proofSchema = (what: string) => fixedBase64url(32, `${what}: b64u of 32 bytes, 43 characters.`);

export function ciphertextSchema(maxCiphertextBytes: number) {
  return z
    .string()
    .regex(B64U_PATTERN, { error: "must be base64url (A-Z a-z 0-9 - _, no padding)", abort: true })
    .check((ctx) => {
      const bytes = base64urlByteLength(ctx.value);
      if (bytes > maxCiphertextBytes) {
        ctx.issues.push({
          code: "custom",
          input: ctx.value,
          message: `is ${bytes} bytes; the limit is ${maxCiphertextBytes} bytes`,
          params: { apiCode: "too_large" },
        });
      } else if (bytes < MIN_CIPHERTEXT_BYTES) {
        ctx.issues.push({
          code: "custom",
          input: ctx.value,
          message: `is ${bytes} bytes; a padded envelope encrypts to at least ${MIN_CIPHERTEXT_BYTES} bytes`,
        });
      } else if (!isCanonicalBase64url(ctx.value)) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: "must be canonical base64url" });
      }
    })
    .meta({ description: "b64u(nonce ‖ secretbox(envelope)), PROTOCOL.md §3." });
}

export function allowlistEntrySchema() {
  return z
    .string()
    .max(64, { error: "is too long for an IP address or CIDR", abort: true })
    .check((ctx) => {
      const parsed = parseAllowlistEntry(ctx.value);
      if (!parsed.ok) ctx.issues.push({ code: "custom", input: ctx.value, message: parsed.message });
    })
    .meta({ description: "An IPv4/IPv6 address or CIDR; no spaces, no zone ids, no host bits after the prefix." });
}

/**
 * Issue 14 §2 `notify`: the shape only. Whether the creator may ask, and whether http:// is
 * accepted, are the server's policy (lib/server/webhooks/notify-request.ts). Messages never
 * repeat the URL.
 */
export const secretNotifySchema = z
  .strictObject({
    url: z
      .string({ error: "must be a URL" })
      .max(2048, { error: "must be at most 2048 characters", abort: true })
      .check((ctx) => {
        if (!URL.canParse(ctx.value)) ctx.issues.push({ code: "custom", input: ctx.value, message: "must be an absolute https:// URL" });
      }),
    events: z.union([z.tuple([z.literal("*")]), z.array(z.enum(SECRET_EVENT_NAMES)).min(1).max(SECRET_EVENT_NAMES.length)], {
      error: `must be a non-empty list of ${SECRET_EVENT_NAMES.join(", ")}, or ["*"]`,
    }),
    includeId: z.boolean({ error: "must be true or false" }).optional(),
  })
  .meta({ description: "A signed webhook for this secret's own events (issue 14 §2); needs a credential; stored sealed, never echoed." });

export function createSecretBodySchema(limits: ApiLimits) {
  return z.strictObject({
    id: secretIdSchema,
    ciphertext: ciphertextSchema(limits.maxCiphertextBytes),
    accessVerifier: proofSchema("SHA512(access)[0..32]"),
    unlockVerifier: proofSchema("SHA512(unlock)[0..32]"),
    manageVerifier: proofSchema("SHA512(manage)[0..32]"),
    ttlSeconds: z
      .int({ error: "must be a whole number of seconds" })
      .min(limits.minTtlSeconds, { error: `must be at least ${limits.minTtlSeconds} seconds` })
      .max(limits.maxTtlSeconds, { error: `must be at most ${limits.maxTtlSeconds} seconds` }),
    maxViews: z
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(limits.maxViews, { error: `must be at most ${limits.maxViews}` }),
    allowedIps: z
      .array(allowlistEntrySchema(), { error: "must be a list of IP addresses or CIDRs" })
      .min(1, { error: "must hold at least one entry when present" })
      .max(limits.maxAllowedIps, { error: `must hold at most ${limits.maxAllowedIps} entries` })
      .optional(),
    notify: secretNotifySchema.optional(),
  }) satisfies z.ZodType<CreateSecretRequest>;
}

export type CreateSecretBody = z.infer<ReturnType<typeof createSecretBodySchema>>;

export const checkSecretBodySchema = z.strictObject({
  access: proofSchema("derive(\"access\", K)"),
}) satisfies z.ZodType<CheckSecretRequest>;

export type CheckSecretBody = z.infer<typeof checkSecretBodySchema>;

export const revealSecretBodySchema = z.strictObject({
  access: proofSchema("derive(\"access\", K)"),
  unlock: proofSchema("derive(\"unlock\", master)"),
  claim: fixedBase64url(
    32,
    "v1.1 (PROTOCOL.md §6): b64u of 32 CSPRNG bytes, 43 characters, made once per reveal attempt and sent unchanged " +
      "with every retry; the server keeps only SHA512(claim)[0..32]. Validated even when revealGraceSeconds is 0.",
  ).optional(),
}) satisfies z.ZodType<RevealSecretRequest>;

export type RevealSecretBody = z.infer<typeof revealSecretBodySchema>;

const isoTime = z.iso.datetime().meta({ description: "ISO-8601 UTC time." });
const goneReason = z.enum(["viewed", "burned", "attempts", "expired"]);

export const createSecretResponseSchema = z.strictObject({
  id: z.string(),
  expiresAt: isoTime,
  maxViews: z.int(),
}) satisfies z.ZodType<CreateSecretResponse>;

export const senderSchema = z.strictObject({ name: z.string() }).meta({
  description: "PROTOCOL.md §8: who sent it, as vouched for by this server (only with SHOW_SENDER=1).",
});

export const creatorSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("token"), name: z.string() }),
    z.strictObject({ kind: z.literal("sso"), issuer: z.string(), subject: z.string(), email: z.string() }),
  ])
  .meta({ description: "PROTOCOL.md §8: the credential the secret or request was created with." });

export const checkSecretResponseSchema = z.strictObject({
  expiresAt: isoTime,
  viewsLeft: z.int(),
  sender: senderSchema.optional(),
}) satisfies z.ZodType<CheckSecretResponse>;

export const revealSecretResponseSchema = z.strictObject({
  ciphertext: z.string(),
  viewsLeft: z.int(),
  expiresAt: isoTime,
}) satisfies z.ZodType<RevealSecretResponse>;

export const secretStatusResponseSchema = z.strictObject({
  id: z.string(),
  state: z.enum(["active", "viewed", "burned", "expired"]),
  createdAt: isoTime,
  expiresAt: isoTime,
  maxViews: z.int(),
  viewsLeft: z.int(),
  failedAttempts: z.int(),
  allowedIps: z.array(z.string()),
  events: z.array(
    z.strictObject({
      type: z.enum(["created", "viewed", "wrong_passphrase", "ip_blocked", "burned"]),
      at: isoTime,
      ip: z.string().optional().meta({ description: "Per AUDIT_IP: a masked network, the address, or absent." }),
      count: z.int().min(2).optional().meta({
        description: "Coalesced ip_blocked or wrong_passphrase (PROTOCOL.md §9): how many attempts this event covers.",
      }),
      firstAt: isoTime.optional().meta({ description: "Coalesced events only: the first attempt (equals at)." }),
      lastAt: isoTime.optional().meta({ description: "Coalesced events only: the last attempt." }),
    }),
  ),
  creator: creatorSchema.optional(),
}) satisfies z.ZodType<SecretStatusResponse>;

export const mySecretsResponseSchema = z.strictObject({
  secrets: z.array(
    z.strictObject({
      id: z.string(),
      state: z.enum(["active", "viewed", "burned", "expired"]),
      createdAt: isoTime,
      expiresAt: isoTime,
      maxViews: z.int(),
      viewsLeft: z.int(),
    }),
  ).meta({ description: "Newest first; never a key, a verifier or a link." }),
}) satisfies z.ZodType<MySecretsResponse>;

export const burnAllResponseSchema = z.strictObject({
  burned: z.int().min(0).meta({ description: "How many active secrets this call burned." }),
}) satisfies z.ZodType<BurnAllResponse>;

export const revokeTokenResponseSchema = z.strictObject({
  revoked: z.boolean().meta({ description: "False when no live token had this id (its secrets were still burned)." }),
  burned: z.int().min(0),
}) satisfies z.ZodType<RevokeTokenResponse>;

export const serverConfigResponseSchema = z.strictObject({
  maxCiphertextBytes: z.int(),
  minTtlSeconds: z.int(),
  maxTtlSeconds: z.int(),
  maxViews: z.int(),
  maxAllowedIps: z.int(),
  passphraseAttempts: z.int(),
  maxRequestResponses: z.int(),
  maxLabelBytes: z.int(),
  collectWindowSeconds: z.int(),
  createPolicy: z.enum(["open", "token", "sso", "sso+token"]).optional(),
  signInUrl: z.string().optional().meta({ description: "Under the sso policies: /api/auth/login." }),
  protocol: z.literal("1.1").optional().meta({ description: "Present on a v1.1 server." }),
  revealGraceSeconds: z.int().optional().meta({ description: "v1.1 §6: the reveal claim grace; 0 = claims off." }),
}) satisfies z.ZodType<ServerConfigResponse>;

export const healthResponseSchema = z.strictObject({
  status: z.literal("ok"),
  store: z.enum(["memory", "redis", "redis-cluster", "upstash"]),
}) satisfies z.ZodType<HealthResponse>;

export const errorBodySchema = z.strictObject({
  error: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  reason: goneReason
    .or(z.enum(["revoked", "answered"]))
    .optional()
    .meta({ description: "gone only: viewed, burned, attempts or expired for secrets; expired, revoked or answered for requests" }),
  at: isoTime.optional().meta({ description: "gone only" }),
  attemptsLeft: z.int().optional().meta({ description: "wrong_passphrase only" }),
}) satisfies z.ZodType<ErrorBody>;

/* Requests, PROTOCOL.md §7. */

/** The limits a request body is checked against (from ServerConfig). */
export interface RequestApiLimits {
  minTtlSeconds: number;
  maxTtlSeconds: number;
  maxCiphertextBytes: number;
  maxRequestResponses: number;
  maxLabelBytes: number;
}

export const requestIdSchema = fixedBase64url(16, "The request's id: b64u of derive(\"request/id\", pk)[0..16], 22 characters.");

export function createRequestBodySchema(limits: RequestApiLimits) {
  return z.strictObject({
    id: requestIdSchema,
    writeVerifier: proofSchema("SHA512(write)[0..32]"),
    collectVerifier: proofSchema("SHA512(collect)[0..32]"),
    label: ciphertextSchema(limits.maxLabelBytes)
      .meta({ description: "b64u(nonce ‖ secretbox(envelope{text}, nonce, labelKey)), PROTOCOL.md §7." })
      .optional(),
    ttlSeconds: z
      .int({ error: "must be a whole number of seconds" })
      .min(limits.minTtlSeconds, { error: `must be at least ${limits.minTtlSeconds} seconds` })
      .max(limits.maxTtlSeconds, { error: `must be at most ${limits.maxTtlSeconds} seconds` }),
    maxResponses: z
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(limits.maxRequestResponses, { error: `must be at most ${limits.maxRequestResponses}` }),
  }) satisfies z.ZodType<CreateRequestRequest>;
}

export type CreateRequestBody = z.infer<ReturnType<typeof createRequestBodySchema>>;

export const checkRequestBodySchema = z.strictObject({
  write: proofSchema("derive(\"request/write\", pk)"),
}) satisfies z.ZodType<CheckRequestRequest>;

export type CheckRequestBody = z.infer<typeof checkRequestBodySchema>;

export function respondToRequestBodySchema(limits: Pick<RequestApiLimits, "maxCiphertextBytes">) {
  return z.strictObject({
    write: proofSchema("derive(\"request/write\", pk)"),
    epk: fixedBase64url(32, "The responder's ephemeral X25519 public key: b64u of 32 bytes, 43 characters."),
    ciphertext: ciphertextSchema(limits.maxCiphertextBytes).meta({
      description: "b64u(nonce ‖ nacl.box(envelope, nonce, pk, esk)), PROTOCOL.md §7.",
    }),
  }) satisfies z.ZodType<RespondToRequestRequest>;
}

export type RespondToRequestBody = z.infer<ReturnType<typeof respondToRequestBodySchema>>;

export const collectResponsesBodySchema = z.strictObject({
  collect: proofSchema("derive(\"request/collect\", R)"),
  claim: proofSchema("32 random bytes made once per collect attempt (PROTOCOL.md §6–7)").optional(),
}) satisfies z.ZodType<CollectResponsesRequest>;

export type CollectResponsesBody = z.infer<typeof collectResponsesBodySchema>;

const requestState = z.enum(["open", "answered", "expired", "revoked"]);

export const createRequestResponseSchema = z.strictObject({
  id: z.string(),
  expiresAt: isoTime,
  maxResponses: z.int(),
}) satisfies z.ZodType<CreateRequestResponse>;

export const checkRequestResponseSchema = z.strictObject({
  label: z.string().optional().meta({ description: "Omitted when the request has no label." }),
  expiresAt: isoTime,
  responsesLeft: z.int(),
  sender: senderSchema.optional(),
}) satisfies z.ZodType<CheckRequestResponse>;

export const respondToRequestResponseSchema = z.strictObject({
  n: z.int().meta({ description: "The response's number, from 1 in arrival order." }),
  responsesLeft: z.int(),
}) satisfies z.ZodType<RespondToRequestResponse>;

export const collectResponsesResponseSchema = z.strictObject({
  responses: z.array(
    z.strictObject({ n: z.int(), epk: z.string(), ciphertext: z.string(), at: isoTime }),
  ),
  state: requestState,
}) satisfies z.ZodType<CollectResponsesResponse>;

export const requestStatusResponseSchema = z.strictObject({
  id: z.string(),
  state: requestState,
  createdAt: isoTime,
  expiresAt: isoTime,
  maxResponses: z.int(),
  responsesLeft: z.int(),
  pending: z.int().meta({ description: "Responses stored and not yet collected." }),
  events: z.array(
    z.strictObject({
      type: z.enum(["created", "responded", "collected", "revoked"]),
      at: isoTime,
      ip: z.string().optional().meta({ description: "Per AUDIT_IP: a masked network, the address, or absent." }),
      n: z
        .union([z.int(), z.array(z.int())])
        .optional()
        .meta({ description: "responded: the response's number; collected: the numbers delivered." }),
    }),
  ),
  creator: creatorSchema.optional(),
}) satisfies z.ZodType<RequestStatusResponse>;
export const TOKEN_SCOPES = ["secrets:create", "requests:create", "admin"] as const;
/** The longest token life the admin API issues: 10 years. */
export const MAX_TOKEN_TTL_SECONDS = 10 * 365 * 24 * 60 * 60;

/** POST /api/admin/tokens (PROTOCOL.md §8). */
export const createTokenBodySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "must be 1 to 64 of A-Z a-z 0-9 . _ -" }),
  scopes: z
    .array(z.enum(TOKEN_SCOPES, { error: "must be secrets:create, requests:create or admin" }))
    .min(1, { error: "must hold at least one scope" })
    .max(TOKEN_SCOPES.length, { error: "must not repeat a scope" })
    .refine((scopes) => new Set(scopes).size === scopes.length, { error: "must not repeat a scope" }),
  expiresInSeconds: z
    .int({ error: "must be a whole number of seconds" })
    .min(60, { error: "must be at least 60 seconds" })
    .max(MAX_TOKEN_TTL_SECONDS, { error: `must be at most ${MAX_TOKEN_TTL_SECONDS} seconds` })
    .optional(),
}) satisfies z.ZodType<CreateTokenRequest>;

export type CreateTokenBody = z.infer<typeof createTokenBodySchema>;

const tokenInfo = {
  kid: z.string().nullable(),
  name: z.string(),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  source: z.enum(["store", "environment"]),
  createdAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
};

export const tokenInfoSchema = z.strictObject(tokenInfo);
export const createTokenResponseSchema = z.strictObject({ ...tokenInfo, token: z.string() });
export const listTokensResponseSchema = z.strictObject({ tokens: z.array(tokenInfoSchema) });
export const sessionUserResponseSchema = z.strictObject({ issuer: z.string(), subject: z.string(), email: z.string() });
