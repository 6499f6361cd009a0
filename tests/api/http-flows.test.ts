/**
 * The happy paths and the life of a secret (gone reasons, wrong passphrases, the race)
 * through the real server, once on the memory store and once on a real redis-server
 * started by the test. The client is the one browser and CLI use (lib/api/client.ts)
 * plus lib/crypto, so this is also an end-to-end check of PROTOCOL.md §1–4.
 */
import { createHash } from "node:crypto";
import nacl from "tweetnacl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, claimVerifier, manageToken, newClaim, openSecret, revealProofs } from "@/lib/crypto";
import { ApiError, createApiClient, type ApiClient } from "@/lib/api/client";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { createClient } from "redis";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, eventually, makeSecret } from "./support";

const PASSPHRASE_ATTEMPTS = 3;

/** Every answer through the client is also checked for no-store and "never 500". */
function checkingFetch(): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.status).not.toBe(500);
    return response;
  };
}

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

function expectIsoNear(text: string | undefined, expectedMs: number, slackMs = 5000): void {
  expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(Math.abs(Date.parse(text ?? "") - expectedMs)).toBeLessThan(slackMs);
}

describe.each(["memory", "redis"] as const)("the API on the %s store", (storeKind) => {
  let redis: RedisServer | undefined;
  let server: NextServer;
  let api: ApiClient;

  beforeAll(async () => {
    if (storeKind === "redis") redis = await startRedisServer();
    server = await startNextServer({
      env: {
        MIN_TTL_SECONDS: "1",
        META_RETENTION_SECONDS: "3",
        PASSPHRASE_ATTEMPTS: String(PASSPHRASE_ATTEMPTS),
        ...(redis ? { REDIS_URL: redis.url, KEY_PREFIX: "burnlink-api-test" } : {}),
      },
    });
    api = createApiClient(server.url, checkingFetch());
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it("reports itself healthy with the store it uses, and its limits", async () => {
    expect(await api.health()).toEqual({ status: "ok", store: storeKind });
    expect(await api.config()).toEqual({
      maxCiphertextBytes: 1024 * 1024 + 40,
      minTtlSeconds: 1,
      maxTtlSeconds: 604800,
      maxViews: 10,
      maxAllowedIps: 20,
      passphraseAttempts: PASSPHRASE_ATTEMPTS,
      maxRequestResponses: 10,
      maxLabelBytes: 4096,
      collectWindowSeconds: 604800,
      createPolicy: "open",
      protocol: "1.1",
      revealGraceSeconds: 120,
    });
  });

  it("answers a reveal retried with the same claim with the same ciphertext, consuming one view only (PROTOCOL.md §6)", async () => {
    const { sealed, request } = await makeSecret({ content: { text: "retry me" }, maxViews: 2 });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey);
    const claim = newClaim();
    const claimedFrom = Date.now();
    const first = await api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim);
    const claimedBy = Date.now();
    expect(first.viewsLeft).toBe(1);
    for (let retry = 0; retry < 3; retry++) {
      expect(await api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim)).toEqual(first);
    }
    expect(openSecret(first.ciphertext, proofs.encryptionKey)).toEqual({ text: "retry me" });
    expect((await api.checkSecret(sealed.id, proofs.access)).viewsLeft).toBe(1);
    // A second reader with its own claim takes the last view; then a third is told viewed,
    // while both claims keep their own first answers.
    const second = newClaim();
    expect((await api.revealSecret(sealed.id, proofs.access, proofs.unlock, second)).viewsLeft).toBe(0);
    const late = await apiError(api.revealSecret(sealed.id, proofs.access, proofs.unlock, newClaim()));
    expect([late.status, late.body?.reason]).toEqual([410, "viewed"]);
    expect(await api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim)).toEqual(first);
    expect((await api.revealSecret(sealed.id, proofs.access, proofs.unlock, second)).viewsLeft).toBe(0);
    const checked = await apiError(api.checkSecret(sealed.id, proofs.access));
    expect([checked.status, checked.body?.reason]).toEqual([410, "viewed"]);
    const status = await api.secretStatus(sealed.id, manageToken(sealed.manageKey));
    expect(status.events.map((event) => event.type)).toEqual(["created", "viewed", "viewed"]);
    // The manage page's "viewed at T" is the claiming reveal's time, not a retry's (§4, §6).
    const firstView = Date.parse(status.events[1]?.at ?? "");
    expect(firstView).toBeGreaterThanOrEqual(claimedFrom);
    expect(firstView).toBeLessThanOrEqual(claimedBy);
  });

  it("ends a claim's grace with a burn: the retry is told burned", async () => {
    const { sealed, request } = await makeSecret({ maxViews: 1 });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey);
    const claim = newClaim();
    await api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim);
    await api.burnSecret(sealed.id, manageToken(sealed.manageKey));
    const retry = await apiError(api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim));
    expect([retry.status, retry.body?.reason]).toEqual([410, "burned"]);
    expect((await api.secretStatus(sealed.id, manageToken(sealed.manageKey))).state).toBe("burned");
  });

  it("creates, checks, reveals, reports and burns a text secret without a passphrase", async () => {
    const { sealed, request } = await makeSecret({ content: { text: "the launch code is 0000" }, maxViews: 2, ttlSeconds: 600 });
    const before = Date.now();
    const created = await api.createSecret(request);
    expect(created).toEqual({ id: sealed.id, expiresAt: expect.any(String), maxViews: 2 });
    expectIsoNear(created.expiresAt, before + 600_000);

    const { access } = accessProof(sealed.linkKey);
    expect(await api.checkSecret(sealed.id, access)).toEqual({ expiresAt: created.expiresAt, viewsLeft: 2 });
    expect(await api.checkSecret(sealed.id, access)).toEqual({ expiresAt: created.expiresAt, viewsLeft: 2 });

    const proofs = await revealProofs(sealed.linkKey);
    const revealed = await api.revealSecret(sealed.id, proofs.access, proofs.unlock);
    expect(revealed).toEqual({ ciphertext: request.ciphertext, viewsLeft: 1, expiresAt: created.expiresAt });
    expect(openSecret(revealed.ciphertext, proofs.encryptionKey)).toEqual({ text: "the launch code is 0000" });

    const token = manageToken(sealed.manageKey);
    const status = await api.secretStatus(sealed.id, token);
    expect(status).toEqual({
      id: sealed.id,
      state: "active",
      createdAt: expect.any(String),
      expiresAt: created.expiresAt,
      maxViews: 2,
      viewsLeft: 1,
      failedAttempts: 0,
      allowedIps: [],
      events: [
        { type: "created", at: expect.any(String), ip: "127.0.0.0/24" },
        { type: "viewed", at: expect.any(String), ip: "127.0.0.0/24" },
      ],
    });
    expectIsoNear(status.createdAt, before);

    await expect(api.burnSecret(sealed.id, token)).resolves.toBeUndefined();
    const gone = await apiError(api.checkSecret(sealed.id, access));
    expect([gone.status, gone.code, gone.body?.reason]).toEqual([410, "gone", "burned"]);
    expectIsoNear(gone.body?.at, Date.now());
    expect(gone.body?.message).toBe("This secret was destroyed by its creator.");
    expect((await api.secretStatus(sealed.id, token)).state).toBe("burned");
    // Burning again changes nothing and still answers 204.
    await expect(api.burnSecret(sealed.id, token)).resolves.toBeUndefined();
    expect((await api.secretStatus(sealed.id, token)).events.map((event) => event.type)).toEqual(["created", "viewed", "burned"]);
  });

  it("counts wrong passphrases, then opens with the right one", async () => {
    const { sealed, request } = await makeSecret({ content: { text: "behind a passphrase" }, passphrase: "open sesame" });
    await api.createSecret(request);
    const wrong = await revealProofs(sealed.linkKey, "open sesam");
    const error = await apiError(api.revealSecret(sealed.id, wrong.access, wrong.unlock));
    expect([error.status, error.body]).toEqual([
      403,
      { error: "wrong_passphrase", message: "The passphrase is wrong.", attemptsLeft: PASSPHRASE_ATTEMPTS - 1 },
    ]);
    // A wrong passphrase consumes no view.
    expect((await api.checkSecret(sealed.id, wrong.access)).viewsLeft).toBe(1);

    const right = await revealProofs(sealed.linkKey, "open sesame");
    const revealed = await api.revealSecret(sealed.id, right.access, right.unlock);
    expect(openSecret(revealed.ciphertext, right.encryptionKey)).toEqual({ text: "behind a passphrase" });
    const status = await api.secretStatus(sealed.id, manageToken(sealed.manageKey));
    expect([status.state, status.failedAttempts, status.viewsLeft]).toEqual(["viewed", 1, 0]);
    expect(status.events.map((event) => event.type)).toEqual(["created", "wrong_passphrase", "viewed"]);
  });

  it("destroys the secret when wrong passphrases reach the limit, answering attemptsLeft down to 0", async () => {
    const { sealed, request } = await makeSecret({ passphrase: "right" });
    await api.createSecret(request);
    const wrong = await revealProofs(sealed.linkKey, "wrong");
    const left: (number | undefined)[] = [];
    for (let attempt = 0; attempt < PASSPHRASE_ATTEMPTS; attempt++) {
      left.push((await apiError(api.revealSecret(sealed.id, wrong.access, wrong.unlock))).body?.attemptsLeft);
    }
    expect(left).toEqual([2, 1, 0]);

    const right = await revealProofs(sealed.linkKey, "right");
    const gone = await apiError(api.revealSecret(sealed.id, right.access, right.unlock));
    expect([gone.status, gone.body?.error, gone.body?.reason, gone.body?.message]).toEqual([
      410,
      "gone",
      "attempts",
      "This secret was destroyed after too many wrong passphrases.",
    ]);
    const status = await api.secretStatus(sealed.id, manageToken(sealed.manageKey));
    expect([status.state, status.failedAttempts]).toEqual(["burned", 3]);
    // Three failures from one network are one event with their count and span (PROTOCOL.md §9).
    expect(status.events.map((event) => [event.type, event.count])).toEqual([
      ["created", undefined],
      ["wrong_passphrase", 3],
      ["burned", undefined],
    ]);
    const failures = status.events[1];
    expect(failures?.firstAt).toBe(failures?.at);
    expect(Date.parse(failures?.lastAt ?? "")).toBeGreaterThanOrEqual(Date.parse(failures?.at ?? ""));
  });

  it("answers gone with reason viewed once every view is used", async () => {
    const { sealed, request } = await makeSecret({ maxViews: 1 });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey);
    await api.revealSecret(sealed.id, proofs.access, proofs.unlock);
    const viewedAt = Date.now();
    for (const attempt of [
      () => api.checkSecret(sealed.id, proofs.access),
      () => api.revealSecret(sealed.id, proofs.access, proofs.unlock),
    ]) {
      const gone = await apiError(attempt());
      expect([gone.status, gone.body?.reason, gone.body?.message]).toEqual([410, "viewed", "This secret has already been viewed."]);
      expectIsoNear(gone.body?.at, viewedAt);
    }
  });

  it("answers gone with reason expired after the ttl, then not_found once the retention has passed", async () => {
    const { sealed, request } = await makeSecret({ ttlSeconds: 1 });
    const created = await api.createSecret(request);
    const { access } = accessProof(sealed.linkKey);
    let gone: ApiError | undefined;
    await eventually(async () => {
      gone = await apiError(api.checkSecret(sealed.id, access)).catch(() => undefined);
      return gone !== undefined;
    });
    expect([gone?.status, gone?.body?.reason, gone?.body?.at, gone?.body?.message]).toEqual([
      410,
      "expired",
      created.expiresAt,
      "This secret has expired.",
    ]);
    expect((await api.secretStatus(sealed.id, manageToken(sealed.manageKey))).state).toBe("expired");
    await expect(api.burnSecret(sealed.id, manageToken(sealed.manageKey))).resolves.toBeUndefined();

    await eventually(async () => (await apiError(api.checkSecret(sealed.id, access))).code === "not_found");
    const status = await apiError(api.secretStatus(sealed.id, manageToken(sealed.manageKey)));
    expect([status.status, status.code]).toEqual([404, "not_found"]);
  });

  it("carries text and binary files of several hundred kilobytes intact", async () => {
    const big = nacl.randomBytes(300_000);
    const content = {
      text: "two files attached",
      files: [
        { name: "report.pdf", type: "application/pdf", bytes: big },
        { name: "empty.txt", type: "text/plain", bytes: new Uint8Array(0) },
      ],
    };
    const { sealed, request } = await makeSecret({ content, passphrase: "files" });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey, "files");
    const revealed = await api.revealSecret(sealed.id, proofs.access, proofs.unlock);
    expect(openSecret(revealed.ciphertext, proofs.encryptionKey)).toEqual(content);
  });

  it("accepts the largest padded envelope the server allows", async () => {
    // Leaves room for the envelope header; padme rounds up to exactly 1 MiB.
    const content = { files: [{ name: "max.bin", type: "application/octet-stream", bytes: new Uint8Array(1024 * 1024 - 200) }] };
    const { sealed, request } = await makeSecret({ content });
    expect(request.ciphertext.length).toBe(Math.ceil(((1024 * 1024 + 40) * 4) / 3));
    await expect(api.createSecret(request)).resolves.toMatchObject({ id: sealed.id });
  });

  it("lets exactly maxViews of many simultaneous reveals win", async () => {
    const { sealed, request } = await makeSecret({ maxViews: 3 });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => api.revealSecret(sealed.id, proofs.access, proofs.unlock)),
    );
    const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as ApiError] : []));
    expect(won).toHaveLength(3);
    expect(lost.map((error) => `${error.status} ${error.body?.reason}`)).toEqual(Array(9).fill("410 viewed"));
    expect(won.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.viewsLeft : -1)).sort()).toEqual([0, 1, 2]);
  });

  it("opens a secret made by a client written from PROTOCOL.md alone, with node:crypto and tweetnacl", async () => {
    const sha512 = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha512").update(Buffer.concat(parts)).digest());
    const derive = (label: string, input: Uint8Array) =>
      sha512(new TextEncoder().encode(`burnlink/v1/${label}`), new Uint8Array([0]), input).subarray(0, 32);
    const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const verifier = (proof: Uint8Array) => b64u(sha512(proof).subarray(0, 32));

    const linkKey = nacl.randomBytes(32);
    const manageKey = nacl.randomBytes(32);
    const id = b64u(derive("id", linkKey).subarray(0, 16));
    const access = derive("access", linkKey);
    const unlock = derive("unlock", linkKey);
    const encKey = derive("enc", linkKey);
    const manage = derive("manage", manageKey);
    const header = new TextEncoder().encode(JSON.stringify({ v: 1, text: "from the spec" }));
    const envelope = new Uint8Array(1024);
    new DataView(envelope.buffer).setUint32(0, header.length);
    envelope.set(header, 4);
    const nonce = nacl.randomBytes(24);
    const ciphertext = b64u(Buffer.concat([nonce, nacl.secretbox(envelope, nonce, encKey)]));

    await api.createSecret({
      id,
      ciphertext,
      accessVerifier: verifier(access),
      unlockVerifier: verifier(unlock),
      manageVerifier: verifier(manage),
      ttlSeconds: 300,
      maxViews: 1,
    });
    const proofs = await revealProofs(linkKey);
    expect([proofs.id, proofs.access, proofs.unlock]).toEqual([id, b64u(access), b64u(unlock)]);
    const revealed = await api.revealSecret(id, b64u(access), b64u(unlock));
    expect(openSecret(revealed.ciphertext, proofs.encryptionKey)).toEqual({ text: "from the spec" });
    expect((await api.secretStatus(id, b64u(manage))).state).toBe("viewed");
  });

  it("answers HEAD on read-only routes without a body", async () => {
    const answer = await call(server.url, "HEAD", "/api/config");
    expect([answer.status, answer.body]).toEqual([200, undefined]);
  });
});

