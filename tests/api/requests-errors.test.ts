/**
 * Every error of the request calls (PROTOCOL.md §7, with the §4 error model), pinned by
 * status AND body, against the real production server on the memory store. Limits are
 * lowered (MAX_SECRET_BYTES=4096, MAX_LABEL_BYTES=2048, MAX_REQUEST_RESPONSES=3) so that
 * "too large" bodies stay small; a second server with rate limits on pins the 429s.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectLinkProofs,
  collectToken,
  requestLinkProofs,
  sealRequest,
  sealResponse,
  type SealedRequest,
} from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { call, eventually, rawRequest, zeroBase64url } from "./support";

const MAX_SECRET_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = MAX_SECRET_BYTES + 40;
const MAX_LABEL_BYTES = 2048;
/** createRequestBodyMaxBytes() and respondBodyMaxBytes() in lib/server/http.ts. */
const CREATE_BODY_MAX_BYTES = Math.ceil((MAX_LABEL_BYTES * 4) / 3) + 4096;
const RESPOND_BODY_MAX_BYTES = Math.ceil((MAX_CIPHERTEXT_BYTES * 4) / 3) + 4096;
const SMALL_BODY_MAX_BYTES = 4096;

const NOT_FOUND = {
  error: "not_found",
  message: "No request matches this link. It may never have existed, or its record has expired.",
};
const MEDIA_TYPE = {
  error: "unsupported_media_type",
  message: "Send the body as application/json (optionally with charset=utf-8).",
};
const METHOD = { error: "method_not_allowed", message: "This method is not allowed here." };
const invalid = (message: string) => ({ error: "invalid_request", message });
const unknownId = "AAAAAAAAAAAAAAAAAAAAAA";
const someProof = zeroBase64url(32);

interface Made {
  sealed: SealedRequest;
  id: string;
  write: string;
  collect: string;
}

function createBody(
  sealed: SealedRequest,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: sealed.id,
    writeVerifier: sealed.writeVerifier,
    collectVerifier: sealed.collectVerifier,
    ...(sealed.label === undefined ? {} : { label: sealed.label }),
    ttlSeconds: 3600,
    maxResponses: 3,
    ...overrides,
  };
}

let server: NextServer;
let base: string;
let open: Made;
let validCreate: Record<string, unknown>;
let validRespond: Record<string, unknown>;

async function made(
  base: string,
  overrides: Record<string, unknown> = {},
  label = "instructions",
): Promise<Made> {
  const sealed = sealRequest({ label });
  const answer = await call(base, "POST", "/api/requests", { json: createBody(sealed, overrides) });
  expect(answer.status).toBe(201);
  return {
    sealed,
    id: sealed.id,
    write: requestLinkProofs(sealed.publicKey).write,
    collect: collectLinkProofs(sealed.collectKey).collect,
  };
}

function answerBody(target: Made, text = "answer"): Record<string, unknown> {
  const sealed = sealResponse({ text }, target.sealed.publicKey);
  return { write: target.write, epk: sealed.epk, ciphertext: sealed.ciphertext };
}

beforeAll(async () => {
  server = await startNextServer({
    env: {
      MAX_SECRET_BYTES: String(MAX_SECRET_BYTES),
      MAX_LABEL_BYTES: String(MAX_LABEL_BYTES),
      MAX_REQUEST_RESPONSES: "3",
      MIN_TTL_SECONDS: "1",
    },
  });
  base = server.url;
  open = await made(base);
  validCreate = createBody(sealRequest({ label: "x" }));
  validRespond = answerBody(open);
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
});

