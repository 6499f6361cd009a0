/**
 * fast-check over the running server (issue 4): at least 1,000 generated requests per
 * endpoint (create, check, reveal bodies; status and burn ids and Authorization headers).
 * Whatever arrives, the answer is never a 5xx, always carries Cache-Control: no-store,
 * and every failure is the one wire shape with a protocol error code. A keep-alive agent
 * with a few requests in flight keeps the run to seconds.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { isErrorCode } from "@/lib/api/errors";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { makeSecret, zeroBase64url, type TestSecret } from "../api/support";
import { closeKeepAliveAgent, keepAliveRequest, type AgentReply } from "./support";

const RUNS = 1000;
const IN_FLIGHT = 4;

let server: NextServer;
let secret: TestSecret;
let access: string;
let unlock: string;
let token: string;
let valid: Record<string, unknown>;

beforeAll(async () => {
  server = await startNextServer({ env: { MAX_SECRET_BYTES: "4096" } });
  secret = await makeSecret({ maxViews: 10 });
  const created = await fetch(`${server.url}/api/secrets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(secret.request),
  });
  expect(created.status).toBe(201);
  access = accessProof(secret.sealed.linkKey).access;
  unlock = (await revealProofs(secret.sealed.linkKey)).unlock;
  token = manageToken(secret.sealed.manageKey);
  valid = { ...(await makeSecret()).request };
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  closeKeepAliveAgent();
  await server?.stop();
});

function assertWellFormed(reply: AgentReply): void {
  expect(reply.status, reply.text.slice(0, 200)).toBeLessThan(500);
  expect(reply.headers["cache-control"]).toBe("no-store");
  // HEAD answers carry the status and headers of GET, without a body.
  if (reply.status >= 400 && reply.text !== "") {
    const body = JSON.parse(reply.text) as { error?: unknown; message?: unknown };
    expect(isErrorCode(body.error), reply.text.slice(0, 200)).toBe(true);
    expect(body.message).toBeTypeOf("string");
  }
}

/** Runs the generated requests with a few in flight at a time; fails on the first bad answer. */
async function runAll(samples: Parameters<typeof keepAliveRequest>[1][]): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const sample = samples[next++]!;
      const reply = await keepAliveRequest(server.url, sample);
      assertWellFormed(reply);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return statuses;
}

const b64u = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
/** Values that are almost right, plainly wrong, or hostile. */
function hostileValue(right: () => unknown): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null).map(() => right()),
    b64u,
    fc.string(),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    fc.constantFrom("__proto__", "constructor", "\u202e", "", " ", "A".repeat(43), zeroBase64url(32)),
  );
}

/** A JSON object built from the endpoint's members (each right, wrong or missing) plus extras. */
function hostileObject(members: Record<string, () => unknown>): fc.Arbitrary<string> {
  const entries = Object.entries(members).map(([name, right]) => fc.option(hostileValue(right), { nil: undefined }).map((value) => [name, value] as const));
  const extras = fc.array(fc.tuple(fc.constantFrom("__proto__", "constructor", "prototype", "extra", "Access", "id"), fc.jsonValue({ maxDepth: 2 })), { maxLength: 2 });
  return fc.tuple(fc.tuple(...entries), extras).map(([pairs, extra]) => {
    const parts = [...pairs, ...extra]
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? "null"}`);
    return `{${parts.join(",")}}`;
  });
}

/** Bodies: mostly near-valid objects, some arbitrary JSON, some arbitrary text or bytes. */
function hostileBody(members: Record<string, () => unknown>): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: hostileObject(members) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null") },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  );
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom("application/json; charset=utf-8", "text/plain", "", "application/JSON;charset=UTF-8", "application/json; charset=latin1") },
);

function samplesOf(path: () => string, members: Record<string, () => unknown>): Parameters<typeof keepAliveRequest>[1][] {
  return fc.sample(
    fc.tuple(hostileBody(members), contentType).map(([body, type]) => ({
      method: "POST",
      path: path(),
      headers: { "content-type": type, "content-length": String(Buffer.byteLength(body)) },
      body,
    })),
    { numRuns: RUNS, seed: 4 },
  );
}

describe(`${RUNS} generated requests per endpoint never answer 5xx`, () => {
  it("create", async () => {
    const members = Object.fromEntries(Object.entries(valid).map(([name, value]) => [name, () => value]));
    members.allowedIps = () => ["10.0.0.0/8"];
    const statuses = await runAll(samplesOf(() => "/api/secrets", members));
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(statuses.get(400)).toBeGreaterThan(0);
  });

  it("check", async () => {
    const statuses = await runAll(samplesOf(() => `/api/secrets/${secret.sealed.id}/check`, { access: () => access }));
    expect(statuses.get(200)).toBeGreaterThan(0);
  });

  it("reveal", async () => {
    // The right unlock is never generated, so no view is consumed; the wrong-unlock
    // answers (403) may burn the secret, which is a legitimate outcome here.
    const statuses = await runAll(samplesOf(() => `/api/secrets/${secret.sealed.id}/reveal`, { access: () => access, unlock: () => zeroBase64url(32) }));
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(unlock).not.toBe(zeroBase64url(32));
  });

  it("status and burn, with generated ids and Authorization headers", async () => {
    const headerText = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
    const authorization = fc.oneof(
      headerText,
      headerText.map((text) => `Bearer ${text}`),
      fc.constantFrom(`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token}`, "Bearer", "", `Basic ${token}`),
      b64u.map((text) => `Bearer ${text}`),
    );
    const id = fc.oneof(
      fc.constant(secret.sealed.id),
      b64u,
      fc.string({ unit: "binary", maxLength: 30 }).map(encodeURIComponent),
      fc.constantFrom("..", "%2e%2e", "%2F", "%00", "A".repeat(22), `${secret.sealed.id}%20`),
    );
    const samples = fc.sample(
      fc.tuple(id, fc.option(authorization, { nil: undefined }), fc.constantFrom("GET", "GET", "DELETE", "HEAD")).map(([path, auth, method]) => ({
        method,
        path: `/api/secrets/${path}`,
        headers: (auth === undefined ? {} : { authorization: auth }) as Record<string, string>,
      })),
      { numRuns: RUNS, seed: 4 },
    );
    const statuses = await runAll(samples);
    expect(statuses.get(404)).toBeGreaterThan(0);
  });
});
