/**
 * Which address the server believes (TRUST_PROXY), the allowlist answer 403 ip_not_allowed,
 * and the IPs recorded in status events (AUDIT_IP), through the real server. Tests connect
 * from 127.0.0.1, so only X-Forwarded-For can show another address — and only when a
 * proxy is trusted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { call, makeSecret, zeroBase64url, type TestSecret } from "./support";

const IP_NOT_ALLOWED = { error: "ip_not_allowed", message: "This secret cannot be opened from your network address." };
const NOT_FOUND = {
  error: "not_found",
  message: "No secret matches this link. It may never have existed, or its record has expired.",
};

async function create(base: string, options: Parameters<typeof makeSecret>[0]): Promise<TestSecret> {
  const secret = await makeSecret(options);
  const answer = await call(base, "POST", "/api/secrets", { json: secret.request });
  expect(answer.status).toBe(201);
  return secret;
}

function check(base: string, secret: TestSecret, headers: Record<string, string> = {}) {
  return call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
    json: { access: accessProof(secret.sealed.linkKey).access },
    headers,
  });
}

async function reveal(base: string, secret: TestSecret, headers: Record<string, string> = {}) {
  const proofs = await revealProofs(secret.sealed.linkKey);
  return call(base, "POST", `/api/secrets/${secret.request.id}/reveal`, {
    json: { access: proofs.access, unlock: proofs.unlock },
    headers,
  });
}

async function statusOf(base: string, secret: TestSecret) {
  const answer = await call(base, "GET", `/api/secrets/${secret.request.id}`, {
    headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
  });
  expect(answer.status).toBe(200);
  return answer.body as { state: string; viewsLeft: number; events: { type: string; ip?: string }[]; allowedIps: string[] };
}

describe("behind one trusted proxy (TRUST_PROXY=1)", () => {
  let server: NextServer;
  beforeAll(async () => {
    server = await startNextServer({ env: { TRUST_PROXY: "1" } });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("opens an allowlisted secret for an address inside the list and refuses one outside", async () => {
    const secret = await create(server.url, { maxViews: 2, allowedIps: ["203.0.113.0/24", "2001:db8::/32"] });
    const inside = { "x-forwarded-for": "203.0.113.7" };
    const insideV6 = { "x-forwarded-for": "2001:db8::42" };
    const outside = { "x-forwarded-for": "198.51.100.1" };

    expect((await check(server.url, secret, inside)).status).toBe(200);
    expect((await check(server.url, secret, insideV6)).status).toBe(200);
    const refused = await check(server.url, secret, outside);
    expect([refused.status, refused.body]).toEqual([403, IP_NOT_ALLOWED]);
    const refusedReveal = await reveal(server.url, secret, outside);
    expect([refusedReveal.status, refusedReveal.body]).toEqual([403, IP_NOT_ALLOWED]);
    expect((await reveal(server.url, secret, inside)).status).toBe(200);

    const status = await statusOf(server.url, secret);
    expect(status.allowedIps).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
    expect(status.viewsLeft).toBe(1);
    expect(status.events).toEqual([
      { type: "created", at: expect.any(String), ip: "127.0.0.0/24" },
      {
        type: "ip_blocked",
        at: expect.any(String),
        ip: "198.51.100.0/24",
        count: 2,
        firstAt: expect.any(String),
        lastAt: expect.any(String),
      },
      { type: "viewed", at: expect.any(String), ip: "203.0.113.0/24" },
    ]);
  });

  it("takes the proxy's entry, the rightmost, not what the client wrote to the left of it", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.7"] });
    expect((await check(server.url, secret, { "x-forwarded-for": "203.0.113.7, 198.51.100.1" })).status).toBe(403);
    expect((await check(server.url, secret, { "x-forwarded-for": "198.51.100.1, 203.0.113.7" })).status).toBe(200);
  });

  it("checks the allowlist only after a right access proof, so strangers learn nothing", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.0/24"] });
    const answer = await call(server.url, "POST", `/api/secrets/${secret.request.id}/check`, {
      json: { access: zeroBase64url(32) },
      headers: { "x-forwarded-for": "198.51.100.1" },
    });
    expect([answer.status, answer.body]).toEqual([404, NOT_FOUND]);
    expect((await statusOf(server.url, secret)).events.map((event) => event.type)).toEqual(["created"]);
  });

  it("checks the allowlist before the tombstone", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.0/24"] });
    const burn = await call(server.url, "DELETE", `/api/secrets/${secret.request.id}`, {
      headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
    });
    expect(burn.status).toBe(204);
    const outside = await check(server.url, secret, { "x-forwarded-for": "198.51.100.1" });
    expect([outside.status, outside.body]).toEqual([403, IP_NOT_ALLOWED]);
    const inside = await check(server.url, secret, { "x-forwarded-for": "203.0.113.1" });
    expect([inside.status, (inside.body as { reason?: string }).reason]).toEqual([410, "burned"]);
  });

  it("lets an IPv4 entry match the client's IPv4-mapped IPv6 form", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.0/24"] });
    expect((await check(server.url, secret, { "x-forwarded-for": "::ffff:203.0.113.9" })).status).toBe(200);
  });

  it("treats an address the proxy wrote unreadably as outside every allowlist", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.0/24"] });
    expect((await check(server.url, secret, { "x-forwarded-for": "unknown" })).status).toBe(403);
  });

  it("refuses an unknown client even under a catch-all allowlist (::/0, ::/1, 0.0.0.0/0) and records no address for it", async () => {
    for (const catchAll of ["::/0", "::/1", "0.0.0.0/0"]) {
      const secret = await create(server.url, { allowedIps: [catchAll] });
      for (const unknown of ["unknown", "::", "0.0.0.0"]) {
        const answer = await check(server.url, secret, { "x-forwarded-for": unknown });
        expect([catchAll, unknown, answer.status, answer.body]).toEqual([catchAll, unknown, 403, IP_NOT_ALLOWED]);
      }
      const refusedReveal = await reveal(server.url, secret, { "x-forwarded-for": "unknown" });
      expect([refusedReveal.status, refusedReveal.body]).toEqual([403, IP_NOT_ALLOWED]);
      // A known address inside the entry still gets in.
      expect((await reveal(server.url, secret, { "x-forwarded-for": "203.0.113.5" })).status).toBe(200);
      const events = (await statusOf(server.url, secret)).events;
      // Four refusals, coalesced into one event (issue 10 item 3), with no address.
      expect(events.filter((event) => event.type === "ip_blocked")).toEqual([
        { type: "ip_blocked", at: expect.any(String), count: 4, firstAt: expect.any(String), lastAt: expect.any(String) },
      ]);
    }
  });
});

describe("without a trusted proxy (TRUST_PROXY=0, the default)", () => {
  let server: NextServer;
  beforeAll(async () => {
    server = await startNextServer({ env: { AUDIT_IP: "full" } });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("ignores a forged X-Forwarded-For, X-Real-IP or x-burnlink-peer header", async () => {
    const secret = await create(server.url, { allowedIps: ["203.0.113.0/24"] });
    const forgeries: Record<string, string>[] = [
      { "x-forwarded-for": "203.0.113.7" },
      { "x-real-ip": "203.0.113.7" },
      { "x-burnlink-peer": "203.0.113.7" },
      // A guessed proof is replaced by start.mjs's own, with the real socket address.
      { "x-burnlink-peer": "203.0.113.7", "x-burnlink-peer-proof": "A".repeat(43) },
      { "x-forwarded-for": "203.0.113.7", "x-burnlink-peer": "203.0.113.7", "x-real-ip": "203.0.113.7" },
    ];
    for (const forged of forgeries) {
      const answer = await check(server.url, secret, forged);
      expect([answer.status, answer.body]).toEqual([403, IP_NOT_ALLOWED]);
    }
  });

  it("believes the socket address, whatever the headers claim", async () => {
    const secret = await create(server.url, { allowedIps: ["127.0.0.1"], maxViews: 2 });
    expect((await check(server.url, secret, { "x-forwarded-for": "198.51.100.1" })).status).toBe(200);
    expect((await reveal(server.url, secret, { "x-burnlink-peer": "198.51.100.1" })).status).toBe(200);
    const status = await statusOf(server.url, secret);
    // AUDIT_IP=full records the whole address.
    expect(status.events).toEqual([
      { type: "created", at: expect.any(String), ip: "127.0.0.1" },
      { type: "viewed", at: expect.any(String), ip: "127.0.0.1" },
    ]);
  });

  it("matches an IPv4-mapped IPv6 allowlist entry against the IPv4 socket address", async () => {
    const secret = await create(server.url, { allowedIps: ["::ffff:127.0.0.0/104"] });
    expect((await check(server.url, secret)).status).toBe(200);
  });
});

describe("with AUDIT_IP=none", () => {
  let server: NextServer;
  beforeAll(async () => {
    server = await startNextServer({ env: { AUDIT_IP: "none" } });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("records events without any IP", async () => {
    const secret = await create(server.url, { maxViews: 1 });
    expect((await reveal(server.url, secret)).status).toBe(200);
    const status = await statusOf(server.url, secret);
    expect(status.events).toEqual([
      { type: "created", at: expect.any(String) },
      { type: "viewed", at: expect.any(String) },
    ]);
  });
});