describe("400 invalid_request", () => {
  const createCases: [string, () => unknown, { error: string; message: string }][] = [
    ["a missing id", () => ({ ...validCreate, id: undefined }), invalid("id is required")],
    [
      "an unknown member",
      () => ({ ...validCreate, pk: someProof }),
      invalid('unknown member "pk"'),
    ],
    [
      "a non-canonical id",
      () => ({ ...validCreate, id: `${"A".repeat(21)}B` }),
      invalid("id: must be canonical base64url"),
    ],
    [
      "a write verifier of 42 characters",
      () => ({ ...validCreate, writeVerifier: "A".repeat(42) }),
      invalid("writeVerifier: must be 43 base64url characters"),
    ],
    [
      "a collect verifier in standard base64",
      () => ({ ...validCreate, collectVerifier: `${"+".repeat(42)}A` }),
      invalid("collectVerifier: must be base64url (A-Z a-z 0-9 - _, no padding)"),
    ],
    [
      "a label too short for any padded envelope",
      () => ({ ...validCreate, label: zeroBase64url(1063) }),
      invalid("label: is 1063 bytes; a padded envelope encrypts to at least 1064 bytes"),
    ],
    [
      "a label that is not base64url",
      () => ({ ...validCreate, label: `${zeroBase64url(1100)}!` }),
      invalid("label: must be base64url (A-Z a-z 0-9 - _, no padding)"),
    ],
    [
      "a null label",
      () => ({ ...validCreate, label: null }),
      invalid("label: Invalid input: expected string, received null"),
    ],
    [
      "a ttl under the minimum",
      () => ({ ...validCreate, ttlSeconds: 0 }),
      invalid("ttlSeconds: must be at least 1 seconds"),
    ],
    [
      "a ttl over the maximum",
      () => ({ ...validCreate, ttlSeconds: 604801 }),
      invalid("ttlSeconds: must be at most 604800 seconds"),
    ],
    [
      "zero responses",
      () => ({ ...validCreate, maxResponses: 0 }),
      invalid("maxResponses: must be at least 1"),
    ],
    [
      "more responses than allowed",
      () => ({ ...validCreate, maxResponses: 4 }),
      invalid("maxResponses: must be at most 3"),
    ],
    [
      "a fractional response count",
      () => ({ ...validCreate, maxResponses: 1.5 }),
      invalid("maxResponses: must be a whole number"),
    ],
    [
      "a JSON array",
      () => [validCreate],
      invalid("body: Invalid input: expected object, received array"),
    ],
  ];

  it.each(createCases)("create refuses %s", async (_name, body, expected) => {
    const answer = await call(base, "POST", "/api/requests", { json: body() });
    expect([answer.status, answer.body]).toEqual([400, expected]);
  });

  const callCases: [string, string, () => unknown, { error: string; message: string }][] = [
    ["check without write", "check", () => ({}), invalid("write is required")],
    [
      "check with an extra member",
      "check",
      () => ({ write: open.write, collect: open.collect }),
      invalid('unknown member "collect"'),
    ],
    [
      "check with a non-canonical proof",
      "check",
      () => ({ write: `${"A".repeat(42)}B` }),
      invalid("write: must be canonical base64url"),
    ],
    [
      "an answer without epk",
      "responses",
      () => ({ ...validRespond, epk: undefined }),
      invalid("epk is required"),
    ],
    [
      "an answer with an epk of 42 characters",
      "responses",
      () => ({ ...validRespond, epk: "A".repeat(42) }),
      invalid("epk: must be 43 base64url characters"),
    ],
    [
      "an answer too short for any padded envelope",
      "responses",
      () => ({ ...validRespond, ciphertext: zeroBase64url(1063) }),
      invalid("ciphertext: is 1063 bytes; a padded envelope encrypts to at least 1064 bytes"),
    ],
    [
      "an answer with an unknown member",
      "responses",
      () => ({ ...validRespond, n: 1 }),
      invalid('unknown member "n"'),
    ],
    [
      "a collect without collect",
      "collect",
      () => ({ claim: someProof }),
      invalid("collect is required"),
    ],
    [
      "a collect with a claim of 42 characters",
      "collect",
      () => ({ collect: open.collect, claim: "A".repeat(42) }),
      invalid("claim: must be 43 base64url characters"),
    ],
    [
      "a collect with the write proof as an extra member",
      "collect",
      () => ({ collect: open.collect, write: open.write }),
      invalid('unknown member "write"'),
    ],
  ];

  it.each(callCases)("refuses %s", async (_name, action, body, expected) => {
    const answer = await call(base, "POST", `/api/requests/${open.id}/${action}`, { json: body() });
    expect([answer.status, answer.body]).toEqual([400, expected]);
  });

  it("refuses a body that is not JSON on every request call", async () => {
    for (const path of [
      "/api/requests",
      ...["check", "responses", "collect"].map((a) => `/api/requests/${open.id}/${a}`),
    ]) {
      const answer = await call(base, "POST", path, {
        raw: '{"write":',
        headers: { "content-type": "application/json" },
      });
      expect([path, answer.status, answer.body]).toEqual([
        path,
        400,
        invalid("The body is not valid JSON."),
      ]);
    }
  });

  it("refused answers stored nothing", async () => {
    const status = await call(base, "GET", `/api/requests/${open.id}`, {
      headers: { authorization: `Bearer ${open.collect}` },
    });
    expect(status.body).toMatchObject({ pending: 0, responsesLeft: 3 });
  });
});

