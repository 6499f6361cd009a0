/**
 * The per-creator index (issue 13 §5, lib/store/owner-scripts.ts) on every driver: what an
 * owner lists, what they may burn, lazy pruning, and that the owner check happens in the
 * burn's own step against the recorded creator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerIndexKey } from "@/lib/store/owner-keys";
import type { Creator, Owner, SecretStore } from "@/lib/store/types";
import type { ContractHarness } from "./contract";
import { makeSecret, randomId, requester, type TestSecret } from "./helpers";

const HOUR_MS = 3_600_000;

function randomKid(): string {
  return randomId().replace(/[^A-Za-z0-9]/g, "x").slice(0, 8);
}

function tokenOwner(): { owner: Owner; creator: Creator } {
  const kid = randomKid();
  return { owner: { kind: "token", kid }, creator: { kind: "token", name: "ci", kid } };
}

function ssoOwner(subject = `user-${randomId()}`): { owner: Owner; creator: Creator } {
  const issuer = "https://idp.example/realms/a";
  return { owner: { kind: "sso", issuer, subject }, creator: { kind: "sso", issuer, subject, email: "alice@example.com" } };
}

export function describeOwnerIndexContract(name: string, harness: ContractHarness): void {
  describe(`${name} creator index (issue 13 §5)`, () => {
    let store: SecretStore;
    let other: SecretStore;

    beforeAll(async () => {
      store = await harness.makeStore();
      other = harness.sharedBackend ? await harness.makeStore() : store;
    });

    afterAll(async () => {
      await store.close();
      if (other !== store) await other.close();
    });

    /** Creates and indexes the way app/api/secrets/route.ts does: create, then the index write. */
    async function owned(creator: Creator, owner: Owner, overrides: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> {
      const secret = makeSecret({ creator, ...overrides });
      expect((await store.create(secret.input)).kind).toBe("created");
      const { nowMs, ttlSeconds, retentionSeconds } = secret.input;
      await store.indexOwned(owner, secret.input.id, nowMs + (ttlSeconds + retentionSeconds) * 1000, nowMs);
      return secret;
    }

    const access = (secret: TestSecret, nowMs = Date.now()) => ({
      id: secret.input.id,
      accessVerifier: secret.access.verifier,
      nowMs,
      requester: requester(),
    });

    it("lists an owner's secrets newest first with state, views and expiry, and nothing of anyone else", async () => {
      const alice = ssoOwner();
      const bob = ssoOwner();
      const nowMs = Date.now();
      const older = await owned(alice.creator, alice.owner, { nowMs: nowMs - 5000, maxViews: 3 });
      const newer = await owned(alice.creator, alice.owner, { nowMs, ttlSeconds: 600 });
      const bobs = await owned(bob.creator, bob.owner);
      const listed = await other.listOwned(alice.owner, nowMs + 1000);
      expect(listed).toEqual([
        { id: newer.input.id, state: "active", createdAtMs: nowMs, expiresAtMs: nowMs + 600_000, maxViews: 1, viewsLeft: 1 },
        { id: older.input.id, state: "active", createdAtMs: nowMs - 5000, expiresAtMs: nowMs - 5000 + HOUR_MS, maxViews: 3, viewsLeft: 3 },
      ]);
      expect((await store.listOwned(bob.owner, nowMs + 1000)).map((entry) => entry.id)).toEqual([bobs.input.id]);
      expect(JSON.stringify(listed)).not.toContain(older.access.verifier);
    });

    it("tells a token from a user with the same text, and a token creator without a kid is nobody's", async () => {
      const token = tokenOwner();
      const tokenSecret = await owned(token.creator, token.owner);
      const lookalike: Owner = { kind: "sso", issuer: token.owner.kind === "token" ? token.owner.kid : "", subject: "ci" };
      expect(await store.listOwned(lookalike, Date.now())).toEqual([]);
      expect(await store.burnOwned({ owner: lookalike, id: tokenSecret.input.id, nowMs: Date.now(), requester: requester() })).toEqual({ kind: "not_found" });
      const legacy = makeSecret({ creator: { kind: "token", name: "ci" } });
      await store.create(legacy.input);
      await store.indexOwned(token.owner, legacy.input.id, Date.now() + HOUR_MS, Date.now());
      expect((await store.listOwned(token.owner, Date.now())).map((entry) => entry.id)).toEqual([tokenSecret.input.id]);
      expect(await store.burnOwned({ owner: token.owner, id: legacy.input.id, nowMs: Date.now(), requester: requester() })).toEqual({ kind: "not_found" });
      expect((await store.check(access(legacy))).kind).toBe("ok");
    });

    it("never lists or burns a secret whose recorded creator is someone else, even when its id is in the index", async () => {
      const alice = ssoOwner();
      const mallory = ssoOwner();
      const alices = await owned(alice.creator, alice.owner);
      // Mallory's index names Alice's id: the recorded creator decides, not the index.
      await store.indexOwned(mallory.owner, alices.input.id, Date.now() + HOUR_MS, Date.now());
      expect(await store.listOwned(mallory.owner, Date.now())).toEqual([]);
      expect(await store.burnOwned({ owner: mallory.owner, id: alices.input.id, nowMs: Date.now(), requester: requester() })).toEqual({ kind: "not_found" });
      expect(await store.burnAllOwned(mallory.owner, Date.now(), requester())).toBe(0);
      const anonymous = makeSecret();
      await store.create(anonymous.input);
      expect(await store.burnOwned({ owner: alice.owner, id: anonymous.input.id, nowMs: Date.now(), requester: requester() })).toEqual({ kind: "not_found" });
      expect((await store.check(access(alices))).kind).toBe("ok");
      expect((await store.check(access(anonymous))).kind).toBe("ok");
    });

    it("burns one of the owner's secrets with the manage burn's step: gone as burned, a burned event, then already_gone", async () => {
      const alice = ssoOwner();
      const secret = await owned(alice.creator, alice.owner, { maxViews: 2 });
      const nowMs = Date.now();
      const burn = { owner: alice.owner, id: secret.input.id, nowMs, requester: requester(undefined, "198.51.100.0/24") };
      expect(await other.burnOwned(burn)).toEqual({ kind: "burned" });
      expect(await store.check(access(secret, nowMs + 1))).toMatchObject({ kind: "gone", reason: "burned", atMs: nowMs });
      const status = await store.status({ id: secret.input.id, manageVerifier: secret.manage.verifier, nowMs: nowMs + 1, requester: requester() });
      expect(status.kind === "ok" && status.status.events.at(-1)).toEqual({ type: "burned", atMs: nowMs, ip: "198.51.100.0/24" });
      expect(await store.burnOwned({ ...burn, nowMs: nowMs + 2 })).toEqual({ kind: "already_gone" });
      expect(await store.listOwned(alice.owner, nowMs + 3)).toMatchObject([{ id: secret.input.id, state: "burned", viewsLeft: 0 }]);
    });

    it("burns every active secret of the owner at once, counts only those, and leaves other owners alone", async () => {
      const token = tokenOwner();
      const bob = ssoOwner();
      const active = [await owned(token.creator, token.owner), await owned(token.creator, token.owner, { maxViews: 5 })];
      const viewed = await owned(token.creator, token.owner);
      expect((await store.reveal({ ...access(viewed), unlockVerifier: viewed.unlock.verifier })).kind).toBe("ok");
      const bobs = await owned(bob.creator, bob.owner);
      expect(await store.burnAllOwned(token.owner, Date.now(), requester())).toBe(2);
      for (const secret of active) expect(await store.check(access(secret))).toMatchObject({ kind: "gone", reason: "burned" });
      expect(await store.check(access(viewed))).toMatchObject({ kind: "gone", reason: "viewed" });
      expect((await store.check(access(bobs))).kind).toBe("ok");
      expect(await store.burnAllOwned(token.owner, Date.now(), requester())).toBe(0);
    });

    it("burns each of 40 secrets exactly once when two burn-alls race", async () => {
      const alice = ssoOwner();
      // More than one batch of per-secret scripts (lib/store/scripted-store.ts OWNED_BATCH_SIZE).
      for (let i = 0; i < 40; i++) await owned(alice.creator, alice.owner);
      expect(await store.listOwned(alice.owner, Date.now())).toHaveLength(40);
      const counts = await Promise.all([store.burnAllOwned(alice.owner, Date.now(), requester()), other.burnAllOwned(alice.owner, Date.now(), requester())]);
      expect(counts[0] + counts[1]).toBe(40);
      expect((await store.listOwned(alice.owner, Date.now())).every((entry) => entry.state === "burned")).toBe(true);
    });

    it("shows expired secrets as expired and prunes entries once their metadata is gone", async () => {
      const alice = ssoOwner();
      const nowMs = Date.now();
      const secret = await owned(alice.creator, alice.owner, { nowMs, ttlSeconds: 60, retentionSeconds: 60, idTombstoneSeconds: 0 });
      expect(await store.listOwned(alice.owner, nowMs + 61_000)).toMatchObject([{ id: secret.input.id, state: "expired", viewsLeft: 0 }]);
      expect(await store.listOwned(alice.owner, nowMs + 121_000)).toEqual([]);
      expect(await store.burnAllOwned(alice.owner, nowMs + 121_000, requester())).toBe(0);
    });

    it("refuses an owner without an identity before it reaches a key", async () => {
      await expect(store.listOwned({ kind: "token", kid: "" }, Date.now())).rejects.toThrow(TypeError);
      await expect(store.indexOwned({ kind: "sso", issuer: "https://idp.example", subject: "" }, randomId(), Date.now(), Date.now())).rejects.toThrow(TypeError);
    });

    if (harness.stored) {
      it("keys the index by a hash of the owner only, expiring with its last entry, and names no identity", async () => {
        const alice = ssoOwner("subject-that-must-not-show");
        const nowMs = Date.now();
        await owned(alice.creator, alice.owner, { nowMs, ttlSeconds: 600, retentionSeconds: 600 });
        const stored = harness.stored!();
        const keys = await stored.keys(`${harness.keyPrefix}:owner:*`);
        expect(keys.every((key) => /^[^:]+:owner:\{[0-9a-f]{64}\}:secrets$/.test(key))).toBe(true);
        expect(keys.join("\n")).not.toContain("subject-that-must-not-show");
        const key = ownerIndexKey(harness.keyPrefix, alice.owner);
        expect(keys).toContain(key);
        const ttl = await stored.pttl(key);
        expect(ttl).toBeGreaterThan(1_200_000 - (Date.now() - nowMs) - 1000);
        expect(ttl).toBeLessThanOrEqual(1_200_000);
      });
    }
  });
}
