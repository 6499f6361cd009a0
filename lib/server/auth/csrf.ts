/**
 * CSRF for cookie-authenticated state changes, exactly as PROTOCOL.md §8 says:
 * `Sec-Fetch-Site: same-origin` passes; when that header is absent, `Origin` must equal
 * the origin of PUBLIC_URL; with neither, the request is refused. Pages send
 * `Referrer-Policy: no-referrer`, so a bare form POST may carry `Origin: null`: they use fetch.
 */
import "server-only";

export function passesCsrfCheck(headers: Headers, publicOrigin: string | undefined): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null) return site.trim().toLowerCase() === "same-origin";
  const origin = headers.get("origin");
  return origin !== null && publicOrigin !== undefined && origin.trim() === publicOrigin;
}