describe("409 id_taken", () => {
  it("refuses a second request with a rid that is stored", async () => {
    const answer = await call(base, "POST", "/api/requests", { json: createBody(open.sealed) });
    expect([answer.status, answer.body]).toEqual([
      409,
      { error: "id_taken", message: "A request with this id already exists." },
    ]);
  });

  it("keeps refusing the rid after a revoke, so a withdrawn request cannot be re-armed", async () => {
    const target = await made(base);
    expect(
      (
        await call(base, "DELETE", `/api/requests/${target.id}`, {
          headers: { authorization: `Bearer ${target.collect}` },
        })
      ).status,
    ).toBe(204);
    expect(
      (await call(base, "POST", "/api/requests", { json: createBody(target.sealed) })).status,
    ).toBe(409);
  });
});

describe("413 too_large", () => {
  it("refuses a label one byte over maxLabelBytes, and accepts one of exactly maxLabelBytes", async () => {
    const over = await call(base, "POST", "/api/requests", {
      json: { ...validCreate, label: zeroBase64url(MAX_LABEL_BYTES + 1) },
    });
    expect([over.status, over.body]).toEqual([
      413,
      {
        error: "too_large",
        message: `label: is ${MAX_LABEL_BYTES + 1} bytes; the limit is ${MAX_LABEL_BYTES} bytes`,
      },
    ]);
    const exact = await call(base, "POST", "/api/requests", {
      json: createBody(sealRequest(), { label: zeroBase64url(MAX_LABEL_BYTES) }),
    });
    expect(exact.status).toBe(201);
  });

  it("refuses an answer one byte over maxCiphertextBytes", async () => {
    const answer = await call(base, "POST", `/api/requests/${open.id}/responses`, {
      json: { ...validRespond, ciphertext: zeroBase64url(MAX_CIPHERTEXT_BYTES + 1) },
    });
    expect([answer.status, answer.body]).toEqual([
      413,
      {
        error: "too_large",
        message: `ciphertext: is ${MAX_CIPHERTEXT_BYTES + 1} bytes; the limit is ${MAX_CIPHERTEXT_BYTES} bytes`,
      },
    ]);
  });

  it.each([
    ["create", "/api/requests", CREATE_BODY_MAX_BYTES],
    ["respond", `/api/requests/${unknownId}/responses`, RESPOND_BODY_MAX_BYTES],
    ["check", `/api/requests/${unknownId}/check`, SMALL_BODY_MAX_BYTES],
    ["collect", `/api/requests/${unknownId}/collect`, SMALL_BODY_MAX_BYTES],
  ])("caps the %s body while reading it, without a Content-Length", async (_name, path, cap) => {
    const chunk = "x".repeat(4096);
    const answer = await rawRequest(base, {
      method: "POST",
      path,
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: ['"', ...Array.from({ length: Math.ceil(cap / chunk.length) + 1 }, () => chunk), '"'],
    });
    expect([answer.status, answer.body]).toEqual([
      413,
      { error: "too_large", message: `The body exceeds ${cap} bytes.` },
    ]);
  });
});

