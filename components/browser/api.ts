import { ApiError, createApiClient } from "@/lib/api/client";

/** The one client the pages use: same origin, so the CSP's connect-src 'self' holds. */
export const api = createApiClient();

export { ApiError };

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
