/**
 * Security headers over plain HTTP (issue 4, "Headers and pages"). Every API answer,
 * including Next's own and start.mjs's: Cache-Control: no-store, X-Content-Type-Options:
 * nosniff, no X-Powered-By. Every page (proxy.ts): a strict CSP with a fresh nonce that
 * every script tag carries, 'strict-dynamic', object-src/base-uri/frame-ancestors 'none',
 * form-action/connect-src 'self'; Referrer-Policy no-referrer; COOP same-origin; a
 * Permissions-Policy; noindex on /s and /m only; HSTS only when the request came over
 * HTTPS. Hydration without CSP violations is proven in Chromium by tests/e2e.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";

let server: NextServer;

beforeAll(async () => {
  server = await startNextServer({ env: { TRUST_PROXY: "1" } });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function get(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path, method: options.method ?? "GET", headers: options.headers ?? {} },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(parts).toString("utf8") }));
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

const json = { "content-type": "application/json" };
const API_REQUESTS: [string, string, { method?: string; headers?: Record<string, string>; body?: string }][] = [
  ["config", "/api/config", {}],
  ["health", "/api/health", {}],
  ["the OpenAPI document", "/api/openapi.json", {}],
  ["a create refused", "/api/secrets", { method: "POST", headers: json, body: "{}" }],
  ["a create with the wrong type", "/api/secrets", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }],
  ["a check of an unknown id", `/api/secrets/${"A".repeat(22)}/check`, { method: "POST", headers: json, body: `{"access":"${"A".repeat(43)}"}` }],
  ["a reveal of an unknown id", `/api/secrets/${"A".repeat(22)}/reveal`, { method: "POST", headers: json, body: "{}" }],
  ["a status without a token", `/api/secrets/${"A".repeat(22)}`, {}],
  ["a burn without a token", `/api/secrets/${"A".repeat(22)}`, { method: "DELETE" }],
  ["a method not allowed", "/api/secrets", { method: "PUT" }],
  ["OPTIONS", "/api/secrets", { method: "OPTIONS" }],
  ["HEAD on health", "/api/health", { method: "HEAD" }],
  ["an unknown endpoint", "/api/nothing/here", {}],
  ["Next's trailing-slash redirect", "/api/secrets/", {}],
  ["broken percent-encoding (answered by start.mjs)", "/api/secrets/%E0%A4%A", {}],
  ["a request create refused", "/api/requests", { method: "POST", headers: json, body: "{}" }],
  ["a request check of an unknown rid", `/api/requests/${"A".repeat(22)}/check`, { method: "POST", headers: json, body: `{"write":"${"A".repeat(43)}"}` }],
  ["an answer to an unknown rid", `/api/requests/${"A".repeat(22)}/responses`, { method: "POST", headers: json, body: "{}" }],
  ["a collect of an unknown rid", `/api/requests/${"A".repeat(22)}/collect`, { method: "POST", headers: json, body: `{"collect":"${"A".repeat(43)}"}` }],
  ["a request status without a token", `/api/requests/${"A".repeat(22)}`, {}],
  ["a revoke without a token", `/api/requests/${"A".repeat(22)}`, { method: "DELETE" }],
];

describe("every API answer", () => {
  it.each(API_REQUESTS)("%s: no-store, nosniff, no X-Powered-By", async (_name, path, options) => {
    const answer = await get(path, options);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["x-powered-by"]).toBeUndefined();
  });
});

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")] as const;
      }),
  );
}

const PAGES: [string, number][] = [
  ["/", 200],
  ["/s", 200],
  ["/m", 200],
  ["/how-it-works", 200],
  ["/my", 200],
  ["/no-such-page", 404],
];

describe("every page", () => {
  it.each(PAGES)("%s carries the strict CSP, a nonce on every script, and the other headers", async (path, status) => {
    const first = await get(path);
    const second = await get(path);
    expect(first.status).toBe(status);
    const csp = directives(first.headers["content-security-policy"] as string);
    const script = csp.get("script-src") ?? "";
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(script)?.[1];
    expect(nonce).toBeTruthy();
    expect(second.headers["content-security-policy"], "a fresh nonce per request").not.toBe(first.headers["content-security-policy"]);
    expect(script).toContain("'strict-dynamic'");
    expect(script).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(csp.get("object-src")).toBe("'none'");
    expect(csp.get("base-uri")).toBe("'none'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.get("form-action")).toBe("'self'");
    expect(csp.get("connect-src")).toBe("'self'");
    expect(csp.get("default-src")).toBe("'self'");
    expect(first.headers["referrer-policy"]).toBe("no-referrer");
    expect(first.headers["x-content-type-options"]).toBe("nosniff");
    expect(first.headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(first.headers["permissions-policy"]).toMatch(/camera=\(\)/);
    expect(first.headers["x-powered-by"]).toBeUndefined();
    expect(first.headers["strict-transport-security"], "no HSTS over plain HTTP").toBeUndefined();
    if (path === "/s" || path === "/m") expect(first.headers["x-robots-tag"]).toMatch(/noindex/);
    else expect(first.headers["x-robots-tag"]).toBeUndefined();

    // Every script the page ships carries this response's nonce; nothing loads from another origin.
    const scripts = [...first.text.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    const sources = [...first.text.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? "");
    for (const source of sources) expect(source, "a same-origin reference").not.toMatch(/^(?:https?:)?\/\//);
  });

  it("HSTS and upgrade-insecure-requests are sent when a trusted proxy says the request came over HTTPS", async () => {
    const answer = await get("/", { headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" } });
    expect(answer.headers["strict-transport-security"]).toMatch(/^max-age=\d{7,}/);
    expect(answer.headers["content-security-policy"]).toContain("upgrade-insecure-requests");
  });
});
