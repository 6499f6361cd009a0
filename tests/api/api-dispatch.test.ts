/**
 * API_DISPATCH=direct (start.mjs calls the compiled route handlers itself,
 * lib/server/api-dispatch.mjs) must answer exactly as API_DISPATCH=router (everything
 * through Next's router server, as `next start` does). Two real servers, each with its own
 * store, get the same requests in the same order: every route, good and bad inputs,
 * HEAD/OPTIONS/405, trailing slashes, unknown and odd /api paths, internal headers a
 * client must not set, oversized bodies, gzip. Statuses, bodies and headers must be the
 * same, apart from what differs between any two servers (Date, ids made at random, times).
 * Re-run on every Next upgrade: it is what says the direct path still matches the router.
 */
import http from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revealProofs } from "@/lib/crypto/secret";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { makeSecret } from "./support";

interface Exchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Announced length, when it is not the body's (an oversized upload announced up front). */
  contentLength?: number;
  /** The status PROTOCOL.md gives it, where the point is that the route really ran. */
  expect?: number;
}

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two servers or any two runs. */
const VOLATILE_HEADERS = new Set(["date", "x-request-id"]);

/** One request on its own connection (an early refusal closes it), with the raw answer. */
function send(port: number, exchange: Exchange): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...exchange.headers };
    if (exchange.contentLength !== undefined) headers["content-length"] = exchange.contentLength;
    else if (exchange.body !== undefined) headers["content-length"] = Buffer.byteLength(exchange.body);
    const request = http.request(
      { host: "127.0.0.1", port, method: exchange.method, path: exchange.path, headers, agent: false },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () => {
          let raw = Buffer.concat(parts);
          if (response.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
          const seen: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (!VOLATILE_HEADERS.has(name) && value !== undefined) seen[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({ status: response.statusCode ?? 0, headers: seen, body: raw.toString("utf8") });
        });
        response.on("error", reject);
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      // The server may refuse (413) and close while the upload is still being written.
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (exchange.body !== undefined) request.write(exchange.body);
    request.end();
  });
}

/** Times and server-made random values in bodies; the rest must match byte for byte. */
function normalized(seen: Seen): Seen {
  const body = seen.body
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, "<time>")
    .replace(/"(\w*(?:At|Seconds|Ms|_seconds))":\d+(?:\.\d+)?/g, '"$1":<n>')
    .replace(/^(\w+(?:_seconds|_bytes)\w*(?:\{[^}]*\})?) [\d.e+-]+$/gm, "$1 <n>");
  const headers = { ...seen.headers };
  // proxy.ts (which runs on /api itself) makes a fresh CSP nonce per answer.
  if (headers["content-security-policy"]) headers["content-security-policy"] = headers["content-security-policy"].replace(/'nonce-[^']+'/g, "'nonce-<n>'");
  // Same length rule, different digits: a body with a normalised time may differ in length.
  if (headers["content-length"] !== undefined && body !== seen.body) headers["content-length"] = "<n>";
  // Next's compression middleware skips answers under 1 KiB when it knows their size. The
  // router streams every answer, so it never knows and gzips even a 300-byte one; the
  // direct path hands over whole answers, so the threshold works. Bodies are compared
  // after gunzip either way, and answers of 1 KiB or more must be gzipped on both.
  if (headers["content-encoding"] === "gzip" && Buffer.byteLength(seen.body) < 1024) delete headers["content-encoding"];
  return { status: seen.status, headers, body };
}

const json = { "content-type": "application/json" };