describe("415 unsupported_media_type", () => {
  it.each([
    ["/api/requests", () => validCreate],
    [`/api/requests/${unknownId}/check`, () => ({ write: someProof })],
    [`/api/requests/${unknownId}/responses`, () => validRespond],
    [`/api/requests/${unknownId}/collect`, () => ({ collect: someProof })],
  ])("refuses a text/plain body on %s", async (path, body) => {
    const answer = await call(base, "POST", path, {
      raw: JSON.stringify(body()),
      headers: { "content-type": "text/plain" },
    });
    expect([answer.status, answer.body]).toEqual([415, MEDIA_TYPE]);
  });
});

describe("404 not_found", () => {
  it("answers an unknown rid on every call alike", async () => {
    const auth = { headers: { authorization: `Bearer ${someProof}` } };
    const answers = [
      await call(base, "POST", `/api/requests/${unknownId}/check`, { json: { write: someProof } }),
      await call(base, "POST", `/api/requests/${unknownId}/responses`, {
        json: { ...validRespond, write: someProof },
      }),
      await call(base, "POST", `/api/requests/${unknownId}/collect`, {
        json: { collect: someProof },
      }),
      await call(base, "GET", `/api/requests/${unknownId}`, auth),
      await call(base, "DELETE", `/api/requests/${unknownId}`, auth),
    ];
    expect(answers.map((a) => [a.status, a.body])).toEqual(
      Array.from({ length: 5 }, () => [404, NOT_FOUND]),
    );
  });

  it("answers a wrong write proof, and the collect proof used as one, like an unknown rid, storing nothing", async () => {
    const target = await made(base);
    for (const write of [someProof, target.collect]) {
      const check = await call(base, "POST", `/api/requests/${target.id}/check`, {
        json: { write },
      });
      const respond = await call(base, "POST", `/api/requests/${target.id}/responses`, {
        json: { ...answerBody(target), write },
      });
      expect([check.status, check.body, respond.status, respond.body]).toEqual([
        404,
        NOT_FOUND,
        404,
        NOT_FOUND,
      ]);
    }
    const status = await call(base, "GET", `/api/requests/${target.id}`, {
      headers: { authorization: `Bearer ${target.collect}` },
    });
    expect(status.body).toMatchObject({ pending: 0, responsesLeft: 3 });
  });

  it("answers a wrong collect proof, and the write proof used as one, like an unknown rid, delivering nothing", async () => {
    const target = await made(base);
    await call(base, "POST", `/api/requests/${target.id}/responses`, { json: answerBody(target) });
    for (const collect of [someProof, target.write]) {
      const answer = await call(base, "POST", `/api/requests/${target.id}/collect`, {
        json: { collect },
      });
      expect([answer.status, answer.body]).toEqual([404, NOT_FOUND]);
    }
    const status = await call(base, "GET", `/api/requests/${target.id}`, {
      headers: { authorization: `Bearer ${target.collect}` },
    });
    expect(status.body).toMatchObject({ pending: 1 });
  });

  it.each([
    ["no Authorization header", undefined],
    ["a Basic scheme", `Basic ${Buffer.from("a:b").toString("base64")}`],
    ["an empty bearer token", "Bearer "],
    ["a non-canonical token", `Bearer ${"A".repeat(42)}B`],
    ["the write proof instead of the collect token", "WRITE"],
    ["a well-formed wrong token", `Bearer ${someProof}`],
  ])("answers status and revoke with %s like an unknown rid", async (_name, authorization) => {
    const value = authorization === "WRITE" ? `Bearer ${open.write}` : authorization;
    for (const method of ["GET", "DELETE"]) {
      const answer = await call(base, method, `/api/requests/${open.id}`, {
        headers: value === undefined ? {} : { authorization: value },
      });
      expect([method, answer.status, answer.body]).toEqual([method, 404, NOT_FOUND]);
    }
    expect(
      (await call(base, "POST", `/api/requests/${open.id}/check`, { json: { write: open.write } }))
        .status,
    ).toBe(200);
  });

  it.each([
    ["21 characters", "A".repeat(21)],
    ["a non-canonical rid", `${"A".repeat(21)}B`],
    ["a dot", `${"A".repeat(21)}.`],
  ])("answers a path rid of %s like an unknown rid", async (_name, id) => {
    for (const [method, path, json] of [
      ["POST", `/api/requests/${id}/check`, { write: someProof }],
      ["POST", `/api/requests/${id}/responses`, validRespond],
      ["POST", `/api/requests/${id}/collect`, { collect: someProof }],
      ["GET", `/api/requests/${id}`, undefined],
      ["DELETE", `/api/requests/${id}`, undefined],
    ] as const) {
      const answer = await call(base, method, path, {
        ...(json === undefined ? {} : { json }),
        headers: { authorization: `Bearer ${someProof}` },
      });
      expect([method, path, answer.status, answer.body]).toEqual([method, path, 404, NOT_FOUND]);
    }
  });

  it("answers an unknown path below a request with the catch-all's JSON 404", async () => {
    const answer = await call(base, "GET", `/api/requests/${open.id}/responses/1`);
    expect([answer.status, answer.body]).toEqual([
      404,
      { error: "not_found", message: "There is no such API endpoint." },
    ]);
  });
});

