/**
 * Proofs and the manage token never match unless they are right (issue 4, "Tokens and
 * proofs"; Password Pusher's CVE-2026-62382 let an empty token match an empty token).
 * The API hashes every proof to a verifier and the store compares verifiers: in
 * constant time in TypeScript (keys.ts sameVerifier), and after a shape check that keeps
 * an empty, missing, malformed or wrong-length verifier away from any comparison, on
 * every driver. A record whose stored verifier is empty (corrupted) matches nothing.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sameVerifier, isVerifier, metaKey } from "@/lib/store/keys";
import { createMemoryStore, createRedisStore, type NewSecret, type SecretStore } from "@/lib/store";
import { verifierOfProof } from "@/lib/server/http";
import { startRedisServer, type RedisServer } from "../support/redis-server";

const VERIFIER = "q".repeat(43);
const requester = { ipHex: "00000000000000000000ffff7f000001" };

function newSecret(id: string): NewSecret {
  return {
    id,
    ciphertext: "A".repeat(1420),
    accessVerifier: `a${VERIFIER.slice(1)}`,
    unlockVerifier: `u${VERIFIER.slice(1)}`,
    manageVerifier: `m${VERIFIER.slice(1)}`,
    ttlSeconds: 3600,
    maxViews: 3,
    attemptsLimit: 5,
    allowedIps: [],
    allowedPrefixes: [],
    retentionSeconds: 3600,
    nowMs: Date.now(),
    requester,
  };
}

/** Every shape a hostile or buggy caller could pass where a verifier belongs. */
const BAD_VERIFIERS: [string, unknown][] = [
  ["an empty string", ""],
  ["undefined", undefined],
  ["null", null],
  ["a number", 0],
  ["42 characters", VERIFIER.slice(1)],
  ["44 characters", `${VERIFIER}q`],
  ["a trailing newline", `${VERIFIER.slice(1)}\n`],
  ["standard base64 characters", `${VERIFIER.slice(2)}+/`],
  ["padding", `${VERIFIER.slice(1)}=`],
  ["a Lua pattern", `${VERIFIER.slice(3)}.*%`],
  ["non-ASCII letters", `${VERIFIER.slice(1)}é`],
];

describe("sameVerifier", () => {
  it("matches only two identical well-formed verifiers", () => {
    expect(sameVerifier(VERIFIER, VERIFIER)).toBe(true);
    expect(sameVerifier(VERIFIER, `r${VERIFIER.slice(1)}`)).toBe(false);
    expect(sameVerifier("", "")).toBe(false);
    expect(sameVerifier(VERIFIER.slice(1), VERIFIER.slice(1))).toBe(false);
    for (const [, bad] of BAD_VERIFIERS) {
      expect(sameVerifier(bad as string, VERIFIER)).toBe(false);
      expect(sameVerifier(VERIFIER, bad as string)).toBe(false);
      expect(sameVerifier(bad as string, bad as string)).toBe(false);
      expect(isVerifier(bad)).toBe(false);
    }
  });

  it("a proof of the wrong length is refused before hashing", () => {
    for (const proof of ["", "A".repeat(42), "A".repeat(44), `${"A".repeat(42)}B`]) {
      expect(() => verifierOfProof(proof)).toThrow();
    }
    expect(verifierOfProof("A".repeat(43))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

let redis: RedisServer;
const stores: [string, () => SecretStore][] = [
  ["memory", () => createMemoryStore()],
  ["redis", () => createRedisStore({ url: redis.url, keyPrefix: "tokens" })],
];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

describe.each(stores)("the %s store", (_name, makeStore) => {
  let store: SecretStore;
  let count = 0;
  const nextId = () => `${_name === "memory" ? "M" : "R"}${String(++count).padStart(21, "A")}`;

  beforeAll(() => {
    store = makeStore();
  });

  afterAll(async () => {
    await store.close();
  });

  it.each(BAD_VERIFIERS)("refuses %s as any proof, counting nothing and changing nothing", async (_label, bad) => {
    const secret = newSecret(nextId());
    expect((await store.create(secret)).kind).toBe("created");
    const base = { id: secret.id, nowMs: Date.now(), requester };
    const verifier = bad as string;
    expect(await store.check({ ...base, accessVerifier: verifier })).toEqual({ kind: "not_found" });
    expect(await store.reveal({ ...base, accessVerifier: verifier, unlockVerifier: verifier })).toEqual({ kind: "not_found" });
    expect(await store.reveal({ ...base, accessVerifier: verifier, unlockVerifier: secret.unlockVerifier })).toEqual({ kind: "not_found" });
    expect(await store.status({ ...base, manageVerifier: verifier })).toEqual({ kind: "not_found" });
    expect(await store.burn({ ...base, manageVerifier: verifier })).toEqual({ kind: "not_found" });
    const status = await store.status({ ...base, manageVerifier: secret.manageVerifier });
    expect(status.kind === "ok" && status.status).toMatchObject({ state: "active", viewsLeft: 3, failedAttempts: 0 });
  });

  it("a malformed unlock with the right access counts as a wrong passphrase, never as a match", async () => {
    const secret = newSecret(nextId());
    await store.create(secret);
    const base = { id: secret.id, nowMs: Date.now(), requester, accessVerifier: secret.accessVerifier };
    expect(await store.reveal({ ...base, unlockVerifier: "" })).toEqual({ kind: "wrong_passphrase", attemptsLeft: 4 });
    expect(await store.reveal({ ...base, unlockVerifier: secret.unlockVerifier.slice(1) })).toEqual({ kind: "wrong_passphrase", attemptsLeft: 3 });
    expect((await store.reveal({ ...base, unlockVerifier: secret.unlockVerifier })).kind).toBe("ok");
  });
});

describe("a corrupted Redis record whose verifiers are empty", () => {
  it("matches no empty, missing or well-formed proof", async () => {
    const store = createRedisStore({ url: redis.url, keyPrefix: "corrupt" });
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const secret = newSecret("C".repeat(22));
      await store.create(secret);
      await client.hSet(metaKey("corrupt", secret.id), { accessVerifier: "", unlockVerifier: "", manageVerifier: "" });
      const base = { id: secret.id, nowMs: Date.now(), requester };
      for (const verifier of ["", secret.accessVerifier, secret.manageVerifier]) {
        expect(await store.check({ ...base, accessVerifier: verifier })).toEqual({ kind: "not_found" });
        expect(await store.reveal({ ...base, accessVerifier: verifier, unlockVerifier: "" })).toEqual({ kind: "not_found" });
        expect(await store.status({ ...base, manageVerifier: verifier })).toEqual({ kind: "not_found" });
        expect(await store.burn({ ...base, manageVerifier: verifier })).toEqual({ kind: "not_found" });
      }
      expect(await client.exists(`corrupt:{${secret.id}}:secret`)).toBe(1);
    } finally {
      await client.close();
      await store.close();
    }
  });
});
