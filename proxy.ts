/**
 * Security headers for every page (issue 4, "Headers and pages"). A fresh nonce per
 * request goes into a strict CSP; Next reads it back from the request's
 * Content-Security-Policy header and stamps it on its own scripts, which is why every
 * page renders per request (see the root layout's `connection()`).
 *
 * /api is deliberately outside the matcher: request bodies passing through a proxy are
 * cut at `proxyClientMaxBodySize`, and the route handlers set their own headers.
 */
import { NextResponse, type NextRequest } from "next/server";

const NONCE_BYTES = 16;

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  return btoa(String.fromCharCode(...bytes));
}

function isHttps(request: NextRequest): boolean {
  if (request.nextUrl.protocol === "https:") return true;
  // Behind a TLS-terminating proxy. Trusting a forged value here only ever adds HSTS
  // to the forger's own connection, so no TRUST_PROXY check is needed.
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return forwarded === "https";
}

function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic' lets Next's nonced bootstrap load its chunks; host sources are then ignored.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    // The dev overlay injects inline styles; production only links stylesheets.
    options.dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'none'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (options.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const https = isHttps(request);
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https });

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });

  const headers = response.headers;
  headers.set("Content-Security-Policy", csp);
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  headers.set(
    "Permissions-Policy",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
  );
  if (https) headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  // Share, manage and request pages are per-recipient; search engines have no business listing them.
  const path = request.nextUrl.pathname;
  if (["/s", "/m", "/r"].some((page) => path === page || path.startsWith(`${page}/`))) {
    headers.set("X-Robots-Tag", "noindex, nofollow, noarchive");
  }
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/static/|_next/image).*)"],
};
