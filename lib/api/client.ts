/**
 * The fetch client of PROTOCOL.md §4, shared by the browser and the CLI.
 *
 * Guarantees: no zod and no Node or Next imports (it ships in the page bundle); every
 * call resolves with the wire.ts type of its success answer, or throws ApiError — for
 * every non-2xx answer (code from the error body, or guessed from the status when the
 * body is not ours) and for network failures (code "network_error", status 0).
 * It sends only what it is given: ids, ciphertext, verifiers and proofs, never keys.
 */
import { ERROR_STATUS, isErrorCode, type ErrorCode } from "./errors";
import type {
  BurnAllResponse,
  MySecretsResponse,
  RevokeTokenResponse,
  CheckSecretResponse,
  CreateSecretRequest,
  CreateSecretResponse,
  CreateTokenRequest,
  CreateTokenResponse,
  ErrorBody,
  ListTokensResponse,
  HealthResponse,
  RevealSecretResponse,
  SecretStatusResponse,
  ServerConfigResponse,
  CheckRequestResponse,
  CollectResponsesResponse,
  CreateRequestRequest,
  CreateRequestResponse,
  RequestStatusResponse,
  RespondToRequestRequest,
  RespondToRequestResponse,
} from "./wire";

export type ApiErrorCode = ErrorCode | "network_error";

export class ApiError extends Error {
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly code: ApiErrorCode;
  /** The server's error body, when it sent one of ours. */
  readonly body?: ErrorBody;

  constructor(status: number, code: ApiErrorCode, message: string, body?: ErrorBody, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    if (body !== undefined) this.body = body;
  }
}

export interface ApiClient {
  config(): Promise<ServerConfigResponse>;
  health(): Promise<HealthResponse>;
  /** `apiToken` (PROTOCOL.md §8, `blt_…`) is sent as the bearer when given. */
  createSecret(request: CreateSecretRequest, apiToken?: string): Promise<CreateSecretResponse>;
  /** Consumes nothing. */
  checkSecret(id: string, access: string): Promise<CheckSecretResponse>;
  /**
   * Consumes one view. With a claim (v1.1, PROTOCOL.md §6; make one with newClaim() per
   * reveal attempt and pass the same one to every retry of it), a retry within the
   * server's grace gets the first answer again and consumes nothing. Without one, the
   * body is exactly v1's.
   */
  revealSecret(id: string, access: string, unlock: string, claim?: string): Promise<RevealSecretResponse>;
  secretStatus(id: string, manageToken: string): Promise<SecretStatusResponse>;
  burnSecret(id: string, manageToken: string): Promise<void>;
  /**
   * PROTOCOL.md §7: the body holds the rid, verifiers and sealed label, never pk or R.
   * `apiToken` (§8) is sent as the bearer when given, as for createSecret.
   */
  createRequest(request: CreateRequestRequest, apiToken?: string): Promise<CreateRequestResponse>;
  /** Consumes nothing; `write` from the request link. */
  checkRequest(id: string, write: string): Promise<CheckRequestResponse>;
  /** Stores one encrypted answer. */
  respondToRequest(id: string, response: RespondToRequestRequest): Promise<RespondToRequestResponse>;
  /** Hands over and deletes every pending answer; retry a lost answer with the same claim. */
  collectResponses(id: string, collect: string, claim?: string): Promise<CollectResponsesResponse>;
  requestStatus(id: string, collectToken: string): Promise<RequestStatusResponse>;
  revokeRequest(id: string, collectToken: string): Promise<void>;
  /** The admin API (PROTOCOL.md §8); `adminToken` is an admin-scoped API token or the operator's. */
  createToken(request: CreateTokenRequest, adminToken: string): Promise<CreateTokenResponse>;
  listTokens(adminToken: string): Promise<ListTokensResponse>;
  revokeToken(kid: string, adminToken: string): Promise<void>;
  /** Revokes the token, then burns every active secret it created (issue 13 §5). */
  revokeTokenAndBurnSecrets(kid: string, adminToken: string): Promise<RevokeTokenResponse>;
  /**
   * My secrets (issue 13 §5): with `apiToken` for that token's, else for the signed-in
   * session (a same-origin page's fetch sends the cookie).
   */
  mySecrets(apiToken?: string): Promise<MySecretsResponse>;
  burnMySecret(id: string, apiToken?: string): Promise<void>;
  burnAllMySecrets(apiToken?: string): Promise<BurnAllResponse>;
}

/** For answers that are not ours (a proxy's HTML page): the code a status can only mean. */
function codeForStatus(status: number): ErrorCode {
  const matches = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
  return matches.length === 1 && matches[0] ? matches[0] : "internal_error";
}

