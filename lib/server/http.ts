/**
 * Next-only helpers behind every route handler in app/api (PROTOCOL.md §4).
 *
 * Guarantees:
 * - every answer is JSON (or 204) with `Cache-Control: no-store` and
 *   `X-Content-Type-Options: nosniff` (/api is outside proxy.ts, which sets it on pages);
 * - every failure has the one wire shape `{error, message, ...extra}` from ERROR_STATUS;
 * - withApi() owns errors: ApiFailure → its code, StoreUnavailableError → 503, anything
 *   else → a fixed 500 `internal_error` and a log line naming the error class only, so
 *   no body, ciphertext, proof or stack trace reaches a client or the log;
 * - readJsonBody() refuses a body over its cap before reading (Content-Length) and while
 *   reading (counted bytes, so chunked bodies are capped too), then decodes strict UTF-8
 *   and JSON. Those 413 answers say `Connection: close`: the rest of the body stays unread
 *   on the connection, so it must not carry another request (lib/server/start.mjs also
 *   closes after any answer given before its body arrived, and lingers so the client can
 *   read it). JSON.parse keeps the last of repeated member names and makes `__proto__` an
 *   own property; the strict schemas then refuse it as an unknown member.
 * - proofs are never compared here: they are hashed to verifiers (SHA-512, first 32 bytes)
 *   and the store compares.
 */
import "server-only";
import { createHash } from "node:crypto";
import type { z } from "zod";
import { bytesToBase64url, base64urlToBytes } from "@/lib/crypto/encoding";
import { ConfigError } from "@/lib/server/config";
import { observeHttpRequest } from "@/lib/server/metrics";
import { logRequest } from "@/lib/server/request-log";
import { StoreUnavailableError, type Gone } from "@/lib/store/types";
import { ERROR_STATUS, type ErrorCode } from "@/lib/api/errors";
import {
  createRequestBodySchema,
  createSecretBodySchema,
  respondToRequestBodySchema,
  secretIdSchema,
  type ApiLimits,
  type RequestApiLimits,
} from "@/lib/api/schemas";
import type { ErrorBody, GoneReasonName, RequestGoneReasonName } from "@/lib/api/wire";
import type { RequestGone } from "@/lib/store/request-types";

const NO_STORE = "no-store";

export const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  invalid_request: "The request is not valid.",
  wrong_passphrase: "The passphrase is wrong.",
  ip_not_allowed: "This secret cannot be opened from your network address.",
  not_found: "No secret matches this link. It may never have existed, or its record has expired.",
  method_not_allowed: "This method is not allowed here.",
  id_taken: "A secret with this id already exists.",
  gone: "This secret is gone.",
  too_large: "The request is too large.",
  unsupported_media_type: "Send the body as application/json (optionally with charset=utf-8).",
  rate_limited: "Too many requests; try again later.",
  internal_error: "The server failed to answer this request.",
  store_unavailable: "The secret store is unavailable; try again shortly.",
  auth_required: "Sign in or send a valid API token to do this.",
  forbidden: "You are not allowed to do this.",
};

/** A full Redis (maxmemory, noeviction) refuses new secrets; checking and burning still work. */
export const STORE_FULL_MESSAGE = "The secret store is full and cannot take new secrets right now; try again later.";
/** A full Redis refuses every reveal, right passphrase or wrong (lib/store/scripts.ts REVEAL). */
export const STORE_FULL_REVEAL_MESSAGE = "The secret store is full right now; nothing was used up, try again later.";

export const GONE_MESSAGES: Record<GoneReasonName, string> = {
  viewed: "This secret has already been viewed.",
  burned: "This secret was destroyed by its creator.",
  attempts: "This secret was destroyed after too many wrong passphrases.",
  expired: "This secret has expired.",
};

type ErrorExtra = Omit<ErrorBody, "error" | "message">;

/** A failure with a protocol error code; thrown anywhere below withApi(). */
export class ApiFailure extends Error {
  readonly code: ErrorCode;
  readonly extra: ErrorExtra;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, extra: ErrorExtra = {}, headers: Record<string, string> = {}) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = "ApiFailure";
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
}

