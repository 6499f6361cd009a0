/**
 * Rate limits per client address (issue 4), against the real server: 429 rate_limited
 * with Retry-After over each limit, counters shared by every instance on one Redis (and
 * an Upstash instance on the same data), forged forwarding headers that rotate on every
 * request changing nothing under TRUST_PROXY=0, the right X-Forwarded-For entry under
 * TRUST_PROXY=1, the per-client wrong-passphrase limit, and a store outage answering 503.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { makeSecret, zeroBase64url, type TestSecret } from "../api/support";

const json = { "content-type": "application/json" };

let counter = 0;
/** A different forged address on every call, in every forwarding header a client can send. */
function forgedHeaders(): Record<string, string> {
  counter += 1;
  const address = `198.51.${Math.floor(counter / 250) % 250}.${(counter % 250) + 1}`;
  return {
    "x-forwarded-for": address,
    "x-real-ip": address,
    forwarded: `for=${address}`,
    "x-burnlink-peer": address,
    "true-client-ip": address,
  };
}

interface Reply {
  status: number;
  retryAfter: string | null;
  body: { error?: string; message?: string } & Record<string, unknown>;
}

async function send(base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : json), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  // 503 store_unavailable is the one 5xx the protocol allows (a store outage).
  expect(response.status === 503 || response.status < 500, text).toBe(true);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: text ? JSON.parse(text) : {} };
}

function expectRateLimited(reply: Reply, maxSeconds = 60): void {
  expect(reply.status).toBe(429);
  expect(reply.body.error).toBe("rate_limited");
  expect(reply.body.message).toMatch(/try again in \d+ s/);
  expect(reply.retryAfter).toMatch(/^\d+$/);
  const seconds = Number(reply.retryAfter);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
}

async function create(base: string, secret: TestSecret, headers: Record<string, string> = {}): Promise<Reply> {
  return send(base, "POST", "/api/secrets", { body: secret.request, headers });
}

describe("on the memory store with TRUST_PROXY=0", () => {
  let server: NextServer;
  let secret: TestSecret;

  beforeAll(async () => {
    server = await startNextServer({
      env: {
        RATE_LIMIT_CREATE_PER_MINUTE: "3",
        RATE_LIMIT_READ_PER_MINUTE: "4",
        RATE_LIMIT_MANAGE_PER_MINUTE: "3",
        RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "0",
      },
    });
    secret = await makeSecret({ maxViews: 10 });
    expect((await create(server.url, secret, forgedHeaders())).status).toBe(201);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  it("allows 3 creates a minute, counting invalid ones, then answers 429 whatever forwarding headers rotate", async () => {
    expect((await send(server.url, "POST", "/api/secrets", { body: { id: "bad" }, headers: forgedHeaders() })).status).toBe(400);
    expect((await create(server.url, await makeSecret(), forgedHeaders())).status).toBe(201);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expectRateLimited(await create(server.url, await makeSecret(), forgedHeaders()));
    }
  });

  it("counts check and reveal together: 4 reads a minute, then 429 with forged headers rotating", async () => {
    const { access } = accessProof(secret.sealed.linkKey);
    const proofs = await revealProofs(secret.sealed.linkKey);
    const path = `/api/secrets/${secret.sealed.id}`;
    expect((await send(server.url, "POST", `${path}/check`, { body: { access }, headers: forgedHeaders() })).status).toBe(200);
    expect((await send(server.url, "POST", `${path}/reveal`, { body: { access, unlock: proofs.unlock }, headers: forgedHeaders() })).status).toBe(200);
    expect((await send(server.url, "POST", `${path}/check`, { body: { access: zeroBase64url(32) }, headers: forgedHeaders() })).status).toBe(404);
    expect((await send(server.url, "POST", `/api/secrets/${"A".repeat(21)}/check`, { body: {}, headers: forgedHeaders() })).status).toBe(404);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const kind = attempt % 2 === 0 ? "check" : "reveal";
      expectRateLimited(await send(server.url, "POST", `${path}/${kind}`, { body: { access, unlock: proofs.unlock }, headers: forgedHeaders() }));
    }
  });

  it("a refused reveal consumes no view", async () => {
    const status = await send(server.url, "GET", `/api/secrets/${secret.sealed.id}`, {
      headers: { authorization: `Bearer ${manageToken(secret.sealed.manageKey)}` },
    });
    expect(status.status).toBe(200);
    expect(status.body.viewsLeft).toBe(9);
  });

  it("counts status and burn together: 3 a minute (one used above), then 429, and the burn did not happen", async () => {
    const path = `/api/secrets/${secret.sealed.id}`;
    const token = `Bearer ${manageToken(secret.sealed.manageKey)}`;
    expect((await send(server.url, "GET", path, { headers: { authorization: `Bearer ${zeroBase64url(32)}`, ...forgedHeaders() } })).status).toBe(404);
    expect((await send(server.url, "GET", path, { headers: { authorization: token, ...forgedHeaders() } })).status).toBe(200);
    for (let attempt = 0; attempt < 6; attempt += 1) {
      expectRateLimited(await send(server.url, attempt % 2 ? "GET" : "DELETE", path, { headers: { authorization: token, ...forgedHeaders() } }));
    }
  });

  it("config and health are never limited", async () => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await send(server.url, "GET", "/api/config")).status).toBe(200);
      expect((await send(server.url, "GET", "/api/health")).status).toBe(200);
    }
  });
});

