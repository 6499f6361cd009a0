import type { GoneReasonName } from "./wire";

/**
 * The closed set of error codes of PROTOCOL.md §4 and the one status table.
 * Shared by the server (to answer) and by the browser and CLI (to understand).
 */

export const ERROR_STATUS = {
  invalid_request: 400,
  wrong_passphrase: 403,
  ip_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  id_taken: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 503,
  // PROTOCOL.md §8: a create without an accepted credential, and one without the needed scope.
  auth_required: 401,
  forbidden: 403,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

const SECRET_GONE_REASONS: readonly string[] = ["viewed", "burned", "attempts", "expired"] satisfies GoneReasonName[];

/** True for the gone reasons of a secret (PROTOCOL.md §4); requests have their own (§7). */
export function isSecretGoneReason(value: unknown): value is GoneReasonName {
  return typeof value === "string" && SECRET_GONE_REASONS.includes(value);
}