/** The requests both servers get, built once so both get the same bytes. */
async function exchanges(): Promise<Exchange[]> {
  const { sealed, request } = await makeSecret({ content: { text: "dispatch parity" } });
  const proofs = await revealProofs(sealed.linkKey);
  const create = JSON.stringify(request);
  const check = JSON.stringify({ access: proofs.access });
  const reveal = JSON.stringify({ access: proofs.access, unlock: proofs.unlock });
  const everyMethod = (path: string): Exchange[] =>
    ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"].map((method) => ({ method, path }));
  return [
    ...everyMethod("/api/config"),
    ...everyMethod("/api/health"),
    ...everyMethod("/api/health/live"),
    ...everyMethod("/api/health/ready"),
    ...everyMethod("/api/openapi.json"),
    { method: "GET", path: "/api/openapi.json", headers: { "accept-encoding": "gzip" } },
    { method: "GET", path: "/api/config", headers: { "accept-encoding": "gzip, br" } },
    { method: "GET", path: "/api/health/live", expect: 200 },
    ...everyMethod("/api/metrics"),
    ...everyMethod("/api/auth/me"),
    ...everyMethod("/api/auth/login"),
    ...everyMethod("/api/auth/logout"),
    ...everyMethod("/api/auth/callback?code=x&state=y"),
    ...everyMethod("/api/admin/tokens"),
    ...everyMethod("/api/admin/tokens/some-kid"),
    ...everyMethod("/api/secrets"),
    ...everyMethod(`/api/secrets/${sealed.id}`),
    ...everyMethod(`/api/secrets/${sealed.id}/check`),
    ...everyMethod(`/api/secrets/${sealed.id}/reveal`),
    ...everyMethod("/api/requests"),
    ...everyMethod("/api/requests/AAAAAAAAAAAAAAAAAAAAAA"),
    ...everyMethod("/api/requests/AAAAAAAAAAAAAAAAAAAAAA/check"),
    ...everyMethod("/api/requests/AAAAAAAAAAAAAAAAAAAAAA/collect"),
    ...everyMethod("/api/requests/AAAAAAAAAAAAAAAAAAAAAA/responses"),
    // Bad inputs.
    { method: "POST", path: "/api/secrets", headers: json, body: "{not json" },
    { method: "POST", path: "/api/secrets", headers: { "content-type": "text/plain" }, body: create },
    { method: "POST", path: "/api/secrets", headers: json, body: JSON.stringify({ ...request, ttlSeconds: -1 }) },
    { method: "POST", path: "/api/secrets", headers: json, body: "x".repeat(64), contentLength: 50_000_000 },
    { method: "POST", path: "/api/secrets", headers: { ...json, "transfer-encoding": "chunked" }, body: undefined },
    { method: "POST", path: "/api/requests", headers: json, body: "[]" },
    { method: "POST", path: "/api/secrets/not*an*id/check", headers: json, body: check },
    // The whole life of a secret: create, again (conflict), check, reveal, reveal again.
    { method: "POST", path: "/api/secrets", headers: json, body: create, expect: 201 },
    { method: "POST", path: "/api/secrets", headers: json, body: create, expect: 409 },
    { method: "POST", path: `/api/secrets/${sealed.id}/check`, headers: json, body: check, expect: 200 },
    { method: "POST", path: `/api/secrets/${sealed.id}/reveal`, headers: json, body: reveal, expect: 200 },
    { method: "POST", path: `/api/secrets/${sealed.id}/reveal`, headers: json, body: reveal, expect: 410 },
    // Paths the router normalises, redirects or routes to the catch-all.
    { method: "GET", path: "/api" },
    { method: "GET", path: "/api?x=1" },
    { method: "GET", path: "/api/" },
    { method: "GET", path: "/api/config/" },
    { method: "GET", path: "/api/config/?a=b" },
    { method: "POST", path: `/api/secrets/${sealed.id}/check/`, headers: json, body: check },
    { method: "GET", path: "//api//config" },
    { method: "GET", path: "/api//config" },
    { method: "GET", path: "/api/Config" },
    { method: "GET", path: "/api/unknown" },
    { method: "GET", path: "/api/unknown/deeper/path" },
    { method: "GET", path: "/api/secrets/abc/def/ghi" },
    { method: "GET", path: "/api/config.rsc" },
    { method: "GET", path: "/api/confi%67" },
    { method: "GET", path: "/api/secrets/%zz/check" },
    { method: "GET", path: "/api/secrets/./config" },
    { method: "GET", path: "/api/secrets/../config" },
    { method: "GET", path: "/api/secrets/abc/check?nxtPid=other" },
    { method: "TRACE", path: "/api/config" },
    { method: "PROPFIND", path: "/api/secrets" },
    { method: "GET", path: "http://elsewhere.example/api/config" },
    // Headers only Next itself may set, and RSC request headers.
    { method: "GET", path: "/api/config", headers: { "x-middleware-rewrite": "/api/health", "x-matched-path": "/api/health" } },
    { method: "GET", path: "/api/config", headers: { "x-nextjs-data": "1", "x-middleware-next": "1" } },
    { method: "GET", path: "/api/config", headers: { rsc: "1" } },
    { method: "GET", path: "/api/config", headers: { "next-router-prefetch": "1" } },
    { method: "GET", path: "/api/config", headers: { "x-forwarded-proto": "https", "x-forwarded-host": "example.com" } },
  ];
}

describe("API_DISPATCH=direct answers as API_DISPATCH=router", () => {
  let direct: NextServer;
  let router: NextServer;
  let list: Exchange[];
  beforeAll(async () => {
    [direct, router, list] = await Promise.all([
      startNextServer({ env: { API_DISPATCH: "direct" } }),
      startNextServer({ env: { API_DISPATCH: "router" } }),
      exchanges(),
    ]);
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([direct?.stop(), router?.stop()]);
  });

  it("gives the same status, headers and body to every request", async () => {
    const differences: string[] = [];
    for (const exchange of list) {
      const [fromDirect, fromRouter] = [normalized(await send(direct.port, exchange)), normalized(await send(router.port, exchange))];
      if (exchange.expect !== undefined) expect([exchange.path, fromDirect.status]).toEqual([exchange.path, exchange.expect]);
      try {
        expect(fromDirect).toEqual(fromRouter);
      } catch {
        differences.push(
          `${exchange.method} ${exchange.path} ${JSON.stringify(exchange.headers ?? {})}\n  direct: ${JSON.stringify(fromDirect)}\n  router: ${JSON.stringify(fromRouter)}`,
        );
      }
    }
    expect(differences.join("\n")).toBe("");
  }, 120_000);

  it("runs each server on the path it was asked for", () => {
    // Without this the comparison could pass with both servers on the router.
    expect(direct.output()).toContain('"apiDispatch":"direct"');
    // …and with the direct server calling the bundled handlers, not their compiled entrypoints.
    expect(direct.output()).toMatch(/"apiRoutesBundled":(?:[1-9]\d)/);
    expect(router.output()).toContain('"apiDispatch":"router"');
  });
});