describe("410 gone", () => {
  it("answers check and respond of a revoked request with reason revoked and its time, and collect with 200", async () => {
    const target = await made(base);
    const before = Date.now();
    expect(
      (
        await call(base, "DELETE", `/api/requests/${target.id}`, {
          headers: { authorization: `Bearer ${collectToken(target.sealed.collectKey)}` },
        })
      ).status,
    ).toBe(204);
    const expected = {
      error: "gone",
      message: "This request was withdrawn by the person who made it: it takes no more answers.",
      reason: "revoked",
      at: expect.any(String),
    };
    const check = await call(base, "POST", `/api/requests/${target.id}/check`, {
      json: { write: target.write },
    });
    const respond = await call(base, "POST", `/api/requests/${target.id}/responses`, {
      json: answerBody(target),
    });
    expect([check.status, check.body, respond.status, respond.body]).toEqual([
      410,
      expected,
      410,
      expected,
    ]);
    expect(Math.abs(Date.parse((check.body as { at: string }).at) - before)).toBeLessThan(5000);
    const collect = await call(base, "POST", `/api/requests/${target.id}/collect`, {
      json: { collect: target.collect },
    });
    expect([collect.status, collect.body]).toEqual([200, { responses: [], state: "revoked" }]);
  });

  it("answers an expired request with reason expired and its expiresAt", async () => {
    const target = await made(base, { ttlSeconds: 1 });
    const created = await call(base, "GET", `/api/requests/${target.id}`, {
      headers: { authorization: `Bearer ${target.collect}` },
    });
    const expiresAt = (created.body as { expiresAt: string }).expiresAt;
    let answer = await call(base, "POST", `/api/requests/${target.id}/check`, {
      json: { write: target.write },
    });
    await eventually(async () => {
      answer = await call(base, "POST", `/api/requests/${target.id}/check`, {
        json: { write: target.write },
      });
      return answer.status !== 200;
    });
    expect([answer.status, answer.body]).toEqual([
      410,
      {
        error: "gone",
        message: "This request has expired: it takes no more answers.",
        reason: "expired",
        at: expiresAt,
      },
    ]);
  });
});

describe("405 method_not_allowed", () => {
  it.each([
    ["GET", "/api/requests", "POST, OPTIONS"],
    ["DELETE", "/api/requests", "POST, OPTIONS"],
    ["GET", `/api/requests/${unknownId}/check`, "POST, OPTIONS"],
    ["PUT", `/api/requests/${unknownId}/responses`, "POST, OPTIONS"],
    ["GET", `/api/requests/${unknownId}/collect`, "POST, OPTIONS"],
    ["POST", `/api/requests/${unknownId}`, "GET, DELETE, HEAD, OPTIONS"],
    ["PATCH", `/api/requests/${unknownId}`, "GET, DELETE, HEAD, OPTIONS"],
  ])("answers %s %s with Allow: %s", async (method, path, allow) => {
    const answer = await call(base, method, path);
    expect([answer.status, answer.body, answer.headers.get("allow")]).toEqual([405, METHOD, allow]);
  });

  it("answers OPTIONS with 204 and the same Allow", async () => {
    const answer = await call(base, "OPTIONS", `/api/requests/${unknownId}/responses`);
    expect([answer.status, answer.headers.get("allow")]).toEqual([204, "POST, OPTIONS"]);
  });
});