/** A JSON answer; never cached by browsers or proxies. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...headers,
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": NO_STORE,
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export function emptyResponse(status = 204, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { ...headers, "Cache-Control": NO_STORE, "X-Content-Type-Options": "nosniff" } });
}

export function errorResponse(
  code: ErrorCode,
  message: string = DEFAULT_MESSAGES[code],
  extra: ErrorExtra = {},
  headers: Record<string, string> = {},
): Response {
  const body: ErrorBody = { error: code, message, ...extra };
  return jsonResponse(body, ERROR_STATUS[code], headers);
}

/** One JSON log line; callers pass fields that never hold a secret, a credential or an id. */
export function logLine(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "info") console.log(line);
  else console.error(line);
}

function responseForError(error: unknown, route: string): Response {
  if (error instanceof ApiFailure) return errorResponse(error.code, error.message, error.extra, error.headers);
  if (error instanceof StoreUnavailableError || (error instanceof Error && error.name === "StoreUnavailableError")) {
    // Driver messages name the cause (unreachable, timeout, out of memory) and never a
    // command argument (lib/store), so the operator learns why from the log.
    logLine("warn", "store unavailable", { route, reason: (error as Error).message });
    if (/out of memory|maxmemory/i.test((error as Error).message)) {
      return errorResponse("store_unavailable", route.endsWith("/reveal") ? STORE_FULL_REVEAL_MESSAGE : STORE_FULL_MESSAGE);
    }
    return errorResponse("store_unavailable");
  }
  if (error instanceof ConfigError) {
    // Names variables only, never values that could be credentials (lib/server/config.ts).
    logLine("error", error.message, { route });
    return errorResponse("internal_error");
  }
  logLine("error", "unhandled error", { route, error: error instanceof Error ? error.name : typeof error });
  return errorResponse("internal_error");
}

export interface ApiOptions {
  /** Called once per answer with "ok" or the answer's error code: feeds an outcome counter. */
  outcome?: (outcome: string) => void;
}

function outcomeOfError(error: unknown): string {
  if (error instanceof ApiFailure) return error.code;
  if (error instanceof StoreUnavailableError || (error instanceof Error && error.name === "StoreUnavailableError")) {
    return "store_unavailable";
  }
  return "internal_error";
}

/**
 * Wraps a route handler: errors become protocol answers, every answer gets
 * `Cache-Control: no-store`, and one log line (batched: lib/server/request-log.ts) records method, route pattern, status
 * and duration (the pattern, not the path: no ids in the request log); the same goes
 * to the duration histogram, and `options.outcome` hears "ok" or the error code.
 */
export function withApi<Context extends unknown[]>(
  route: string,
  handler: (request: Request, ...context: Context) => Promise<Response> | Response,
  options: ApiOptions = {},
): (request: Request, ...context: Context) => Promise<Response> {
  return async (request, ...context) => {
    const started = performance.now();
    let response: Response;
    let outcome = "ok";
    try {
      response = await handler(request, ...context);
    } catch (error) {
      response = responseForError(error, route);
      outcome = outcomeOfError(error);
    }
    response.headers.set("Cache-Control", NO_STORE);
    response.headers.set("X-Content-Type-Options", "nosniff");
    // The route TEMPLATE, never the path: no id becomes a metric label (lib/server/metrics.ts).
    observeHttpRequest(route, request.method, response.status, (performance.now() - started) / 1000);
    options.outcome?.(outcome);
    logRequest({ method: request.method, route, status: response.status, ms: Math.round(performance.now() - started) });
    return response;
  };
}

type RouteHandler = (request: Request) => Promise<Response>;

/**
 * For the methods a route does not support: `refuse` answers 405 method_not_allowed
 * with `Allow`; `options` answers OPTIONS with 204 and `Allow`. HEAD is allowed
 * wherever GET is (Next answers it from GET).
 */
export function unsupportedMethods(route: string, allowed: readonly string[]): { refuse: RouteHandler; options: RouteHandler } {
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  return {
    refuse: withApi(route, () => {
      throw new ApiFailure("method_not_allowed", undefined, {}, { Allow: allow });
    }),
    options: withApi(route, () => emptyResponse(204, { Allow: allow })),
  };
}

/** The methods a Next route handler can export. */
type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
const HTTP_METHODS: readonly HttpMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** What a route does not implement: every other method but HEAD next to GET (Next answers it from GET). */
type RefusedMethod<Allowed extends HttpMethod> = Exclude<HttpMethod, Allowed | ("GET" extends Allowed ? "HEAD" : never)>;

