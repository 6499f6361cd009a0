// Calls one bundled /api route handler (lib/server/api-handler-bundle.cjs) for a Node
// request: a Web `Request` in, the handler's `Response` written to the Node answer, as
// Next's app-route runtime would do it, minus that runtime's per-request work.
//
// What it keeps of Next (next/dist/server/send-response.js and the app-route template):
// - the handler gets a `Request` with the request's method, headers (after api-dispatch.mjs
//   has dropped Next's internal ones and filled in x-forwarded-*) and body, at
//   `<proto>://localhost<path>` (Next's URL when it does not trust the Host header; the
//   routes read only the query), and `{ params: Promise<…> }` decoded from the path;
// - status, status text and headers copied with Next's rules: content-length,
//   content-encoding and transfer-encoding dropped (the body is re-framed here),
//   set-cookie one header per cookie, vary/www-authenticate/proxy-authenticate appended,
//   any other header set only when not already on the answer;
// - no body for HEAD.
// What it does not copy: the chunked framing. The answer is whole in memory (the handlers
// answer small JSON), so Node sends it with its Content-Length.
// Plain JavaScript: start.mjs loads it before anything is compiled.
import { Readable } from "node:stream";

/** At or under this Content-Length the body is read before the handler runs: every route accepts this much. */
const READ_AHEAD_MAX_BYTES = 4096;

/** A route pathname's parameter names and kinds, e.g. `/api/secrets/[id]/check` → id at 3. */
export function paramsPattern(routePathname) {
  return routePathname
    .split("/")
    .map((segment, index) => {
      const catchAll = /^\[\[?\.\.\.([^\]]+)\]\]?$/.exec(segment);
      if (catchAll) return { name: catchAll[1], index, rest: true };
      const single = /^\[([^\]]+)\]$/.exec(segment);
      return single ? { name: single[1], index, rest: false } : undefined;
    })
    .filter(Boolean);
}

/**
 * The params Next gives a handler for `pathname` on a route of `pattern`. The direct path
 * only takes paths without percent-encoding (api-dispatch.mjs isPlainApiPath), so each
 * segment is its own decoded value.
 */
export function paramsOf(pattern, pathname) {
  const segments = pathname.split("/");
  const params = {};
  for (const param of pattern) params[param.name] = param.rest ? segments.slice(param.index) : segments[param.index];
  return params;
}

function requestHeaders(req) {
  const headers = new Headers();
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  return headers;
}

/** The whole body, when it is declared small (see READ_AHEAD_MAX_BYTES); null when the client left first. */
function readSmallBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on("data", (chunk) => parts.push(chunk));
    req.once("end", () => resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
    // A client gone mid-body is not a server error: there is nobody to answer.
    req.once("close", () => {
      if (!req.complete) resolve(null);
    });
  });
}

async function requestBody(req) {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const declared = req.headers["content-length"];
  if (declared !== undefined && req.headers["transfer-encoding"] === undefined && /^\d{1,4}$/.test(declared) && Number(declared) <= READ_AHEAD_MAX_BYTES) {
    return readSmallBody(req);
  }
  // Anything else streams, so the handler's own cap refuses it before it is all read.
  return Readable.toWeb(req);
}

const DROPPED_HEADERS = new Set(["content-length", "content-encoding", "transfer-encoding", "x-middleware-set-cookie"]);
const MULTIPLE_ALLOWED = new Set(["vary", "www-authenticate", "proxy-authenticate"]);

function copyHeaders(response, res) {
  response.headers.forEach((value, name) => {
    if (DROPPED_HEADERS.has(name) || name === "set-cookie") return;
    if (MULTIPLE_ALLOWED.has(name) || res.getHeader(name) === undefined) res.appendHeader(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) res.appendHeader("set-cookie", cookie);
}

/**
 * Runs `handler` (a route module's export for req.method) for req and writes its answer to
 * res. `isHttps` decides the URL's scheme, as x-forwarded-proto does for Next.
 */
export async function answerWithHandler(handler, pattern, pathname, req, res, isHttps) {
  const body = await requestBody(req);
  if (body === null) {
    res.destroy();
    return;
  }
  const request = new Request(`${isHttps ? "https" : "http"}://localhost${req.url}`, {
    method: req.method,
    headers: requestHeaders(req),
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  });
  const response = await handler(request, { params: Promise.resolve(paramsOf(pattern, pathname)) });
  res.statusCode = response.status;
  res.statusMessage = response.statusText;
  copyHeaders(response, res);
  if (response.body === null || req.method === "HEAD") {
    res.end();
    return;
  }
  res.end(Buffer.from(await response.arrayBuffer()));
}
