/**
 * The fetch client's failure handling, against small real HTTP servers that answer the way
 * a broken deployment would (a proxy's HTML page, a dropped connection) — the happy paths
 * and protocol errors are covered against the real Burnlink server in http-flows.test.ts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, createApiClient } from "@/lib/api/client";
import { freePort } from "../support/free-port";

let server: http.Server;
let base: string;
const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === "/api/health") {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html>Bad Gateway</html>");
      } else if (req.url === "/api/config") {
        res.writeHead(429, { "retry-after": "30" });
        res.end();
      } else if (req.url?.endsWith("/check")) {
        res.writeHead(410, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "gone", message: "viewed", reason: "viewed", at: "2026-01-01T00:00:00.000Z" }));
      } else if (req.url?.endsWith("/reveal")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{not json");
      } else {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => new Error("expected a failure"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("createApiClient", () => {
  it("turns an error body of ours into code, status and body", async () => {
    const error = await failure(createApiClient(base).checkSecret("AAAAAAAAAAAAAAAAAAAAAA", "x"));
    expect([error.status, error.code, error.message, error.body?.reason]).toEqual([410, "gone", "viewed", "viewed"]);
    const request = seen.at(-1);
    expect([request?.method, request?.url, request?.headers["content-type"], request?.body]).toEqual([
      "POST",
      "/api/secrets/AAAAAAAAAAAAAAAAAAAAAA/check",
      "application/json",
      '{"access":"x"}',
    ]);
  });

  it("guesses the code from the status when a proxy answers instead of Burnlink", async () => {
    const api = createApiClient(base);
    const gateway = await failure(api.health());
    expect([gateway.status, gateway.code, gateway.body]).toEqual([502, "internal_error", undefined]);
    const limited = await failure(api.config());
    expect([limited.status, limited.code]).toEqual([429, "rate_limited"]);
  });

  it("refuses a success answer that is not JSON", async () => {
    const error = await failure(createApiClient(base).revealSecret("AAAAAAAAAAAAAAAAAAAAAA", "a", "u"));
    expect([error.status, error.code]).toEqual([200, "internal_error"]);
  });

  it("sends a reveal without a claim exactly as v1 did, and with one adds only the claim member", async () => {
    const client = createApiClient(base);
    await failure(client.revealSecret("AAAAAAAAAAAAAAAAAAAAAA", "a", "u"));
    expect(JSON.parse(seen.at(-1)?.body ?? "")).toEqual({ access: "a", unlock: "u" });
    expect(seen.at(-1)?.body).toBe('{"access":"a","unlock":"u"}');
    await failure(client.revealSecret("AAAAAAAAAAAAAAAAAAAAAA", "a", "u", "c"));
    expect(JSON.parse(seen.at(-1)?.body ?? "")).toEqual({ access: "a", unlock: "u", claim: "c" });
  });

  it("reports a dropped connection and a closed port as network_error with status 0", async () => {
    const dropped = await failure(createApiClient(base).burnSecret("AAAAAAAAAAAAAAAAAAAAAA", "token"));
    expect([dropped.status, dropped.code]).toEqual([0, "network_error"]);
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer token");

    const closed = await failure(createApiClient(`http://127.0.0.1:${await freePort()}`).health());
    expect([closed.status, closed.code]).toEqual([0, "network_error"]);
    expect(closed.message).toContain("ECONNREFUSED");
  });
});