/**
 * The exports a route file needs for the methods it does not implement, in one line:
 * `export const { PUT, PATCH, DELETE, OPTIONS } = refusedMethods(ROUTE, ["GET", "POST"])`.
 * Each refused method answers 405 method_not_allowed with `Allow`, OPTIONS 204 with `Allow`.
 */
export function refusedMethods<const Allowed extends HttpMethod>(
  route: string,
  allowed: readonly Allowed[],
): Record<RefusedMethod<Allowed>, RouteHandler> {
  const { refuse, options } = unsupportedMethods(route, allowed);
  const refused: Partial<Record<HttpMethod, RouteHandler>> = {};
  for (const method of HTTP_METHODS) {
    if ((allowed as readonly HttpMethod[]).includes(method)) continue;
    if (method === "HEAD" && (allowed as readonly HttpMethod[]).includes("GET")) continue;
    refused[method] = method === "OPTIONS" ? options : refuse;
  }
  return refused as Record<RefusedMethod<Allowed>, RouteHandler>;
}

/** `application/json`, optionally with `charset=utf-8`; case-insensitive. */
function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const [type, ...parameters] = value.split(";");
  if (type?.trim().toLowerCase() !== "application/json") return false;
  return parameters.every((parameter) => {
    const trimmed = parameter.trim();
    if (trimmed === "") return true;
    const match = /^charset\s*=\s*(?:"utf-8"|utf-8)$/i.exec(trimmed);
    return match !== null;
  });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a JSON body of at most `maxBytes` bytes (PROTOCOL.md §4): 415 unless the
 * Content-Type is JSON, 413 when Content-Length or the counted stream exceeds the cap,
 * 400 for invalid UTF-8 or JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  if (!isJsonContentType(request.headers.get("content-type"))) throw new ApiFailure("unsupported_media_type");
  const tooLarge = () => new ApiFailure("too_large", `The body exceeds ${maxBytes} bytes.`, {}, { Connection: "close" });

  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) throw new ApiFailure("invalid_request", "Content-Length is not a number.");
    if (Number(declared) > maxBytes) throw tooLarge();
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }

  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ApiFailure("invalid_request", "The body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiFailure("invalid_request", "The body is not valid JSON.");
  }
}