describe("429 rate_limited", () => {
  let limited: NextServer;

  beforeAll(async () => {
    // TRUST_PROXY=1: the test chooses each client's address with X-Forwarded-For.
    limited = await startNextServer({
      env: { RATE_LIMIT_CREATE_PER_MINUTE: "3", TRUST_PROXY: "1", MAX_REQUEST_RESPONSES: "10" },
    });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await limited?.stop();
  });

  const from = (address: string) => ({ "x-forwarded-for": address });

  it("counts answers against the responder's create budget", async () => {
    const target = await made(limited.url, { maxResponses: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(limited.url, "POST", "/api/requests", {
        json: createBody(sealRequest()),
        headers: from("198.51.100.1"),
      });
      statuses.push(answer.status);
    }
    const answer = await call(limited.url, "POST", `/api/requests/${target.id}/responses`, {
      json: answerBody(target),
      headers: from("198.51.100.1"),
    });
    expect(statuses).toEqual([201, 201, 201]);
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({
      error: "rate_limited",
      message: expect.stringMatching(/^Too many requests; try again in \d+ s\.$/),
    });
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another address still may answer.
    const other = await call(limited.url, "POST", `/api/requests/${target.id}/responses`, {
      json: answerBody(target),
      headers: from("198.51.100.2"),
    });
    expect(other.status).toBe(201);
  });

  it("counts answers against the request itself, whatever address they come from", async () => {
    const target = await made(limited.url, { maxResponses: 10 });
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(
        await call(limited.url, "POST", `/api/requests/${target.id}/responses`, {
          json: answerBody(target),
          headers: from(`203.0.113.${10 + i}`),
        }),
      );
    }
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429]);
    expect(answers[3]!.body).toMatchObject({
      error: "rate_limited",
      message: expect.stringMatching(
        /^This request is receiving too many answers at once; try again in \d+ s\.$/,
      ),
    });
    const status = await call(limited.url, "GET", `/api/requests/${target.id}`, {
      headers: { authorization: `Bearer ${target.collect}` },
    });
    expect(status.body).toMatchObject({ pending: 3 });
  });
});

describe("bodies of any shape", () => {
  const member = fc.oneof(
    fc.constantFrom(
      "id",
      "write",
      "collect",
      "claim",
      "epk",
      "ciphertext",
      "label",
      "ttlSeconds",
      "maxResponses",
      "__proto__",
    ),
    fc.string({ maxLength: 8 }),
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      someProof,
      zeroBase64url(1064),
      zeroBase64url(16),
      "A".repeat(43),
      -1,
      1e308,
      "",
    ),
  );
  const body = fc.oneof(
    fc.dictionary(member, value, { maxKeys: 6 }),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it.each([
    ["create", () => "/api/requests"],
    ["check", () => `/api/requests/${open.id}/check`],
    ["respond", () => `/api/requests/${open.id}/responses`],
    ["collect", () => `/api/requests/${open.id}/collect`],
  ])("get a 4xx with a protocol error body on %s, never a 5xx (property)", async (_name, path) => {
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => {
        const answer = await call(base, "POST", path(), {
          raw: JSON.stringify(candidate) ?? "null",
          headers: { "content-type": "application/json" },
        });
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.body).toMatchObject({
          error: expect.any(String),
          message: expect.any(String),
        });
      }),
      { numRuns: 60 },
    );
    const status = await call(base, "GET", `/api/requests/${open.id}`, {
      headers: { authorization: `Bearer ${open.collect}` },
    });
    expect(status.body).toMatchObject({ pending: 0, responsesLeft: 3 });
  });
});
