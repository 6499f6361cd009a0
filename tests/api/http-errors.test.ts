/**
 * Every error code of PROTOCOL.md §4, pinned by status AND body, against the real
 * production server (lib/server/start.mjs) on the memory store. Limits are lowered
 * (MAX_SECRET_BYTES=4096) so that "too large" bodies stay small.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { call, makeSecret, rawRequest, zeroBase64url, type TestSecret } from "./support";

const MAX_SECRET_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = MAX_SECRET_BYTES + 40;
const MAX_ALLOWED_IPS = 20;
/** createBodyMaxBytes() in lib/server/http.ts for these limits. */
const CREATE_BODY_MAX_BYTES = Math.ceil((MAX_CIPHERTEXT_BYTES * 4) / 3) + 8192 + MAX_ALLOWED_IPS * 80;
const SMALL_BODY_MAX_BYTES = 4096;

const NOT_FOUND = {
  error: "not_found",
  message: "No secret matches this link. It may never have existed, or its record has expired.",
};
const NO_ENDPOINT = { error: "not_found", message: "There is no such API endpoint." };
const NOT_JSON = { error: "invalid_request", message: "The body is not valid JSON." };
const MEDIA_TYPE = {
  error: "unsupported_media_type",
  message: "Send the body as application/json (optionally with charset=utf-8).",
};
const METHOD = { error: "method_not_allowed", message: "This method is not allowed here." };
const invalid = (message: string) => ({ error: "invalid_request", message });

let server: NextServer;
let base: string;
let secret: TestSecret;
let valid: Record<string, unknown>;
const unknownId = "AAAAAAAAAAAAAAAAAAAAAA";
const someProof = zeroBase64url(32);

beforeAll(async () => {
  server = await startNextServer({ env: { MAX_SECRET_BYTES: String(MAX_SECRET_BYTES) } });
  base = server.url;
  secret = await makeSecret({ maxViews: 5 });
  const created = await call(base, "POST", "/api/secrets", { json: secret.request });
  expect(created.status).toBe(201);
  const fresh = await makeSecret();
  valid = { ...fresh.request };
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
});