describe("wrong passphrases per client", () => {
  let server: NextServer;

  beforeAll(async () => {
    server = await startNextServer({ env: { RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "3" } });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  it("after 3 wrong passphrases over two secrets, the client's next reveal is 429 even with the right one", async () => {
    const first = await makeSecret({ passphrase: "right one" });
    const second = await makeSecret({ passphrase: "right two" });
    for (const secret of [first, second]) expect((await create(server.url, secret)).status).toBe(201);
    const wrongFirst = await revealProofs(first.sealed.linkKey, "wrong");
    const wrongSecond = await revealProofs(second.sealed.linkKey, "wrong");
    const reveal = (secret: TestSecret, proofs: { access: string; unlock: string }) =>
      send(server.url, "POST", `/api/secrets/${secret.sealed.id}/reveal`, {
        body: { access: proofs.access, unlock: proofs.unlock },
        headers: forgedHeaders(),
      });

    expect((await reveal(first, wrongFirst)).body).toMatchObject({ error: "wrong_passphrase", attemptsLeft: 4 });
    expect((await reveal(second, wrongSecond)).body).toMatchObject({ error: "wrong_passphrase", attemptsLeft: 4 });
    expect((await reveal(first, wrongFirst)).body).toMatchObject({ error: "wrong_passphrase", attemptsLeft: 3 });
    const limited = await reveal(second, await revealProofs(second.sealed.linkKey, "right two"));
    expectRateLimited(limited, 3600);
    expect(limited.body.message).toMatch(/wrong passphrases/);
    // The refusal counted nothing on the secret.
    const status = await send(server.url, "GET", `/api/secrets/${second.sealed.id}`, {
      headers: { authorization: `Bearer ${manageToken(second.sealed.manageKey)}` },
    });
    expect(status.body).toMatchObject({ state: "active", failedAttempts: 1, viewsLeft: 1 });
    // Checks need no passphrase and stay available.
    const check = await send(server.url, "POST", `/api/secrets/${second.sealed.id}/check`, { body: { access: wrongSecond.access } });
    expect(check.status).toBe(200);
  });
  it("records the socket address, not a forged one, in the audit events", async () => {
    const fresh = await makeSecret();
    expect((await create(server.url, fresh, forgedHeaders())).status).toBe(201);
    const status = await send(server.url, "GET", `/api/secrets/${fresh.sealed.id}`, {
      headers: { authorization: `Bearer ${manageToken(fresh.sealed.manageKey)}`, ...forgedHeaders() },
    });
    expect(status.body.events).toEqual([{ type: "created", at: expect.any(String), ip: "127.0.0.0/24" }]);
  });
});

describe("TRUST_PROXY=1 believes the last X-Forwarded-For entry, the one our proxy wrote", () => {
  let server: NextServer;

  beforeAll(async () => {
    server = await startNextServer({ env: { TRUST_PROXY: "1", RATE_LIMIT_READ_PER_MINUTE: "2" } });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  const check = (forwardedFor: string) =>
    send(server.url, "POST", `/api/secrets/${"A".repeat(22)}/check`, {
      body: { access: zeroBase64url(32) },
      headers: { "x-forwarded-for": forwardedFor },
    });

  it("rotating the entries a client prepends does not escape the limit", async () => {
    expect((await check("10.1.1.1, 192.0.2.10")).status).toBe(404);
    expect((await check("10.1.1.2, 192.0.2.10")).status).toBe(404);
    for (let attempt = 3; attempt < 10; attempt += 1) expectRateLimited(await check(`10.1.1.${attempt}, 192.0.2.10`));
  });

  it("another address written by the proxy is another client", async () => {
    expect((await check("10.1.1.1, 192.0.2.11")).status).toBe(404);
    expect((await check("192.0.2.12")).status).toBe(404);
  });
});

describe("on Redis and Upstash, shared by every instance", () => {
  let redis: RedisServer;
  let bridge: UpstashBridge;
  let servers: NextServer[] = [];
  const prefix = "rlshared";

  beforeAll(async () => {
    redis = await startRedisServer();
    bridge = await startUpstashBridge({ redisUrl: redis.url });
    const env = { RATE_LIMIT_READ_PER_MINUTE: "5", RATE_LIMIT_CREATE_PER_MINUTE: "100", KEY_PREFIX: prefix };
    servers = [
      await startNextServer({ env: { ...env, REDIS_URL: redis.url } }),
      await startNextServer({ env: { ...env, UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token } }),
    ];
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await bridge?.close();
    await redis?.stop();
  });

  it("five reads spread over a Redis instance and an Upstash instance use up the limit for both", async () => {
    const secret = await makeSecret();
    const [first, second] = servers as [NextServer, NextServer];
    expect((await create(first.url, secret)).status).toBe(201);
    const body = { access: accessProof(secret.sealed.linkKey).access };
    const path = `/api/secrets/${secret.sealed.id}/check`;
    for (const server of [first, second, second, first, second]) {
      expect((await send(server.url, "POST", path, { body, headers: forgedHeaders() })).status).toBe(200);
    }
    for (const server of [first, second, first]) expectRateLimited(await send(server.url, "POST", path, { body, headers: forgedHeaders() }));

    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys(`${prefix}:rl:*`);
      expect(keys.sort()).toEqual([`${prefix}:rl:create:00000000000000000000ffff7f000001`, `${prefix}:rl:read:00000000000000000000ffff7f000001`]);
      expect(await client.get(`${prefix}:rl:read:00000000000000000000ffff7f000001`)).toBe("8");
      const ttl = await client.pTTL(`${prefix}:rl:read:00000000000000000000ffff7f000001`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await client.close();
    }
  });

  it("a Redis that is down answers 503 store_unavailable, never a 500, and never lets requests through unlimited", async () => {
    await redis.kill();
    try {
      const reply = await send(servers[0]!.url, "POST", "/api/secrets", { body: (await makeSecret()).request });
      expect(reply.status).toBe(503);
      expect(reply.body.error).toBe("store_unavailable");
      const read = await send(servers[1]!.url, "POST", `/api/secrets/${"A".repeat(22)}/check`, { body: { access: zeroBase64url(32) } });
      expect(read.status).toBe(503);
    } finally {
      await redis.start();
    }
  });
});