function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return false;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
  if (issue.code === "unrecognized_keys") {
    return `unknown member${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.path.length > 0 && isMissing(input, issue.path)) return `${where} is required`;
  return `${where}: ${issue.message}`;
}

/**
 * Parses with a schema: the first problem becomes a 400 invalid_request message, and an
 * issue marked params.apiCode = "too_large" (an oversized ciphertext) a 413 too_large.
 */
export function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const tooLarge = issues.find(
    (issue) => issue.code === "custom" && (issue.params as { apiCode?: string } | undefined)?.apiCode === "too_large",
  );
  if (tooLarge) throw new ApiFailure("too_large", describeIssue(tooLarge, value));
  const first = issues[0];
  throw new ApiFailure("invalid_request", first ? describeIssue(first, value) : undefined);
}

/** A path id that is not 22 canonical base64url characters is indistinguishable from an unknown id. */
export function parseSecretId(raw: string): string {
  if (!secretIdSchema.safeParse(raw).success) throw new ApiFailure("not_found");
  return raw;
}

/** SHA512(proof)[0..32] as b64u (PROTOCOL.md §1), from a proof given as b64u. */
export function verifierOfProof(proofBase64url: string): string {
  const proof = base64urlToBytes(proofBase64url, 32);
  return bytesToBase64url(createHash("sha512").update(proof).digest().subarray(0, 32));
}

const BEARER_PATTERN = /^Bearer +([A-Za-z0-9_-]{43})$/i;

/**
 * The manage verifier from `Authorization: Bearer <b64u(manage)>`. A missing, malformed
 * or non-canonical token is not_found, exactly like a wrong one (PROTOCOL.md §4).
 */
export function manageVerifierFromAuthorization(request: Request): string {
  const match = BEARER_PATTERN.exec(request.headers.get("authorization")?.trim() ?? "");
  const token = match?.[1];
  if (!token) throw new ApiFailure("not_found");
  try {
    return verifierOfProof(token);
  } catch {
    throw new ApiFailure("not_found");
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The answer for a store result that is not a success on check and reveal. */
export function accessFailure(result: { kind: "not_found" } | { kind: "ip_not_allowed" } | Gone): ApiFailure {
  switch (result.kind) {
    case "not_found":
      return new ApiFailure("not_found");
    case "ip_not_allowed":
      return new ApiFailure("ip_not_allowed");
    case "gone":
      return new ApiFailure("gone", GONE_MESSAGES[result.reason], { reason: result.reason, at: isoTime(result.atMs) });
  }
}

/** Check and reveal bodies hold one or two 43-character proofs: 4 KiB is generous. */
export const SMALL_BODY_MAX_BYTES = 4096;

/**
 * The create body cap: the largest ciphertext as base64url plus room for the other
 * members, the allowlist and JSON whitespace. A ciphertext over maxCiphertextBytes but
 * under this cap is refused by the schema, also with 413.
 */
export function createBodyMaxBytes(limits: { maxCiphertextBytes: number; maxAllowedIps: number }): number {
  return Math.ceil((limits.maxCiphertextBytes * 4) / 3) + 8192 + limits.maxAllowedIps * 80;
}

const createSchemas = new WeakMap<ApiLimits, ReturnType<typeof createSecretBodySchema>>();

/** The create schema for these limits, built once per config object. */
export function createSecretBodySchemaFor(limits: ApiLimits): ReturnType<typeof createSecretBodySchema> {
  let schema = createSchemas.get(limits);
  if (!schema) {
    schema = createSecretBodySchema(limits);
    createSchemas.set(limits, schema);
  }
  return schema;
}

/* Requests, PROTOCOL.md §7. */

export const REQUEST_NOT_FOUND_MESSAGE =
  "No request matches this link. It may never have existed, or its record has expired.";

export const REQUEST_GONE_MESSAGES: Record<RequestGoneReasonName, string> = {
  expired: "This request has expired: it takes no more answers.",
  revoked: "This request was withdrawn by the person who made it: it takes no more answers.",
  answered: "This request has received all the answers it asked for.",
};

/** 404 with the request wording: unknown rid, wrong write or wrong collect proof alike. */
export function requestNotFound(): ApiFailure {
  return new ApiFailure("not_found", REQUEST_NOT_FOUND_MESSAGE);
}

/** A path rid that is not 22 canonical base64url characters is indistinguishable from an unknown one. */
export function parseRequestId(raw: string): string {
  if (!secretIdSchema.safeParse(raw).success) throw requestNotFound();
  return raw;
}

/** The answer for a request that takes no more responses (check and respond). */
export function requestGoneFailure(result: RequestGone): ApiFailure {
  return new ApiFailure("gone", REQUEST_GONE_MESSAGES[result.reason], {
    reason: result.reason,
    at: isoTime(result.atMs),
  });
}

/** The create-request body cap: the largest label as base64url plus room for the other members. */
export function createRequestBodyMaxBytes(limits: { maxLabelBytes: number }): number {
  return Math.ceil((limits.maxLabelBytes * 4) / 3) + 4096;
}

/** The response body cap: the largest ciphertext as base64url plus room for write and epk. */
export function respondBodyMaxBytes(limits: { maxCiphertextBytes: number }): number {
  return Math.ceil((limits.maxCiphertextBytes * 4) / 3) + 4096;
}

const createRequestSchemas = new WeakMap<RequestApiLimits, ReturnType<typeof createRequestBodySchema>>();
const respondSchemas = new WeakMap<RequestApiLimits, ReturnType<typeof respondToRequestBodySchema>>();

/** The create-request schema for these limits, built once per config object. */
export function createRequestBodySchemaFor(limits: RequestApiLimits): ReturnType<typeof createRequestBodySchema> {
  let schema = createRequestSchemas.get(limits);
  if (!schema) {
    schema = createRequestBodySchema(limits);
    createRequestSchemas.set(limits, schema);
  }
  return schema;
}

/** The response schema for these limits, built once per config object. */
export function respondToRequestBodySchemaFor(limits: RequestApiLimits): ReturnType<typeof respondToRequestBodySchema> {
  let schema = respondSchemas.get(limits);
  if (!schema) {
    schema = respondToRequestBodySchema(limits);
    respondSchemas.set(limits, schema);
  }
  return schema;
}

/**
 * The collect verifier from `Authorization: Bearer <b64u(collect)>` (status and revoke of a
 * request). Missing, malformed or wrong: 404 not_found with the request wording.
 */
export function collectVerifierFromAuthorization(request: Request): string {
  try {
    return manageVerifierFromAuthorization(request);
  } catch {
    throw requestNotFound();
  }
}