describe("400 invalid_request", () => {
  const cases: [string, () => Record<string, unknown> | unknown, { error: string; message: string }][] = [
    ["a missing member", () => ({ ...valid, id: undefined }), invalid("id is required")],
    ["an unknown member", () => ({ ...valid, note: "hi" }), invalid('unknown member "note"')],
    ["a __proto__ member", () => JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`), invalid('unknown member "__proto__"')],
    ["a JSON array instead of an object", () => [valid], invalid("body: Invalid input: expected object, received array")],
    ["JSON null", () => null, invalid("body: Invalid input: expected object, received null")],
    ["an id of 21 characters", () => ({ ...valid, id: "A".repeat(21) }), invalid("id: must be 22 base64url characters")],
    ["a non-canonical id", () => ({ ...valid, id: `${"A".repeat(21)}B` }), invalid("id: must be canonical base64url")],
    ["an id with a padding character", () => ({ ...valid, id: `${"A".repeat(21)}=` }), invalid("id: must be base64url (A-Z a-z 0-9 - _, no padding)")],
    ["an id that is a number", () => ({ ...valid, id: 7 }), invalid("id: Invalid input: expected string, received number")],
    ["a verifier in standard base64", () => ({ ...valid, accessVerifier: `${"+".repeat(42)}A` }), invalid("accessVerifier: must be base64url (A-Z a-z 0-9 - _, no padding)")],
    ["a verifier of 44 characters", () => ({ ...valid, unlockVerifier: "A".repeat(44) }), invalid("unlockVerifier: must be 43 base64url characters")],
    ["a non-canonical verifier", () => ({ ...valid, manageVerifier: `${"A".repeat(42)}B` }), invalid("manageVerifier: must be canonical base64url")],
    ["a ciphertext too short for any padded envelope", () => ({ ...valid, ciphertext: zeroBase64url(1063) }), invalid("ciphertext: is 1063 bytes; a padded envelope encrypts to at least 1064 bytes")],
    ["a ciphertext that is not base64url", () => ({ ...valid, ciphertext: `${zeroBase64url(1200)}!` }), invalid("ciphertext: must be base64url (A-Z a-z 0-9 - _, no padding)")],
    ["a non-canonical ciphertext", () => ({ ...valid, ciphertext: `${zeroBase64url(1200)}AB` }), invalid("ciphertext: must be canonical base64url")],
    ["a ttl under the minimum", () => ({ ...valid, ttlSeconds: 59 }), invalid("ttlSeconds: must be at least 60 seconds")],
    ["a ttl over the maximum", () => ({ ...valid, ttlSeconds: 604801 }), invalid("ttlSeconds: must be at most 604800 seconds")],
    ["a fractional ttl", () => ({ ...valid, ttlSeconds: 60.5 }), invalid("ttlSeconds: must be a whole number of seconds")],
    ["a ttl given as a string", () => ({ ...valid, ttlSeconds: "3600" }), invalid("ttlSeconds: must be a whole number of seconds")],
    ["zero views", () => ({ ...valid, maxViews: 0 }), invalid("maxViews: must be at least 1")],
    ["more views than allowed", () => ({ ...valid, maxViews: 11 }), invalid("maxViews: must be at most 10")],
    ["an empty allowlist", () => ({ ...valid, allowedIps: [] }), invalid("allowedIps: must hold at least one entry when present")],
    ["an allowlist over the limit", () => ({ ...valid, allowedIps: Array.from({ length: 21 }, (_, i) => `10.0.0.${i}`) }), invalid("allowedIps: must hold at most 20 entries")],
    ["an allowlist entry with a space", () => ({ ...valid, allowedIps: ["10.0.0.1 "] }), invalid('allowedIps.0: "10.0.0.1 " is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)')],
    ["an allowlist entry with a zone id", () => ({ ...valid, allowedIps: ["fe80::1%eth0"] }), invalid('allowedIps.0: "fe80::1%eth0" is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)')],
    ["a CIDR with host bits set", () => ({ ...valid, allowedIps: ["10.0.0.0/8", "10.0.0.5/24"] }), invalid('allowedIps.1: "10.0.0.5/24" has host bits set after the prefix; did you mean 10.0.0.0/24?')],
    ["a prefix length over 32 for IPv4", () => ({ ...valid, allowedIps: ["10.0.0.0/33"] }), invalid('allowedIps.0: "10.0.0.0/33" has a prefix length outside 0..32')],
  ];

  it.each(cases)("create refuses %s", async (_name, body, expected) => {
    const answer = await call(base, "POST", "/api/secrets", { json: body() });
    expect([answer.status, answer.body]).toEqual([400, expected]);
  });

  it.each([
    ["an empty body", ""],
    ["a truncated object", '{"id":'],
    ["JSON with a trailing comma", '{"access":"x",}'],
  ])("refuses %s as not JSON", async (_name, raw) => {
    const answer = await call(base, "POST", "/api/secrets", { raw, headers: { "content-type": "application/json" } });
    expect([answer.status, answer.body]).toEqual([400, NOT_JSON]);
  });

  it("refuses a body that is not valid UTF-8", async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const answer = await call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
      raw,
      headers: { "content-type": "application/json" },
    });
    expect([answer.status, answer.body]).toEqual([400, invalid("The body is not valid UTF-8.")]);
  });

  it.each([
    ["check without access", "check", {}, invalid("access is required")],
    ["check with an extra member", "check", { access: someProof, unlock: someProof }, invalid('unknown member "unlock"')],
    ["check with a short proof", "check", { access: "A".repeat(42) }, invalid("access: must be 43 base64url characters")],
    ["reveal without unlock", "reveal", { access: someProof }, invalid("unlock is required")],
    ["reveal with a non-canonical proof", "reveal", { access: someProof, unlock: `${"A".repeat(42)}B` }, invalid("unlock: must be canonical base64url")],
    ["reveal with a short claim", "reveal", { access: someProof, unlock: someProof, claim: "A".repeat(42) }, invalid("claim: must be 43 base64url characters")],
    ["reveal with a long claim", "reveal", { access: someProof, unlock: someProof, claim: "A".repeat(44) }, invalid("claim: must be 43 base64url characters")],
    ["reveal with a claim that is not base64url", "reveal", { access: someProof, unlock: someProof, claim: `${"A".repeat(42)}=` }, invalid("claim: must be base64url (A-Z a-z 0-9 - _, no padding)")],
    ["reveal with a non-canonical claim", "reveal", { access: someProof, unlock: someProof, claim: `${"A".repeat(42)}B` }, invalid("claim: must be canonical base64url")],
    ["reveal with a claim that is not a string", "reveal", { access: someProof, unlock: someProof, claim: 7 }, invalid("claim: Invalid input: expected string, received number")],
    ["reveal with a null claim", "reveal", { access: someProof, unlock: someProof, claim: null }, invalid("claim: Invalid input: expected string, received null")],
    ["check with a claim", "check", { access: someProof, claim: someProof }, invalid('unknown member "claim"')],
  ])("refuses %s", async (_name, action, body, expected) => {
    const answer = await call(base, "POST", `/api/secrets/${secret.request.id}/${action}`, { json: body });
    expect([answer.status, answer.body]).toEqual([400, expected]);
  });

  it("lets the last of repeated member names win, as JSON.parse does", async () => {
    const { access } = accessProof(secret.sealed.linkKey);
    const raw = `{"access":"not-a-proof","access":"${access}"}`;
    const answer = await call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
      raw,
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(200);
  });
});

describe("409 id_taken", () => {
  it("refuses a second secret with an id that is stored", async () => {
    const answer = await call(base, "POST", "/api/secrets", { json: secret.request });
    expect([answer.status, answer.body]).toEqual([409, { error: "id_taken", message: "A secret with this id already exists." }]);
  });

  it("keeps refusing the id after the secret was viewed, so a consumed link cannot be re-armed", async () => {
    const once = await makeSecret({ maxViews: 1 });
    expect((await call(base, "POST", "/api/secrets", { json: once.request })).status).toBe(201);
    const proofs = await revealProofs(once.sealed.linkKey);
    expect((await call(base, "POST", `/api/secrets/${once.request.id}/reveal`, { json: { access: proofs.access, unlock: proofs.unlock } })).status).toBe(200);
    const again = await call(base, "POST", "/api/secrets", { json: once.request });
    expect(again.status).toBe(409);
  });
});

describe("413 too_large", () => {
  const bodyCap = { error: "too_large", message: `The body exceeds ${CREATE_BODY_MAX_BYTES} bytes.` };

  it("refuses a ciphertext one byte over maxCiphertextBytes even though the body fits", async () => {
    const answer = await call(base, "POST", "/api/secrets", {
      json: { ...valid, ciphertext: zeroBase64url(MAX_CIPHERTEXT_BYTES + 1) },
    });
    expect([answer.status, answer.body]).toEqual([
      413,
      { error: "too_large", message: `ciphertext: is ${MAX_CIPHERTEXT_BYTES + 1} bytes; the limit is ${MAX_CIPHERTEXT_BYTES} bytes` },
    ]);
  });

  it("accepts a ciphertext of exactly maxCiphertextBytes", async () => {
    const fresh = await makeSecret();
    const answer = await call(base, "POST", "/api/secrets", {
      json: { ...fresh.request, ciphertext: zeroBase64url(MAX_CIPHERTEXT_BYTES) },
    });
    expect(answer.status).toBe(201);
  });

  it("refuses a body over the cap with a Content-Length", async () => {
    const answer = await call(base, "POST", "/api/secrets", {
      raw: `"${"x".repeat(CREATE_BODY_MAX_BYTES)}"`,
      headers: { "content-type": "application/json" },
    });
    expect([answer.status, answer.body]).toEqual([413, bodyCap]);
  });

  it("answers from the Content-Length alone, before the body arrives", async () => {
    const answer = await rawRequest(base, {
      method: "POST",
      path: "/api/secrets",
      headers: { "content-type": "application/json", "content-length": String(50 * 1024 * 1024) },
      chunks: ['{"id":"'],
      endBody: false,
    });
    expect([answer.status, answer.body]).toEqual([413, bodyCap]);
  });

  it("counts the bytes of a chunked body that has no Content-Length", async () => {
    const chunk = "x".repeat(4096);
    const answer = await rawRequest(base, {
      method: "POST",
      path: "/api/secrets",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: ['"', ...Array.from({ length: Math.ceil(CREATE_BODY_MAX_BYTES / chunk.length) + 1 }, () => chunk), '"'],
    });
    expect([answer.status, answer.body]).toEqual([413, bodyCap]);
  });

  it("caps check and reveal bodies far lower", async () => {
    const answer = await rawRequest(base, {
      method: "POST",
      path: `/api/secrets/${secret.request.id}/reveal`,
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: [`{"access":"${"A".repeat(SMALL_BODY_MAX_BYTES)}"}`],
    });
    expect([answer.status, answer.body]).toEqual([
      413,
      { error: "too_large", message: `The body exceeds ${SMALL_BODY_MAX_BYTES} bytes.` },
    ]);
  });
});

describe("415 unsupported_media_type", () => {
  it.each([
    ["no Content-Type", undefined],
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["JSON in another charset", "application/json; charset=latin1"],
    ["JSON with an unknown parameter", "application/json; version=2"],
    ["a JSON-like type", "application/json-patch+json"],
  ])("refuses %s", async (_name, contentType) => {
    const answer = await call(base, "POST", "/api/secrets", {
      raw: JSON.stringify(valid),
      headers: contentType === undefined ? {} : { "content-type": contentType },
    });
    expect([answer.status, answer.body]).toEqual([415, MEDIA_TYPE]);
  });

  it.each(["application/json", "Application/JSON; Charset=UTF-8", 'application/json;charset="utf-8"', "application/json; charset=utf-8"])(
    "accepts %j",
    async (contentType) => {
      const { access } = accessProof(secret.sealed.linkKey);
      const answer = await call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
        raw: JSON.stringify({ access }),
        headers: { "content-type": contentType },
      });
      expect(answer.status).toBe(200);
    },
  );
});

describe("404 not_found", () => {
  it("answers check and reveal for an unknown id", async () => {
    for (const action of ["check", "reveal"]) {
      const answer = await call(base, "POST", `/api/secrets/${unknownId}/${action}`, {
        json: action === "check" ? { access: someProof } : { access: someProof, unlock: someProof },
      });
      expect([answer.status, answer.body]).toEqual([404, NOT_FOUND]);
    }
  });

  it("answers a wrong access proof exactly like an unknown id, and counts nothing", async () => {
    const fresh = await makeSecret({ passphrase: "pw" });
    expect((await call(base, "POST", "/api/secrets", { json: fresh.request })).status).toBe(201);
    const check = await call(base, "POST", `/api/secrets/${fresh.request.id}/check`, { json: { access: someProof } });
    const reveal = await call(base, "POST", `/api/secrets/${fresh.request.id}/reveal`, {
      json: { access: someProof, unlock: someProof },
    });
    expect([check.status, check.body, reveal.status, reveal.body]).toEqual([404, NOT_FOUND, 404, NOT_FOUND]);
    const status = await call(base, "GET", `/api/secrets/${fresh.request.id}`, {
      headers: { authorization: `Bearer ${manageToken(fresh.sealed.manageKey)}` },
    });
    expect(status.body).toMatchObject({ failedAttempts: 0, viewsLeft: 1, state: "active" });
  });

  it.each([
    ["21 characters", "A".repeat(21)],
    ["23 characters", "A".repeat(23)],
    ["a non-canonical id", `${"A".repeat(21)}B`],
    ["an escaped plus sign", `${"A".repeat(20)}%2BA`],
    ["a dot", `${"A".repeat(21)}.`],
  ])("answers a path id of %s like an unknown id", async (_name, id) => {
    for (const [method, path, json] of [
      ["POST", `/api/secrets/${id}/check`, { access: someProof }],
      ["POST", `/api/secrets/${id}/reveal`, { access: someProof, unlock: someProof }],
      ["GET", `/api/secrets/${id}`, undefined],
      ["DELETE", `/api/secrets/${id}`, undefined],
    ] as const) {
      const answer = await call(base, method, path, {
        ...(json === undefined ? {} : { json }),
        headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
      });
      expect([method, path, answer.status, answer.body]).toEqual([method, path, 404, NOT_FOUND]);
    }
  });

  it.each([
    ["no Authorization header", undefined],
    ["a Basic scheme", `Basic ${Buffer.from("a:b").toString("base64")}`],
    ["an empty bearer token", "Bearer "],
    ["a token of 42 characters", `Bearer ${"A".repeat(42)}`],
    ["a non-canonical token", `Bearer ${"A".repeat(42)}B`],
    ["the access proof instead of the manage token", "ACCESS"],
    ["a well-formed wrong token", `Bearer ${someProof}`],
  ])("answers status and burn with %s like an unknown id", async (_name, authorization) => {
    const value = authorization === "ACCESS" ? `Bearer ${accessProof(secret.sealed.linkKey).access}` : authorization;
    for (const method of ["GET", "DELETE"]) {
      const answer = await call(base, method, `/api/secrets/${secret.request.id}`, {
        headers: value === undefined ? {} : { authorization: value },
      });
      expect([method, answer.status, answer.body]).toEqual([method, 404, NOT_FOUND]);
    }
    const check = await call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
      json: { access: accessProof(secret.sealed.linkKey).access },
    });
    expect(check.status).toBe(200);
  });

  it("answers a path with broken percent-encoding like an unknown id", async () => {
    const answer = await rawRequest(base, { method: "GET", path: "/api/secrets/%zz", headers: {}, chunks: [] });
    expect([answer.status, answer.body]).toEqual([404, NOT_FOUND]);
  });

  it("keeps no-store on the redirect Next makes for a trailing slash", async () => {
    const answer = await rawRequest(base, { method: "GET", path: "/api/config/", headers: {}, chunks: [] });
    expect([answer.status, answer.headers.get("location")]).toEqual([308, "/api/config"]);
  });

  it.each([
    ["GET", "/api"],
    ["GET", "/api/nope"],
    ["POST", "/api/secret"],
    ["GET", `/api/secrets/${unknownId}/check/more`],
    ["DELETE", "/api/secrets/a/b/c"],
  ])("answers %s %s, an unknown API path, with JSON", async (method, path) => {
    const answer = await call(base, method, path);
    expect([answer.status, answer.body]).toEqual([404, NO_ENDPOINT]);
  });
});

describe("405 method_not_allowed", () => {
  const id = "AAAAAAAAAAAAAAAAAAAAAA";
  it.each([
    ["GET", "/api/secrets", "POST, OPTIONS"],
    ["PUT", "/api/secrets", "POST, OPTIONS"],
    ["DELETE", "/api/secrets", "POST, OPTIONS"],
    ["GET", `/api/secrets/${id}/check`, "POST, OPTIONS"],
    ["PATCH", `/api/secrets/${id}/reveal`, "POST, OPTIONS"],
    ["POST", `/api/secrets/${id}`, "GET, DELETE, HEAD, OPTIONS"],
    ["PUT", `/api/secrets/${id}`, "GET, DELETE, HEAD, OPTIONS"],
    ["POST", "/api/config", "GET, HEAD, OPTIONS"],
    ["DELETE", "/api/health", "GET, HEAD, OPTIONS"],
    ["DELETE", "/api/health/live", "GET, HEAD, OPTIONS"],
    ["PUT", "/api/health/ready", "GET, HEAD, OPTIONS"],
    ["POST", "/api/metrics", "GET, HEAD, OPTIONS"],
    ["PUT", "/api/openapi.json", "GET, HEAD, OPTIONS"],
    ["DELETE", "/api/me/secrets", "GET, HEAD, OPTIONS"],
    ["GET", `/api/me/secrets/${id}`, "DELETE, OPTIONS"],
    ["GET", "/api/me/secrets/burn", "POST, OPTIONS"],
    ["DELETE", "/api/me/secrets/burn", "POST, OPTIONS"],
  ])("answers %s %s with Allow: %s", async (method, path, allow) => {
    const answer = await call(base, method, path);
    expect([answer.status, answer.body, answer.headers.get("allow")]).toEqual([405, METHOD, allow]);
  });

  it.each(["TRACE", "PROPFIND"])("answers %s, a method Next cannot route, with the route's 405", async (method) => {
    const answer = await rawRequest(base, { method, path: `/api/secrets/${id}`, headers: {}, chunks: [] });
    expect([answer.status, answer.body, answer.headers.get("allow")]).toEqual([405, METHOD, "GET, DELETE, HEAD, OPTIONS"]);
  });

  it("answers OPTIONS with 204 and the same Allow", async () => {
    const answer = await call(base, "OPTIONS", "/api/secrets");
    expect([answer.status, answer.headers.get("allow")]).toEqual([204, "POST, OPTIONS"]);
  });
});

describe("401 auth_required", () => {
  const id = "AAAAAAAAAAAAAAAAAAAAAA";
  it.each([
    ["GET", "/api/me/secrets"],
    ["DELETE", `/api/me/secrets/${id}`],
    ["POST", "/api/me/secrets/burn"],
  ])("answers %s %s without a session or token (issue 13 §5)", async (method, path) => {
    const answer = await call(base, method, path);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: "auth_required", message: "Sign in (or send an API token) to see and burn the secrets you created." });
    expect(answer.headers.get("www-authenticate")).toBe("Bearer");
  });
});
