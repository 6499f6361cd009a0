/**
 * The production entry point lib/server/start.mjs: it refuses to start on a bad
 * environment (naming the variable), shuts down gracefully on SIGTERM, and serves the
 * OpenAPI description generated from the schemas it validates with.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { freePort } from "../support/free-port";
import { call, eventually } from "./support";

describe("starting", () => {
  it("exits with a message naming the variable when the environment is invalid", async () => {
    const failure = await startNextServer({ env: { MAX_TTL_SECONDS: "a week", AUDIT_IP: "some" } }).then(
      async (started) => {
        await started.stop();
        return new Error("the server started");
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited with code 1/);
    expect(failure.message).toContain(
      "burnlink: invalid configuration: MAX_TTL_SECONDS must be a whole number of seconds (digits only); AUDIT_IP must be masked, full or none",
    );
  }, SERVER_START_TIMEOUT_MS);

  it("exits naming what is missing when CREATE_POLICY=sso has no complete OIDC configuration", async () => {
    const failure = await startNextServer({ env: { CREATE_POLICY: "sso", OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "burnlink" } }).then(
      async (started) => {
        await started.stop();
        return new Error("the server started");
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited with code 1/);
    expect(failure.message).toContain("burnlink: invalid configuration: CREATE_POLICY=sso needs OIDC_CLIENT_SECRET, AUTH_SECRET, PUBLIC_URL");
  }, SERVER_START_TIMEOUT_MS);

  it("starts while the store is down, answering 503 on health and 200 on config", async () => {
    const server = await startNextServer({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    try {
      const health = await call(server.url, "GET", "/api/health");
      expect([health.status, health.body]).toEqual([
        503,
        { error: "store_unavailable", message: "The secret store is unavailable; try again shortly." },
      ]);
      expect((await call(server.url, "GET", "/api/config")).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, SERVER_START_TIMEOUT_MS);
});

describe("a running server", () => {
  let server: NextServer;
  beforeAll(async () => {
    server = await startNextServer({ env: { MAX_SECRET_BYTES: "65536", MIN_TTL_SECONDS: "30", MAX_ALLOWED_IPS: "5" } });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("describes its API as OpenAPI 3.1 generated from the schemas, with the running limits", async () => {
    const answer = await call(server.url, "GET", "/api/openapi.json");
    expect(answer.status).toBe(200);
    const document = answer.body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>>; additionalProperties: unknown; required: string[] }> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual([
      "/api/admin/tokens",
      "/api/admin/tokens/{kid}",
      "/api/auth/callback",
      "/api/auth/login",
      "/api/auth/logout",
      "/api/auth/me",
      "/api/config",
      "/api/health",
      "/api/health/live",
      "/api/health/ready",
      "/api/me/secrets",
      "/api/me/secrets/burn",
      "/api/me/secrets/{id}",
      "/api/metrics",
      "/api/requests",
      "/api/requests/{id}",
      "/api/requests/{id}/check",
      "/api/requests/{id}/collect",
      "/api/requests/{id}/responses",
      "/api/secrets",
      "/api/secrets/{id}",
      "/api/secrets/{id}/check",
      "/api/secrets/{id}/reveal",
    ]);
    // PROTOCOL.md §8: the create call documents its 401 and 403.
    expect(Object.keys((document.paths["/api/secrets"]?.post as { responses: Record<string, unknown> }).responses)).toEqual(
      expect.arrayContaining(["401", "403"]),
    );
    // v1.1 (PROTOCOL.md §6): an optional claim on reveal, and the grace in the config.
    const revealBody = document.components.schemas.RevealSecretRequest;
    expect(revealBody?.required.sort()).toEqual(["access", "unlock"]);
    expect(revealBody?.properties.claim).toMatchObject({ type: "string", minLength: 43, maxLength: 43 });
    const config = document.components.schemas.ServerConfigResponse;
    expect(config?.properties.protocol).toMatchObject({ const: "1.1" });
    expect(config?.properties.revealGraceSeconds).toMatchObject({ type: "integer" });
    const create = document.components.schemas.CreateSecretRequest;
    expect(create?.additionalProperties).toBe(false);
    expect(create?.required.sort()).toEqual(
      ["accessVerifier", "ciphertext", "id", "manageVerifier", "maxViews", "ttlSeconds", "unlockVerifier"].sort(),
    );
    expect(create?.properties.id).toMatchObject({ type: "string", minLength: 22, maxLength: 22 });
    expect(create?.properties.ttlSeconds).toMatchObject({ type: "integer", minimum: 30, maximum: 604800 });
    expect(create?.properties.allowedIps).toMatchObject({ type: "array", minItems: 1, maxItems: 5 });
    expect(JSON.stringify(document)).toContain("1064..65576 bytes");
    const createRequest = document.components.schemas.CreateRequestRequest;
    expect(createRequest?.additionalProperties).toBe(false);
    expect(createRequest?.required.sort()).toEqual(["collectVerifier", "id", "maxResponses", "ttlSeconds", "writeVerifier"]);
    expect(createRequest?.properties.maxResponses).toMatchObject({ type: "integer", minimum: 1, maximum: 10 });
    expect(document.components.schemas.RespondToRequestRequest?.required.sort()).toEqual(["ciphertext", "epk", "write"]);
    expect(document.components.schemas.CollectResponsesRequest?.required).toEqual(["collect"]);
    expect(JSON.stringify(document.paths["/api/requests"])).toContain("1064..4096 bytes");
  });

  it("logs one structured line per request, with the route pattern instead of the path", async () => {
    expect(server.output()).toContain('"msg":"burnlink: listening"');
    expect(server.output()).toContain('"route":"/api/health","status":200');
  });
});

describe("stopping", () => {
  it("finishes a request in flight on SIGTERM, refuses new connections, then exits 0", async () => {
    const server = await startNextServer();
    const url = new URL(server.url);
    const body = JSON.stringify({ access: "A".repeat(43) });
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/api/secrets/AAAAAAAAAAAAAAAAAAAAAA/check",
          // The server answers "100 Continue" once it has the request: then it is in flight.
          headers: { "content-type": "application/json", "content-length": String(body.length), expect: "100-continue" },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on("error", reject);
      request.flushHeaders();
      request.once("continue", () => {
        void (async () => {
          request.write(body.slice(0, 10));
          server.process.kill("SIGTERM");
          await eventually(async () => {
            try {
              await fetch(`${server.url}/api/config`, { signal: AbortSignal.timeout(1000) });
              return false;
            } catch {
              return true;
            }
          });
          request.end(body.slice(10));
        })().catch(reject);
      });
    });

    const answer = await inFlight;
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ error: "not_found" });
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('"msg":"burnlink: shutting down","signal":"SIGTERM"');
  }, SERVER_START_TIMEOUT_MS);
});
