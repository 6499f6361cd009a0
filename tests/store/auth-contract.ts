/**
 * The contract of the credential stores (lib/store/auth-store.ts, PROTOCOL.md §8), run on
 * every driver next to the secret store contract: memory, Redis, Redis Cluster, Upstash.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authStoreFor } from "@/lib/store/auth-store";
import type { AuthStore, SecretStore, StoredToken } from "@/lib/store/types";
import type { StoredData } from "./contract";

export interface AuthContractHarness {
  makeStore(): Promise<SecretStore> | SecretStore;
  stored?: () => StoredData;
}

const KID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomKid(): string {
  return Array.from(randomBytes(8), (byte) => KID_ALPHABET[byte % KID_ALPHABET.length]).join("");
}

function makeToken(overrides: Partial<StoredToken> = {}): { token: string; record: StoredToken } {
  const kid = overrides.kid ?? randomKid();
  const token = `blt_${kid}_${randomBytes(32).toString("base64url")}`;
  return {
    token,
    record: {
      kid,
      hashHex: createHash("sha256").update(token).digest("hex"),
      name: "ci",
      scopes: ["secrets:create"],
      createdAtMs: Date.now(),
      expiresAtMs: null,
      lastUsedAtMs: null,
      ...overrides,
    },
  };
}

export function describeAuthStoreContract(name: string, harness: AuthContractHarness): void {
  describe(`${name} credential store contract`, () => {
    let secrets: SecretStore;
    let store: AuthStore;

    beforeAll(async () => {
      secrets = await harness.makeStore();
      store = authStoreFor(secrets);
    });

    afterAll(async () => {
      await secrets.close();
    });

    it("returns a stored token's record by its kid, with name, scopes, times and only the hash", async () => {
      const nowMs = Date.now();
      const { record } = makeToken({ scopes: ["secrets:create", "admin"], expiresAtMs: nowMs + 3_600_000, createdAtMs: nowMs });
      expect(await store.putToken(record, nowMs)).toBe("created");
      expect(await store.getToken(record.kid, nowMs + 1)).toEqual(record);
    });

    it("refuses a second live token with the same kid and keeps the first", async () => {
      const nowMs = Date.now();
      const first = makeToken();
      const second = makeToken({ kid: first.record.kid, name: "other" });
      expect(await store.putToken(first.record, nowMs)).toBe("created");
      expect(await store.putToken(second.record, nowMs)).toBe("kid_taken");
      expect((await store.getToken(first.record.kid, nowMs))?.name).toBe("ci");
    });

    it("answers null for an unknown or malformed kid", async () => {
      expect(await store.getToken(randomKid(), Date.now())).toBeNull();
      expect(await store.getToken("", Date.now())).toBeNull();
      expect(await store.getToken("short", Date.now())).toBeNull();
    });

    it("stops returning a token at its expiry and drops it from the list", async () => {
      const nowMs = Date.now();
      const { record } = makeToken({ expiresAtMs: nowMs + 60_000 });
      await store.putToken(record, nowMs);
      expect(await store.getToken(record.kid, nowMs + 59_999)).not.toBeNull();
      expect(await store.getToken(record.kid, nowMs + 60_000)).toBeNull();
      expect((await store.listTokens(nowMs + 60_000)).map((token) => token.kid)).not.toContain(record.kid);
    });

    it("records last use at most once a minute", async () => {
      const nowMs = Date.now();
      const { record } = makeToken();
      await store.putToken(record, nowMs);
      await store.touchToken(record.kid, nowMs + 1000);
      expect((await store.getToken(record.kid, nowMs + 1000))?.lastUsedAtMs).toBe(nowMs + 1000);
      await store.touchToken(record.kid, nowMs + 30_000);
      expect((await store.getToken(record.kid, nowMs + 30_000))?.lastUsedAtMs).toBe(nowMs + 1000);
      await store.touchToken(record.kid, nowMs + 61_000);
      expect((await store.getToken(record.kid, nowMs + 61_000))?.lastUsedAtMs).toBe(nowMs + 61_000);
    });

    it("lists live tokens and forgets revoked ones, and revoking twice answers not_found", async () => {
      const nowMs = Date.now();
      const a = makeToken({ name: "a" });
      const b = makeToken({ name: "b" });
      await store.putToken(a.record, nowMs);
      await store.putToken(b.record, nowMs);
      const listed = (await store.listTokens(nowMs)).map((token) => token.kid);
      expect(listed).toEqual(expect.arrayContaining([a.record.kid, b.record.kid]));
      expect(await store.revokeToken(a.record.kid, nowMs)).toBe("revoked");
      expect(await store.revokeToken(a.record.kid, nowMs)).toBe("not_found");
      expect(await store.getToken(a.record.kid, nowMs)).toBeNull();
      const after = (await store.listTokens(nowMs)).map((token) => token.kid);
      expect(after).toContain(b.record.kid);
      expect(after).not.toContain(a.record.kid);
    });

    it("keeps a session until it expires or is deleted", async () => {
      const nowMs = Date.now();
      const hash = randomBytes(32).toString("hex");
      const session = { issuer: "https://idp.example", subject: "u1", email: "a@example.com", createdAtMs: nowMs, expiresAtMs: nowMs + 60_000 };
      await store.putSession(hash, session);
      expect(await store.getSession(hash, nowMs + 1)).toEqual(session);
      expect(await store.getSession(hash, nowMs + 60_000)).toBeNull();
      expect(await store.deleteSession(hash)).toBe("deleted");
      expect(await store.getSession(hash, nowMs + 1)).toBeNull();
      expect(await store.deleteSession(hash)).toBe("not_found");
    });

    if (harness.stored) {
      const stored = harness.stored;
      it("stores neither a token nor a session id, and the token key expires with the token", async () => {
        const nowMs = Date.now();
        const { token, record } = makeToken({ expiresAtMs: nowMs + 3_600_000 });
        await store.putToken(record, nowMs);
        const sessionId = randomBytes(32).toString("base64url");
        const hash = createHash("sha256").update(sessionId).digest("hex");
        await store.putSession(hash, { issuer: "i", subject: "s", email: "e@example.com", createdAtMs: nowMs, expiresAtMs: nowMs + 60_000 });
        const data = stored();
        const keys = await data.keys("*");
        const tokenKey = keys.find((key) => key.endsWith(`:token:${record.kid}`));
        expect(tokenKey).toBeDefined();
        const pttl = await data.pttl(tokenKey as string);
        expect(pttl).toBeGreaterThan(3_500_000);
        expect(pttl).toBeLessThanOrEqual(3_600_000);
        const secretPart = token.slice(13);
        for (const key of keys) {
          expect(key).not.toContain(secretPart);
          expect(key).not.toContain(sessionId);
          if (key.includes(":rl:") || key.endsWith(":tokens")) continue;
          for (const value of await data.values(key).catch(() => [] as string[])) {
            expect(value).not.toContain(secretPart);
            expect(value).not.toContain(sessionId);
          }
        }
      });
    }
  });
}