describe("the API with REVEAL_GRACE_SECONDS=0 (claims off)", () => {
  let redis: RedisServer;
  let server: NextServer;
  let api: ApiClient;
  const keyPrefix = "burnlink-grace-off";

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startNextServer({ env: { REVEAL_GRACE_SECONDS: "0", REDIS_URL: redis.url, KEY_PREFIX: keyPrefix } });
    api = createApiClient(server.url, checkingFetch());
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it("says so in /api/config and still speaks 1.1", async () => {
    expect(await api.config()).toMatchObject({ protocol: "1.1", revealGraceSeconds: 0 });
  });

  it("still refuses a malformed claim, then ignores a valid one and stores nothing of it", async () => {
    const { sealed, request } = await makeSecret({ maxViews: 1 });
    await api.createSecret(request);
    const proofs = await revealProofs(sealed.linkKey);
    const bad = await apiError(api.revealSecret(sealed.id, proofs.access, proofs.unlock, "A".repeat(42)));
    expect([bad.status, bad.body?.error]).toEqual([400, "invalid_request"]);
    const claim = newClaim();
    expect((await api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim)).viewsLeft).toBe(0);
    const retry = await apiError(api.revealSecret(sealed.id, proofs.access, proofs.unlock, claim));
    expect([retry.status, retry.body?.reason]).toEqual([410, "viewed"]);

    const inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    try {
      // The event outbox (issue 14 §1) comes and goes as the dispatcher delivers it.
      const keys = (await inspector.keys(`${keyPrefix}:{${sealed.id}}:*`)).filter((key) => !key.endsWith(":outbox")).sort();
      expect(keys).toEqual([`${keyPrefix}:{${sealed.id}}:id`, `${keyPrefix}:{${sealed.id}}:meta`]);
      const meta = JSON.stringify(await inspector.hGetAll(`${keyPrefix}:{${sealed.id}}:meta`));
      expect(meta).not.toContain(claim);
      expect(meta).not.toContain(claimVerifier(claim));
      expect(await inspector.hGet(`${keyPrefix}:{${sealed.id}}:meta`, "graceUntil")).toBe("0");
    } finally {
      await inspector.close();
    }
  });
});