function asErrorBody(value: unknown): ErrorBody | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const candidate = value as Record<string, unknown>;
  if (!isErrorCode(candidate.error) || typeof candidate.message !== "string") return undefined;
  return candidate as unknown as ErrorBody;
}

function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return "the request failed";
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return `${error.message} (${cause.code})`;
  if (cause && typeof cause.message === "string") return `${error.message} (${cause.message})`;
  return error.message;
}

export function createApiClient(baseUrl = "", fetchImpl: typeof fetch = globalThis.fetch): ApiClient {
  const origin = baseUrl.replace(/\/+$/, "");
  const doFetch = fetchImpl;

  async function call<T>(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;

    let response: Response;
    try {
      response = await doFetch(`${origin}${path}`, {
        method,
        headers,
        cache: "no-store",
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      throw new ApiError(0, "network_error", describeNetworkFailure(error), undefined, { cause: error });
    }

    if (response.status === 204) return undefined as T;
    let parsed: unknown;
    let readable = true;
    try {
      parsed = JSON.parse(await response.text());
    } catch {
      readable = false;
    }
    if (response.ok) {
      if (!readable) throw new ApiError(response.status, "internal_error", "The server's answer is not JSON.");
      return parsed as T;
    }
    const body = asErrorBody(parsed);
    if (body) throw new ApiError(response.status, body.error, body.message, body);
    throw new ApiError(response.status, codeForStatus(response.status), `The server answered ${response.status}.`);
  }

  const secretPath = (id: string) => `/api/secrets/${encodeURIComponent(id)}`;
  const requestPath = (id: string) => `/api/requests/${encodeURIComponent(id)}`;

  return {
    config: () => call<ServerConfigResponse>("GET", "/api/config"),
    health: () => call<HealthResponse>("GET", "/api/health"),
    createSecret: (request, apiToken) =>
      call<CreateSecretResponse>("POST", "/api/secrets", { body: request, ...(apiToken === undefined ? {} : { token: apiToken }) }),
    checkSecret: (id, access) => call<CheckSecretResponse>("POST", `${secretPath(id)}/check`, { body: { access } }),
    revealSecret: (id, access, unlock, claim) =>
      call<RevealSecretResponse>("POST", `${secretPath(id)}/reveal`, {
        body: claim === undefined ? { access, unlock } : { access, unlock, claim },
      }),
    secretStatus: (id, manageToken) => call<SecretStatusResponse>("GET", secretPath(id), { token: manageToken }),
    burnSecret: (id, manageToken) => call<void>("DELETE", secretPath(id), { token: manageToken }),
    createRequest: (request, apiToken) =>
      call<CreateRequestResponse>("POST", "/api/requests", { body: request, ...(apiToken === undefined ? {} : { token: apiToken }) }),
    checkRequest: (id, write) => call<CheckRequestResponse>("POST", `${requestPath(id)}/check`, { body: { write } }),
    respondToRequest: (id, response) =>
      call<RespondToRequestResponse>("POST", `${requestPath(id)}/responses`, { body: response }),
    collectResponses: (id, collect, claim) =>
      call<CollectResponsesResponse>("POST", `${requestPath(id)}/collect`, {
        body: claim === undefined ? { collect } : { collect, claim },
      }),
    requestStatus: (id, collectToken) => call<RequestStatusResponse>("GET", requestPath(id), { token: collectToken }),
    revokeRequest: (id, collectToken) => call<void>("DELETE", requestPath(id), { token: collectToken }),
    createToken: (request, adminToken) => call<CreateTokenResponse>("POST", "/api/admin/tokens", { body: request, token: adminToken }),
    listTokens: (adminToken) => call<ListTokensResponse>("GET", "/api/admin/tokens", { token: adminToken }),
    revokeToken: (kid, adminToken) => call<void>("DELETE", `/api/admin/tokens/${encodeURIComponent(kid)}`, { token: adminToken }),
    revokeTokenAndBurnSecrets: (kid, adminToken) =>
      call<RevokeTokenResponse>("DELETE", `/api/admin/tokens/${encodeURIComponent(kid)}?burnSecrets=1`, { token: adminToken }),
    mySecrets: (apiToken) => call<MySecretsResponse>("GET", "/api/me/secrets", apiToken === undefined ? {} : { token: apiToken }),
    burnMySecret: (id, apiToken) =>
      call<void>("DELETE", `/api/me/secrets/${encodeURIComponent(id)}`, apiToken === undefined ? {} : { token: apiToken }),
    burnAllMySecrets: (apiToken) => call<BurnAllResponse>("POST", "/api/me/secrets/burn", apiToken === undefined ? {} : { token: apiToken }),
  };
}
