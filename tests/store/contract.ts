/**
 * The one contract every SecretStore driver must keep (lib/store/types.ts,
 * PROTOCOL.md §4-5), run against memory, Redis and Upstash by the *.test.ts
 * files next to this one. Each rule of the plan's semantics list has a test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN_IP_HEX } from "@/lib/net/ip-address";
import type { RevealResult, SecretStore } from "@/lib/store/types";
import { setStoreObserver } from "@/lib/store/observer";
import { makeProof, makeSecret, requester, v4Hex, v6Hex, waitFor, type Proof, type TestSecret } from "./helpers";
import { describeRateLimiterContract } from "./rate-limit-contract";
import { describeAdmissionContract } from "./admission-contract";

/** Raw view of a Redis-backed store's keys, for the storage rules of PROTOCOL.md §5. */
export interface StoredData {
  keys(pattern: string): Promise<string[]>;
  /** Every value held at the key: the string, or each hash field and value. */
  values(key: string): Promise<string[]>;
  pttl(key: string): Promise<number>;
}

export interface ContractHarness {
  keyPrefix: string;
  /** Opens a new store (its own client) on the backend under test. */
  makeStore(): Promise<SecretStore> | SecretStore;
  /** True when two stores from makeStore share one backend, as app instances share Redis. */
  sharedBackend: boolean;
  /** Present for Redis-backed drivers. */
  stored?: () => StoredData;
}

const HOUR_MS = 3_600_000;

export function describeStoreContract(name: string, harness: ContractHarness): void {
  describe(`${name} store contract`, () => {
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

    async function created(overrides: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> {
      const secret = makeSecret(overrides);
      const result = await store.create(secret.input);
      expect(result).toEqual({ kind: "created", expiresAtMs: secret.input.nowMs + secret.input.ttlSeconds * 1000 });
      return secret;
    }

    function access(secret: TestSecret, nowMs = secret.input.nowMs + 1000, client = requester()) {
      return { id: secret.input.id, accessVerifier: secret.access.verifier, nowMs, requester: client };
    }

    function reveal(secret: TestSecret, nowMs = secret.input.nowMs + 1000, client = requester(), via = store) {
      return via.reveal({ ...access(secret, nowMs, client), unlockVerifier: secret.unlock.verifier });
    }

    function manage(secret: TestSecret, nowMs = secret.input.nowMs + 1000, auditIp?: string) {
      return {
        id: secret.input.id,
        manageVerifier: secret.manage.verifier,
        nowMs,
        requester: requester(v4Hex("192.0.2.1"), auditIp),
      };
    }

    async function statusOf(secret: TestSecret, nowMs = secret.input.nowMs + 1000) {
      const result = await store.status(manage(secret, nowMs));
      if (result.kind !== "ok") throw new Error(`expected a status, got ${result.kind}`);
      return result.status;
    }

    const elapsedSince = (secret: TestSecret) => Date.now() - secret.input.nowMs;

    const typesOf = async (secret: TestSecret, nowMs?: number) =>
      (await statusOf(secret, nowMs)).events.map((event) => event.type);

    describe("create", () => {
      it("stores a secret that check then reports with its expiry and all its views", async () => {
        const secret = await created({ maxViews: 3 });
        expect(await store.check(access(secret))).toEqual({
          kind: "ok",
          expiresAtMs: secret.input.nowMs + 3600_000,
          viewsLeft: 3,
        });
      });

      it("answers id_taken while the ciphertext is stored", async () => {
        const secret = await created();
        const again = makeSecret({ id: secret.input.id });
        expect(await store.create(again.input)).toEqual({ kind: "id_taken" });
        // The first secret is untouched by the refused create.
        expect(await reveal(secret)).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
      });

      it("answers id_taken for a consumed link whose metadata is still retained", async () => {
        const secret = await created();
        expect(await reveal(secret)).toMatchObject({ kind: "ok" });
        expect(await store.create(makeSecret({ id: secret.input.id }).input)).toEqual({ kind: "id_taken" });
      });

      it("answers id_taken after a burn while the metadata is still retained", async () => {
        const secret = await created();
        expect(await store.burn(manage(secret))).toEqual({ kind: "burned" });
        expect(await store.create(makeSecret({ id: secret.input.id }).input)).toEqual({ kind: "id_taken" });
      });

      it("lets exactly one of many concurrent creates of one id win", async () => {
        const first = makeSecret();
        const attempts = Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : other).create(makeSecret({ id: first.input.id }).input),
        );
        const results = await Promise.all(attempts);
        expect(results.filter((r) => r.kind === "created")).toHaveLength(1);
        expect(results.filter((r) => r.kind === "id_taken")).toHaveLength(19);
      });

      it("records a created event carrying the creator's audit address", async () => {
        const secret = await created();
        expect((await statusOf(secret)).events).toEqual([
          { type: "created", atMs: secret.input.nowMs, ip: "192.0.2.0/24" },
        ]);
      });

      it("rejects an id that could escape its hash tag before touching the backend", async () => {
        const secret = makeSecret({ id: "}abc{def:ghijklmnopqrs" });
        await expect(store.create(secret.input)).rejects.toThrow(TypeError);
      });
    });

    describe("check", () => {
      it("consumes nothing: repeated checks leave the views and the events as they were", async () => {
        const secret = await created({ maxViews: 2 });
        for (let i = 0; i < 5; i++) {
          expect(await store.check(access(secret))).toMatchObject({ kind: "ok", viewsLeft: 2 });
        }
        const status = await statusOf(secret);
        expect(status.viewsLeft).toBe(2);
        expect(status.events.map((e) => e.type)).toEqual(["created"]);
      });

      it("answers not_found for a wrong access proof and records nothing", async () => {
        const secret = await created();
        const wrong = makeSecret().access.verifier;
        expect(await store.check({ ...access(secret), accessVerifier: wrong })).toEqual({ kind: "not_found" });
        expect(await typesOf(secret)).toEqual(["created"]);
      });

      it("answers not_found for an unknown id and for a malformed one", async () => {
        const unknown = makeSecret();
        expect(await store.check(access(unknown))).toEqual({ kind: "not_found" });
        expect(await store.check({ ...access(unknown), id: "short" })).toEqual({ kind: "not_found" });
      });
    });

    describe("reveal", () => {
      it("returns the ciphertext, counts the view down and deletes the ciphertext at zero", async () => {
        const secret = await created({ maxViews: 2 });
        const t1 = secret.input.nowMs + 10;
        const t2 = secret.input.nowMs + 20;
        expect(await reveal(secret, t1)).toEqual({
          kind: "ok",
          ciphertext: secret.ciphertext,
          viewsLeft: 1,
          expiresAtMs: secret.input.nowMs + 3600_000,
        });
        expect(await reveal(secret, t2)).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 0 });
        expect(await reveal(secret, t2 + 5)).toEqual({ kind: "gone", reason: "viewed", atMs: t2 });
        expect(await store.check(access(secret, t2 + 5))).toEqual({ kind: "gone", reason: "viewed", atMs: t2 });
        const status = await statusOf(secret, t2 + 5);
        expect(status).toMatchObject({ state: "viewed", viewsLeft: 0 });
        expect(status.events.map((e) => e.type)).toEqual(["created", "viewed", "viewed"]);
      });

      it("answers not_found for a wrong access proof and counts nothing, not even a wrong passphrase", async () => {
        const secret = await created();
        const wrong = makeSecret();
        const result = await store.reveal({
          ...access(secret),
          accessVerifier: wrong.access.verifier,
          unlockVerifier: wrong.unlock.verifier,
        });
        expect(result).toEqual({ kind: "not_found" });
        const status = await statusOf(secret);
        expect(status).toMatchObject({ state: "active", viewsLeft: 1, failedAttempts: 0 });
        expect(status.events.map((e) => e.type)).toEqual(["created"]);
      });

      it("counts a wrong passphrase, says how many attempts are left and burns at the limit", async () => {
        const secret = await created({ attemptsLimit: 3 });
        const wrongUnlock = makeSecret().unlock.verifier;
        const attempt = (nowMs: number) => store.reveal({ ...access(secret, nowMs), unlockVerifier: wrongUnlock });
        const t0 = secret.input.nowMs;
        expect(await attempt(t0 + 1)).toEqual({ kind: "wrong_passphrase", attemptsLeft: 2 });
        expect(await attempt(t0 + 2)).toEqual({ kind: "wrong_passphrase", attemptsLeft: 1 });
        expect(await attempt(t0 + 3)).toEqual({ kind: "wrong_passphrase", attemptsLeft: 0 });
        // The ciphertext went with the failure that reached the limit: the right passphrase is too late.
        expect(await reveal(secret, t0 + 4)).toEqual({ kind: "gone", reason: "attempts", atMs: t0 + 3 });
        const status = await statusOf(secret, t0 + 4);
        expect(status).toMatchObject({ state: "burned", failedAttempts: 3, viewsLeft: 0 });
        // Three failures from one client are one coalesced event (PROTOCOL.md §9).
        expect(status.events).toEqual([
          { type: "created", atMs: t0, ip: "192.0.2.0/24" },
          { type: "wrong_passphrase", atMs: t0 + 1, count: 3, lastAtMs: t0 + 3 },
          { type: "burned", atMs: t0 + 3 },
        ]);
      });

      it("counts failures over the secret's life: a right passphrase in between resets nothing", async () => {
        const secret = await created({ maxViews: 3, attemptsLimit: 2 });
        const wrongUnlock = makeSecret().unlock.verifier;
        const wrong = () => store.reveal({ ...access(secret), unlockVerifier: wrongUnlock });
        expect(await wrong()).toEqual({ kind: "wrong_passphrase", attemptsLeft: 1 });
        expect(await reveal(secret)).toMatchObject({ kind: "ok", viewsLeft: 2 });
        expect(await wrong()).toEqual({ kind: "wrong_passphrase", attemptsLeft: 0 });
        expect(await reveal(secret)).toMatchObject({ kind: "gone", reason: "attempts" });
      });

      it("records the requester's audit address on each event and none when auditing is off", async () => {
        const secret = await created({ maxViews: 2, requester: requester(v4Hex("192.0.2.1")) });
        const t0 = secret.input.nowMs;
        await reveal(secret, t0 + 1, requester(v4Hex("203.0.113.9"), "203.0.113.0/24"));
        await reveal(secret, t0 + 2, requester(v4Hex("203.0.113.9")));
        expect((await statusOf(secret, t0 + 3)).events).toEqual([
          { type: "created", atMs: t0 },
          { type: "viewed", atMs: t0 + 1, ip: "203.0.113.0/24" },
          { type: "viewed", atMs: t0 + 2 },
        ]);
      });
    });

    describe("expiry", () => {
      it("reports an active secret as gone{expired} at expiresAt once the clock reaches it", async () => {
        const secret = await created({ ttlSeconds: 60, maxViews: 2 });
        const expiresAtMs = secret.input.nowMs + 60_000;
        expect(await store.check(access(secret, expiresAtMs - 1))).toMatchObject({ kind: "ok" });
        expect(await store.check(access(secret, expiresAtMs))).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        expect(await reveal(secret, expiresAtMs + 5)).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        const status = await statusOf(secret, expiresAtMs + 5);
        expect(status).toMatchObject({ state: "expired", viewsLeft: 0, maxViews: 2 });
        expect(await store.burn(manage(secret, expiresAtMs + 5))).toEqual({ kind: "already_gone" });
      });

      it("checks the tombstone before the passphrase: an expired secret never counts a failure", async () => {
        const secret = await created({ ttlSeconds: 60 });
        const late = secret.input.nowMs + 61_000;
        const result = await store.reveal({ ...access(secret, late), unlockVerifier: makeSecret().unlock.verifier });
        expect(result).toEqual({ kind: "gone", reason: "expired", atMs: secret.input.nowMs + 60_000 });
        expect((await statusOf(secret, late)).failedAttempts).toBe(0);
      });

      it("expires the ciphertext by itself on the real clock, with no request needed", async () => {
        const secret = await created({ ttlSeconds: 1, retentionSeconds: 600 });
        const expiresAtMs = secret.input.nowMs + 1000;
        const stored = harness.stored?.();
        if (stored) {
          const key = `${harness.keyPrefix}:{${secret.input.id}}:secret`;
          expect(await stored.keys(key)).toEqual([key]);
          await waitFor(async () => ((await stored.keys(key)).length === 0 ? true : undefined), "the secret key to expire");
          // Asked with a clock from before expiresAt, the missing ciphertext alone says "expired".
          expect(await store.check(access(secret, secret.input.nowMs + 1))).toEqual({
            kind: "gone",
            reason: "expired",
            atMs: expiresAtMs,
          });
          expect((await statusOf(secret, secret.input.nowMs + 1)).state).toBe("expired");
        } else {
          await waitFor(
            async () => ((await store.check(access(secret, Date.now()))).kind === "gone" ? true : undefined),
            "the secret to expire",
          );
          expect(await store.check(access(secret, Date.now()))).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        }
      });

      it("forgets the metadata after retention: then everything answers not_found and, without a tombstone, the id is free", async () => {
        const secret = await created({ ttlSeconds: 1, retentionSeconds: 1, idTombstoneSeconds: 0 });
        expect(await store.check(access(secret, Date.now()))).toMatchObject({ kind: "ok" });
        await waitFor(
          async () => ((await store.status(manage(secret, Date.now()))).kind === "not_found" ? true : undefined),
          "the metadata to expire",
        );
        expect(await store.check(access(secret, Date.now()))).toEqual({ kind: "not_found" });
        expect(await reveal(secret, Date.now())).toEqual({ kind: "not_found" });
        expect(await store.burn(manage(secret, Date.now()))).toEqual({ kind: "not_found" });
        const reuse = makeSecret({ id: secret.input.id });
        expect(await store.create(reuse.input)).toMatchObject({ kind: "created" });
      });

      it("keeps the id taken after retention while its id tombstone lasts, holding nothing but the id", async () => {
        const secret = await created({ ttlSeconds: 1, retentionSeconds: 1, idTombstoneSeconds: 3600 });
        expect(await reveal(secret, Date.now())).toMatchObject({ kind: "ok" });
        await waitFor(
          async () => ((await store.status(manage(secret, Date.now()))).kind === "not_found" ? true : undefined),
          "the metadata to expire",
        );
        // Everything a link holder can ask answers like an unknown id ...
        expect(await store.check(access(secret, Date.now()))).toEqual({ kind: "not_found" });
        expect(await reveal(secret, Date.now())).toEqual({ kind: "not_found" });
        // ... but the link can never be re-armed, by anyone holding K.
        for (let i = 0; i < 3; i++) {
          expect(await store.create(makeSecret({ id: secret.input.id, nowMs: Date.now() }).input)).toEqual({ kind: "id_taken" });
        }
        const stored = harness.stored?.();
        if (stored) {
          const prefix = `${harness.keyPrefix}:{${secret.input.id}}`;
          expect(await stored.keys(`*${secret.input.id}*`)).toEqual([`${prefix}:id`]);
          expect(await stored.values(`${prefix}:id`)).toEqual([""]);
          const elapsed = Date.now() - secret.input.nowMs;
          const ttl = await stored.pttl(`${prefix}:id`);
          expect(ttl).toBeGreaterThan(1000 + 3_600_000 - elapsed - 1000);
          expect(ttl).toBeLessThanOrEqual(1000 + 3_600_000);
        }
      });

      it("frees the id when the id tombstone ends, on the store's clock", async () => {
        const secret = await created({ ttlSeconds: 1, retentionSeconds: 0, idTombstoneSeconds: 1 });
        expect(await store.create(makeSecret({ id: secret.input.id, nowMs: secret.input.nowMs + 1500 }).input)).toEqual({
          kind: "id_taken",
        });
        const reuse = await waitFor(async () => {
          const attempt = makeSecret({ id: secret.input.id, nowMs: Date.now() });
          return (await store.create(attempt.input)).kind === "created" ? attempt : undefined;
        }, "the id tombstone to expire");
        expect(Date.now()).toBeGreaterThanOrEqual(secret.input.nowMs + 2000);
        expect(await reveal(reuse, Date.now())).toMatchObject({ kind: "ok", ciphertext: reuse.ciphertext });
      });
    });

    describe("allowlist", () => {
      const cases: { entry: string; inside: string[]; outside: string[] }[] = [
        { entry: "203.0.113.7", inside: ["203.0.113.7"], outside: ["203.0.113.8", "203.0.112.7"] },
        { entry: "203.0.113.0/24", inside: ["203.0.113.0", "203.0.113.255"], outside: ["203.0.114.0", "203.0.112.255"] },
        // /22 and /29 end inside a hex digit: the partial-nibble comparison.
        { entry: "10.20.4.0/22", inside: ["10.20.4.1", "10.20.7.255"], outside: ["10.20.8.0", "10.20.3.255"] },
        { entry: "192.0.2.8/29", inside: ["192.0.2.8", "192.0.2.15"], outside: ["192.0.2.7", "192.0.2.16"] },
        { entry: "0.0.0.0/0", inside: ["1.2.3.4", "255.255.255.255"], outside: ["2001:db8::1"] },
        { entry: "2001:db8:1::/48", inside: ["2001:db8:1::1", "2001:db8:1:ffff::9"], outside: ["2001:db8:2::1", "2001:db8::1"] },
        { entry: "2001:db8:8000::/33", inside: ["2001:db8:8000::1", "2001:db8:ffff::1"], outside: ["2001:db8:7fff::1"] },
        { entry: "2001:db8::/127", inside: ["2001:db8::", "2001:db8::1"], outside: ["2001:db8::2"] },
        { entry: "::/0", inside: ["2001:db8::5", "1.2.3.4"], outside: [] },
      ];
      const hexOf = (address: string) => (address.includes(":") ? v6Hex(address) : v4Hex(address));

      for (const { entry, inside, outside } of cases) {
        it(`admits ${inside.join(", ")} and refuses ${outside.join(", ") || "nothing"} for ${entry}`, async () => {
          const secret = await created({ allowedIps: [entry] });
          for (const address of inside) {
            expect(await store.check(access(secret, undefined, requester(hexOf(address))))).toMatchObject({ kind: "ok" });
          }
          for (const address of outside) {
            expect(await store.check(access(secret, undefined, requester(hexOf(address))))).toEqual({ kind: "ip_not_allowed" });
          }
        });
      }

      it("matches a v4-mapped IPv6 client against an IPv4 entry (both in ::ffff:0:0/96)", async () => {
        const secret = await created({ allowedIps: ["198.51.100.0/24"] });
        const mapped = v6Hex("::ffff:c633:6405"); // ::ffff:198.51.100.5
        expect(mapped).toBe(v4Hex("198.51.100.5"));
        expect(await reveal(secret, undefined, requester(mapped))).toMatchObject({ kind: "ok" });
      });

      it("admits a client matching any one of several entries", async () => {
        const secret = await created({ allowedIps: ["192.0.2.1", "2001:db8::/32"], maxViews: 2 });
        expect(await store.check(access(secret, undefined, requester(v6Hex("2001:db8:5::1"))))).toMatchObject({ kind: "ok" });
        expect(await store.check(access(secret, undefined, requester(v4Hex("192.0.2.1"))))).toMatchObject({ kind: "ok" });
        expect(await store.check(access(secret, undefined, requester(v4Hex("192.0.2.2"))))).toEqual({ kind: "ip_not_allowed" });
      });

      it("refuses a client whose address is unknown, even under ::/0, and admits it when unrestricted", async () => {
        const restricted = await created({ allowedIps: ["::/0"] });
        expect(await store.check(access(restricted, undefined, requester("")))).toEqual({ kind: "ip_not_allowed" });
        const open = await created();
        expect(await store.check(access(open, undefined, requester("")))).toMatchObject({ kind: "ok" });
      });

      // Issue 10 item 4: the unknown client used to be `::`, which these entries admitted.
      for (const catchAll of ["::/0", "::/1", "::/128", "::/96", "0.0.0.0/0"]) {
        it(`refuses the unknown client (UNKNOWN_IP_HEX) under ${catchAll} on check and reveal, recording ip_blocked without an address`, async () => {
          const secret = await created({ allowedIps: [catchAll] });
          const t0 = secret.input.nowMs;
          const unknown = requester(UNKNOWN_IP_HEX);
          expect(await store.check(access(secret, t0 + 1, unknown))).toEqual({ kind: "ip_not_allowed" });
          expect(await reveal(secret, t0 + 2, unknown)).toEqual({ kind: "ip_not_allowed" });
          const status = await statusOf(secret, t0 + 3);
          expect(status).toMatchObject({ state: "active", viewsLeft: 1 });
          // Both refusals, coalesced into one event (issue 10 item 3), and no address.
          expect(status.events.slice(1)).toEqual([{ type: "ip_blocked", atMs: t0 + 1, count: 2, lastAtMs: t0 + 2 }]);
        });
      }

      it("refuses a requester address that is not 32 lowercase hex digits under ::/0 instead of guessing what it meant", async () => {
        const secret = await created({ allowedIps: ["::/0"] });
        for (const malformed of ["::", "0", "0".repeat(31), "0".repeat(33), v4Hex("1.2.3.4").toUpperCase(), ` ${v4Hex("1.2.3.4")}`]) {
          expect(await store.check(access(secret, undefined, requester(malformed))), JSON.stringify(malformed)).toEqual({
            kind: "ip_not_allowed",
          });
        }
        expect(await store.check(access(secret, undefined, requester(v6Hex("::"))))).toMatchObject({ kind: "ok" });
      });

      it("admits the unknown client to an unrestricted secret", async () => {
        const open = await created();
        expect(await reveal(open, undefined, requester(UNKNOWN_IP_HEX))).toMatchObject({ kind: "ok", ciphertext: open.ciphertext });
      });

      it("records ip_blocked with the audit address on check and on reveal, and consumes nothing", async () => {
        const secret = await created({ allowedIps: ["192.0.2.0/24"] });
        const t0 = secret.input.nowMs;
        const outsider = requester(v4Hex("203.0.113.9"), "203.0.113.0/24");
        expect(await store.check(access(secret, t0 + 1, outsider))).toEqual({ kind: "ip_not_allowed" });
        expect(await reveal(secret, t0 + 2, outsider)).toEqual({ kind: "ip_not_allowed" });
        const status = await statusOf(secret, t0 + 3);
        expect(status).toMatchObject({ state: "active", viewsLeft: 1, failedAttempts: 0 });
        expect(status.events.slice(1)).toEqual([{ type: "ip_blocked", atMs: t0 + 1, ip: "203.0.113.0/24", count: 2, lastAtMs: t0 + 2 }]);
      });

      it("checks the allowlist after the access proof: a wrong proof from outside is not_found and unrecorded", async () => {
        const secret = await created({ allowedIps: ["192.0.2.0/24"] });
        const outsider = requester(v4Hex("203.0.113.9"), "203.0.113.0/24");
        const result = await store.check({ ...access(secret, undefined, outsider), accessVerifier: makeSecret().access.verifier });
        expect(result).toEqual({ kind: "not_found" });
        expect(await typesOf(secret)).toEqual(["created"]);
      });

      it("checks the allowlist before the tombstone and before the passphrase", async () => {
        const secret = await created({ allowedIps: ["192.0.2.0/24"], attemptsLimit: 2 });
        const outsider = requester(v4Hex("203.0.113.9"));
        const insider = requester(v4Hex("192.0.2.50"));
        const wrongUnlock = makeSecret().unlock.verifier;
        expect(await store.reveal({ ...access(secret, undefined, outsider), unlockVerifier: wrongUnlock })).toEqual({
          kind: "ip_not_allowed",
        });
        expect((await statusOf(secret)).failedAttempts).toBe(0);
        const burnAt = secret.input.nowMs + 500;
        expect(await store.burn(manage(secret, burnAt))).toEqual({ kind: "burned" });
        expect(await store.check(access(secret, undefined, outsider))).toEqual({ kind: "ip_not_allowed" });
        expect(await store.check(access(secret, undefined, insider))).toEqual({ kind: "gone", reason: "burned", atMs: burnAt });
      });
    });

    describe("status", () => {
      it("reports every field of an active secret", async () => {
        const allowedIps = ["203.0.113.0/24", "2001:db8::/32"];
        const secret = await created({ maxViews: 3, attemptsLimit: 4, allowedIps });
        const t0 = secret.input.nowMs;
        await reveal(secret, t0 + 1, requester(v4Hex("203.0.113.5"), "203.0.113.0/24"));
        await store.reveal({
          ...access(secret, t0 + 2, requester(v6Hex("2001:db8::9"), "2001:db8::/48")),
          unlockVerifier: makeSecret().unlock.verifier,
        });
        expect(await store.status(manage(secret, t0 + 3))).toEqual({
          kind: "ok",
          status: {
            id: secret.input.id,
            state: "active",
            createdAtMs: t0,
            expiresAtMs: t0 + HOUR_MS,
            maxViews: 3,
            viewsLeft: 2,
            failedAttempts: 1,
            allowedIps,
            events: [
              { type: "created", atMs: t0, ip: "192.0.2.0/24" },
              { type: "viewed", atMs: t0 + 1, ip: "203.0.113.0/24" },
              { type: "wrong_passphrase", atMs: t0 + 2, ip: "2001:db8::/48" },
            ],
          },
        });
      });

      it("shows allowedIps as [] when unrestricted and viewsLeft 0 once viewed", async () => {
        const secret = await created();
        await reveal(secret);
        expect(await statusOf(secret)).toMatchObject({ state: "viewed", viewsLeft: 0, allowedIps: [] });
      });

      it("answers not_found for a wrong manage proof, an access proof used as one, and an unknown id", async () => {
        const secret = await created();
        expect(await store.status({ ...manage(secret), manageVerifier: makeSecret().manage.verifier })).toEqual({
          kind: "not_found",
        });
        expect(await store.status({ ...manage(secret), manageVerifier: secret.access.verifier })).toEqual({ kind: "not_found" });
        expect(await store.status(manage(makeSecret()))).toEqual({ kind: "not_found" });
      });
    });

    describe("burn", () => {
      it("destroys an active secret, records who burned it, and changes nothing when repeated", async () => {
        const secret = await created({ maxViews: 5 });
        const t0 = secret.input.nowMs;
        expect(await store.burn(manage(secret, t0 + 7, "192.0.2.0/24"))).toEqual({ kind: "burned" });
        expect(await store.check(access(secret, t0 + 8))).toEqual({ kind: "gone", reason: "burned", atMs: t0 + 7 });
        expect(await reveal(secret, t0 + 8)).toEqual({ kind: "gone", reason: "burned", atMs: t0 + 7 });
        const before = await statusOf(secret, t0 + 9);
        expect(before).toMatchObject({ state: "burned", viewsLeft: 0 });
        expect(before.events.at(-1)).toEqual({ type: "burned", atMs: t0 + 7, ip: "192.0.2.0/24" });
        expect(await store.burn(manage(secret, t0 + 10))).toEqual({ kind: "already_gone" });
        expect(await statusOf(secret, t0 + 11)).toEqual(before);
      });

      it("answers already_gone for a secret whose views are used up", async () => {
        const secret = await created();
        await reveal(secret);
        expect(await store.burn(manage(secret))).toEqual({ kind: "already_gone" });
        expect(await typesOf(secret)).toEqual(["created", "viewed"]);
      });

      it("answers not_found for a wrong manage proof and leaves the secret readable", async () => {
        const secret = await created();
        expect(await store.burn({ ...manage(secret), manageVerifier: makeSecret().manage.verifier })).toEqual({
          kind: "not_found",
        });
        expect(await reveal(secret)).toMatchObject({ kind: "ok" });
      });
    });

    describe("events", () => {
      it("coalesces 150 refused checks from one network into one ip_blocked event with their count and span", async () => {
        const secret = await created({ allowedIps: ["192.0.2.0/24"] });
        const t0 = secret.input.nowMs;
        const outsider = requester(v4Hex("203.0.113.9"), "203.0.113.0/24");
        for (let i = 1; i <= 150; i++) {
          expect(await store.check(access(secret, t0 + i, outsider))).toEqual({ kind: "ip_not_allowed" });
        }
        expect((await statusOf(secret, t0 + 151)).events).toEqual([
          { type: "created", atMs: t0, ip: "192.0.2.0/24" },
          { type: "ip_blocked", atMs: t0 + 1, ip: "203.0.113.0/24", count: 150, lastAtMs: t0 + 150 },
        ]);
      });

      it("never lets refused checks from many networks push created, viewed, wrong_passphrase or burned out", async () => {
        const secret = await created({ allowedIps: ["192.0.2.0/24"], maxViews: 3, attemptsLimit: 2 });
        const t0 = secret.input.nowMs;
        const insider = requester(v4Hex("192.0.2.5"), "192.0.2.0/24");
        const outsider = (i: number) => requester(v4Hex(`203.0.${i % 256}.9`), `203.0.${i % 256}.0/24`);
        const refuse = async (from: number, to: number) => {
          for (let i = from; i <= to; i++) {
            expect(await store.check(access(secret, t0 + i, outsider(i)))).toEqual({ kind: "ip_not_allowed" });
          }
        };
        expect(await reveal(secret, t0 + 1, insider)).toMatchObject({ kind: "ok" });
        await refuse(2, 60);
        const wrong = { ...access(secret, t0 + 61, insider), unlockVerifier: makeSecret().unlock.verifier };
        expect(await store.reveal(wrong)).toEqual({ kind: "wrong_passphrase", attemptsLeft: 1 });
        await refuse(62, 130);
        expect(await store.reveal({ ...wrong, nowMs: t0 + 131 })).toEqual({ kind: "wrong_passphrase", attemptsLeft: 0 });
        await refuse(132, 200);
        const events = (await statusOf(secret, t0 + 201)).events;
        expect(events.filter((e) => e.type !== "ip_blocked")).toEqual([
          { type: "created", atMs: t0, ip: "192.0.2.0/24" },
          { type: "viewed", atMs: t0 + 1, ip: "192.0.2.0/24" },
          { type: "wrong_passphrase", atMs: t0 + 61, ip: "192.0.2.0/24" },
          { type: "wrong_passphrase", atMs: t0 + 131, ip: "192.0.2.0/24" },
          { type: "burned", atMs: t0 + 131, ip: "192.0.2.0/24" },
        ]);
        // Only the newest 20 refusals keep an entry; the timeline stays in time order.
        const blocked = events.filter((e) => e.type === "ip_blocked");
        expect(blocked.map((e) => e.atMs)).toEqual(Array.from({ length: 20 }, (_, i) => t0 + 181 + i));
        expect(events.map((e) => e.atMs)).toEqual([...events.map((e) => e.atMs)].sort((a, b) => a - b));
      });
    });

    describe("claims (PROTOCOL.md §6)", () => {
      const GRACE_SECONDS = 120;
      const GRACE_MS = GRACE_SECONDS * 1000;

      function claimed(secret: TestSecret, claim: Proof, nowMs = secret.input.nowMs + 1000, options: { via?: SecretStore; unlockVerifier?: string; graceSeconds?: number } = {}) {
        return (options.via ?? store).reveal({
          ...access(secret, nowMs),
          unlockVerifier: options.unlockVerifier ?? secret.unlock.verifier,
          claim: { verifier: claim.verifier, graceSeconds: options.graceSeconds ?? GRACE_SECONDS },
        });
      }

      it("answers a retry with the same claim within the grace with the first answer, consuming and recording nothing", async () => {
        const secret = await created({ maxViews: 2 });
        const t0 = secret.input.nowMs;
        const claim = makeProof();
        const first = await claimed(secret, claim, t0 + 10);
        expect(first).toEqual({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 1, expiresAtMs: t0 + HOUR_MS });
        for (const later of [t0 + 11, t0 + 5000, t0 + 10 + GRACE_MS - 1]) {
          expect(await claimed(secret, claim, later)).toEqual({ ...first, replayed: true });
        }
        const status = await statusOf(secret, t0 + 20);
        expect(status).toMatchObject({ state: "active", viewsLeft: 1, failedAttempts: 0 });
        // The timeline says "viewed at" the claiming reveal's time; the retries left no trace (§4, §6).
        expect(status.events.map((e) => [e.type, e.atMs])).toEqual([["created", t0], ["viewed", t0 + 10]]);
        expect(await store.check(access(secret, t0 + 20))).toMatchObject({ kind: "ok", viewsLeft: 1 });
      });

      it("gives a one-view secret to the first of two claims only; check then counts the claimed view as used", async () => {
        const secret = await created({ maxViews: 1 });
        const t0 = secret.input.nowMs;
        const [mine, theirs] = [makeProof(), makeProof()];
        expect(await claimed(secret, mine, t0 + 1)).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await claimed(secret, theirs, t0 + 2)).toEqual({ kind: "gone", reason: "viewed", atMs: t0 + 1 });
        expect(await reveal(secret, t0 + 3)).toEqual({ kind: "gone", reason: "viewed", atMs: t0 + 1 });
        expect(await store.check(access(secret, t0 + 3))).toEqual({ kind: "gone", reason: "viewed", atMs: t0 + 1 });
        expect(await claimed(secret, mine, t0 + 4)).toEqual({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 0, expiresAtMs: t0 + HOUR_MS, replayed: true });
        expect(await statusOf(secret, t0 + 5)).toMatchObject({ state: "viewed", viewsLeft: 0 });
      });

      it("lets exactly three of 200 concurrent claims take a three-view secret, and each winner's retry succeeds", async () => {
        const secret = await created({ maxViews: 3 });
        const claims = Array.from({ length: 200 }, () => makeProof());
        const results = await Promise.all(
          claims.map((claim, i) => claimed(secret, claim, undefined, { via: harness.sharedBackend && i % 2 === 1 ? other : store })),
        );
        const winners = claims.flatMap((claim, i) => {
          const result = results[i];
          return result?.kind === "ok" ? [{ claim, result }] : [];
        });
        expect(winners.map(({ result }) => result.kind === "ok" && result.viewsLeft).sort()).toEqual([0, 1, 2]);
        expect(results.filter((r) => r.kind === "gone" && r.reason === "viewed")).toHaveLength(197);
        for (const { claim, result } of winners) expect(await claimed(secret, claim)).toEqual({ ...result, replayed: true });
        const loser = claims[results.findIndex((r) => r.kind === "gone")] as Proof;
        expect(await claimed(secret, loser)).toMatchObject({ kind: "gone", reason: "viewed" });
        expect((await typesOf(secret)).filter((t) => t === "viewed")).toHaveLength(3);
      });

      it("ends the grace on time: then a claim is a new reveal, taking a view if one is left and recorded afresh", async () => {
        const secret = await created({ maxViews: 2 });
        const t0 = secret.input.nowMs;
        const claim = makeProof();
        expect(await claimed(secret, claim, t0 + 1)).toMatchObject({ kind: "ok", viewsLeft: 1 });
        const late = t0 + 1 + GRACE_MS;
        expect(await claimed(secret, claim, late)).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await claimed(secret, claim, late + 1)).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await claimed(secret, claim, late + GRACE_MS)).toEqual({ kind: "gone", reason: "viewed", atMs: late });
        expect((await typesOf(secret, late + 2)).filter((t) => t === "viewed")).toHaveLength(2);
      });

      it("deletes the ciphertext and the claims when the last grace ends, on the store's own clock", async () => {
        const secret = await created({ maxViews: 1 });
        const claim = makeProof();
        const startedMs = Date.now();
        expect(await claimed(secret, claim, startedMs, { graceSeconds: 1 })).toMatchObject({ kind: "ok", viewsLeft: 0 });
        const stored = harness.stored?.();
        if (stored) {
          const prefix = `${harness.keyPrefix}:{${secret.input.id}}`;
          expect((await stored.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:claims`, `${prefix}:id`, `${prefix}:meta`, `${prefix}:outbox`, `${prefix}:secret`]);
          expect(await stored.pttl(`${prefix}:secret`)).toBeLessThanOrEqual(1000);
          expect(await stored.pttl(`${prefix}:claims`)).toBeLessThanOrEqual(1000);
          await waitFor(
            async () => ((await stored.keys(`${prefix}:*`)).sort().join() === `${prefix}:id,${prefix}:meta,${prefix}:outbox` ? true : undefined),
            "the ciphertext and the claims to expire with the grace",
          );
        } else {
          await waitFor(
            async () => ((await claimed(secret, claim, Date.now(), { graceSeconds: 1 })).kind === "gone" ? true : undefined),
            "the grace to end",
          );
        }
        expect(Date.now()).toBeGreaterThanOrEqual(startedMs + 1000);
        expect(await claimed(secret, claim, Date.now(), { graceSeconds: 1 })).toEqual({ kind: "gone", reason: "viewed", atMs: startedMs });
      });

      it("ends every grace with a burn: the retry is told burned, even though every view was claimed", async () => {
        const secret = await created({ maxViews: 1 });
        const t0 = secret.input.nowMs;
        const claim = makeProof();
        expect(await claimed(secret, claim, t0 + 1)).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await store.burn(manage(secret, t0 + 2))).toEqual({ kind: "burned" });
        expect(await claimed(secret, claim, t0 + 3)).toEqual({ kind: "gone", reason: "burned", atMs: t0 + 2 });
        expect(await store.burn(manage(secret, t0 + 4))).toEqual({ kind: "already_gone" });
        const status = await statusOf(secret, t0 + 5);
        expect(status).toMatchObject({ state: "burned", viewsLeft: 0 });
        expect(status.events.map((e) => e.type)).toEqual(["created", "viewed", "burned"]);
        const stored = harness.stored?.();
        if (stored) {
          const prefix = `${harness.keyPrefix}:{${secret.input.id}}`;
          expect((await stored.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:id`, `${prefix}:meta`, `${prefix}:outbox`]);
        }
      });

      it("checks the unlock of a recorded claim as usual: a wrong one counts, and the limit burns through the grace", async () => {
        const secret = await created({ maxViews: 1, attemptsLimit: 2 });
        const t0 = secret.input.nowMs;
        const claim = makeProof();
        const wrongUnlock = makeSecret().unlock.verifier;
        const first = await claimed(secret, claim, t0 + 1);
        expect(first).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await claimed(secret, claim, t0 + 2, { unlockVerifier: wrongUnlock })).toEqual({ kind: "wrong_passphrase", attemptsLeft: 1 });
        expect(await claimed(secret, claim, t0 + 3)).toEqual({ ...first, replayed: true });
        expect(await claimed(secret, claim, t0 + 4, { unlockVerifier: wrongUnlock })).toEqual({ kind: "wrong_passphrase", attemptsLeft: 0 });
        expect(await claimed(secret, claim, t0 + 5)).toEqual({ kind: "gone", reason: "attempts", atMs: t0 + 4 });
        expect(await statusOf(secret, t0 + 6)).toMatchObject({ state: "burned", failedAttempts: 2 });
      });

      it("serves a claim in its grace past expiresAt, while everyone else is told expired", async () => {
        const secret = await created({ ttlSeconds: 60, maxViews: 2 });
        const expiresAtMs = secret.input.nowMs + 60_000;
        const claim = makeProof();
        const first = await claimed(secret, claim, expiresAtMs - 10);
        expect(first).toEqual({ kind: "ok", ciphertext: secret.ciphertext, viewsLeft: 1, expiresAtMs });
        const after = expiresAtMs + 30_000;
        expect(await claimed(secret, claim, after)).toEqual({ ...first, replayed: true });
        expect(await claimed(secret, makeProof(), after)).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        expect(await reveal(secret, after)).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        expect(await store.check(access(secret, after))).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        expect((await statusOf(secret, after)).state).toBe("expired");
        expect(await claimed(secret, claim, expiresAtMs - 10 + GRACE_MS)).toEqual({ kind: "gone", reason: "expired", atMs: expiresAtMs });
        const stored = harness.stored?.();
        if (stored) {
          // The key outlives expiresAt by the grace (on the store's clock: the test's times are ahead of it).
          const ttl = await stored.pttl(`${harness.keyPrefix}:{${secret.input.id}}:secret`);
          expect(ttl).toBeGreaterThan(60_000 + GRACE_MS - 10 - (Date.now() - secret.input.nowMs) - 1000);
        }
      });

      it("keeps the ciphertext for a claim in its grace when a reader without a claim takes the last view", async () => {
        const secret = await created({ maxViews: 2 });
        const t0 = secret.input.nowMs;
        const claim = makeProof();
        const first = await claimed(secret, claim, t0 + 1);
        expect(first).toMatchObject({ kind: "ok", viewsLeft: 1 });
        expect(await reveal(secret, t0 + 2)).toMatchObject({ kind: "ok", viewsLeft: 0 });
        expect(await reveal(secret, t0 + 3)).toEqual({ kind: "gone", reason: "viewed", atMs: t0 + 2 });
        expect(await claimed(secret, claim, t0 + 4)).toEqual({ ...first, replayed: true });
      });

      it("means nothing on another secret: a claim recorded on one is unknown to the next", async () => {
        const [one, two] = [await created({ maxViews: 1 }), await created({ maxViews: 1 })];
        const claim = makeProof();
        expect(await claimed(one, claim)).toMatchObject({ kind: "ok", ciphertext: one.ciphertext });
        expect(await claimed(two, claim)).toMatchObject({ kind: "ok", ciphertext: two.ciphertext });
        expect(await reveal(two)).toMatchObject({ kind: "gone", reason: "viewed" });
      });

      it("refuses a claim's grace that is not a whole number of seconds of at least one, before touching the backend", async () => {
        const secret = await created();
        await expect(claimed(secret, makeProof(), undefined, { graceSeconds: 0 })).rejects.toThrow(TypeError);
        await expect(claimed(secret, makeProof(), undefined, { graceSeconds: 1.5 })).rejects.toThrow(TypeError);
        expect((await statusOf(secret)).viewsLeft).toBe(1);
      });

      if (harness.stored) {
        it("never stores a claim: only its verifier, under the secret's hash tag", async () => {
          const secret = await created({ maxViews: 3, attemptsLimit: 5 });
          const claims = [makeProof(), makeProof(), makeProof()];
          for (const claim of claims) {
            await claimed(secret, claim);
            await claimed(secret, claim);
            await claimed(secret, claim, undefined, { unlockVerifier: makeSecret().unlock.verifier });
          }
          const stored = harness.stored!();
          const values: string[] = [];
          for (const key of await stored.keys(`*${secret.input.id}*`)) {
            expect(key.startsWith(`${harness.keyPrefix}:{${secret.input.id}}:`)).toBe(true);
            values.push(key, ...(await stored.values(key)));
          }
          const everything = values.join("\n");
          for (const claim of claims) {
            expect(everything).toContain(claim.verifier);
            const bytes = Buffer.from(claim.proof, "base64url");
            for (const form of [claim.proof, bytes.toString("base64"), bytes.toString("hex")]) expect(everything).not.toContain(form);
          }
        });
      }
    });

    describe("observer", () => {
      it("reports every operation under its script name with a duration, and never a key, id or verifier", async () => {
        const seen: { script: string; seconds: number; failed: boolean }[] = [];
        setStoreObserver({ command: (script, seconds, error) => seen.push({ script, seconds, failed: error !== undefined }) });
        const secret = makeSecret();
        try {
          await store.create(secret.input);
          await store.check(access(secret));
          await store.status(manage(secret));
          await reveal(secret);
          await store.burn(manage(secret));
          await store.ping();
        } finally {
          setStoreObserver(undefined);
        }
        const names = seen.map((entry) => entry.script);
        expect(names).toEqual(expect.arrayContaining(["create", "check", "status", "reveal", "burn", "ping"]));
        expect(names.every((script) => /^[a-z][a-z0-9-]*$/.test(script))).toBe(true);
        expect(seen.every((entry) => entry.seconds >= 0 && !entry.failed)).toBe(true);
        const reported = JSON.stringify(seen);
        for (const value of [secret.input.id, secret.access.verifier, secret.unlock.verifier, secret.manage.verifier]) {
          expect(reported).not.toContain(value);
        }
      });
    });

    describe("creator (PROTOCOL.md §8)", () => {
      it("returns the creator a secret was made with in status and check, and none for an anonymous one", async () => {
        const byToken = await created({ creator: { kind: "token", name: "ci" } });
        const bySso = await created({ creator: { kind: "sso", issuer: "https://idp.example", subject: "u-1", email: "alice@example.com" } });
        const anonymous = await created();
        expect((await statusOf(byToken)).creator).toEqual({ kind: "token", name: "ci" });
        expect((await statusOf(bySso)).creator).toEqual({ kind: "sso", issuer: "https://idp.example", subject: "u-1", email: "alice@example.com" });
        expect((await statusOf(anonymous)).creator).toBeUndefined();
        expect(await store.check(access(bySso))).toMatchObject({ kind: "ok", creator: { kind: "sso", email: "alice@example.com" } });
        const anonymousCheck = await store.check(access(anonymous));
        expect(anonymousCheck.kind).toBe("ok");
        expect(anonymousCheck).not.toHaveProperty("creator");
      });

      it("keeps the creator in status after the secret was viewed", async () => {
        const secret = await created({ creator: { kind: "token", name: "deploy" } });
        expect(await reveal(secret)).toMatchObject({ kind: "ok" });
        expect(await statusOf(secret)).toMatchObject({ state: "viewed", creator: { kind: "token", name: "deploy" } });
      });
    });

    describe("races", () => {
      async function raceReveals(secret: TestSecret, count: number, twoClients: boolean): Promise<RevealResult[]> {
        return Promise.all(
          Array.from({ length: count }, (_, i) => reveal(secret, undefined, requester(), twoClients && i % 2 === 1 ? other : store)),
        );
      }

      const clientCases = harness.sharedBackend ? [false, true] : [false];
      for (const twoClients of clientCases) {
        const across = twoClients ? " across two store instances" : "";

        it(`lets exactly one of 200 concurrent reveals of a one-view secret succeed${across}`, async () => {
          const secret = await created({ maxViews: 1 });
          const results = await raceReveals(secret, 200, twoClients);
          expect(results.filter((r) => r.kind === "ok")).toHaveLength(1);
          expect(results.filter((r) => r.kind === "gone" && r.reason === "viewed")).toHaveLength(199);
          expect(await statusOf(secret)).toMatchObject({ state: "viewed", viewsLeft: 0 });
        });

        it(`lets exactly three of 200 concurrent reveals of a three-view secret succeed${across}`, async () => {
          const secret = await created({ maxViews: 3 });
          const results = await raceReveals(secret, 200, twoClients);
          const winners = results.filter((r) => r.kind === "ok");
          expect(winners.map((r) => r.viewsLeft).sort()).toEqual([0, 1, 2]);
          expect(results.filter((r) => r.kind === "gone")).toHaveLength(197);
          expect((await typesOf(secret)).filter((t) => t === "viewed")).toHaveLength(3);
        });

        it(`counts exactly five of 50 concurrent wrong passphrases against a limit of five, then burns${across}`, async () => {
          const secret = await created({ attemptsLimit: 5, maxViews: 3 });
          const wrongUnlock = makeSecret().unlock.verifier;
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              (twoClients && i % 2 === 1 ? other : store).reveal({ ...access(secret), unlockVerifier: wrongUnlock }),
            ),
          );
          const counted = results.flatMap((r) => (r.kind === "wrong_passphrase" ? [r.attemptsLeft] : []));
          expect(counted.sort()).toEqual([0, 1, 2, 3, 4]);
          expect(results.filter((r) => r.kind === "gone" && r.reason === "attempts")).toHaveLength(45);
          const status = await statusOf(secret);
          expect(status).toMatchObject({ state: "burned", failedAttempts: 5, viewsLeft: 0 });
          expect(status.events.map((e) => [e.type, e.count])).toEqual([
            ["created", undefined],
            ["wrong_passphrase", 5],
            ["burned", undefined],
          ]);
          expect(await reveal(secret)).toMatchObject({ kind: "gone", reason: "attempts" });
        });
      }
    });

    describeRateLimiterContract(() => ({ store, other }), harness.sharedBackend);
    describeAdmissionContract(() => ({ store, other }), harness.sharedBackend);

    if (harness.stored) {
      describe("what is stored", () => {
        it("puts every key of a secret under the hash tag {id}, expiring at expiresAt and expiresAt + retention", async () => {
          const secret = await created({ ttlSeconds: 600, retentionSeconds: 3600 });
          const stored = harness.stored!();
          const keys = await stored.keys(`*${secret.input.id}*`);
          const prefix = `${harness.keyPrefix}:{${secret.input.id}}`;
          expect(keys.sort()).toEqual([`${prefix}:id`, `${prefix}:meta`, `${prefix}:outbox`, `${prefix}:secret`]);
          expect(await stored.values(`${prefix}:id`)).toEqual([""]);
          const secretTtl = await stored.pttl(`${prefix}:secret`);
          const metaTtl = await stored.pttl(`${prefix}:meta`);
          // The outbox goes with the metadata (issue 14 §1).
          const outboxTtl = await stored.pttl(`${prefix}:outbox`);
          expect(outboxTtl).toBeGreaterThan(4_200_000 - elapsedSince(secret) - 1000);
          expect(outboxTtl).toBeLessThanOrEqual(4_200_000);
          const elapsed = Date.now() - secret.input.nowMs;
          expect(secretTtl).toBeGreaterThan(600_000 - elapsed - 1000);
          expect(secretTtl).toBeLessThanOrEqual(600_000);
          expect(metaTtl).toBeGreaterThan(4_200_000 - elapsed - 1000);
          expect(metaTtl).toBeLessThanOrEqual(4_200_000);
        });

        it("never stores a proof: only the ciphertext, verifiers and metadata", async () => {
          const secrets = [await created({ maxViews: 2, allowedIps: ["192.0.2.0/24"] }), await created()];
          const [first, second] = secrets as [TestSecret, TestSecret];
          await reveal(first, undefined, requester(v4Hex("192.0.2.9"), "192.0.2.0/24"));
          await store.reveal({ ...access(first, undefined, requester(v4Hex("192.0.2.9"))), unlockVerifier: second.unlock.verifier });
          await store.check(access(first, undefined, requester(v4Hex("203.0.113.1"))));
          await store.burn(manage(second));
          const stored = harness.stored!();
          const values: string[] = [];
          for (const secret of secrets) {
            for (const key of await stored.keys(`${harness.keyPrefix}:{${secret.input.id}}:*`)) {
              values.push(key, ...(await stored.values(key)));
            }
          }
          const everything = values.join("\n");
          expect(everything).toContain(first.access.verifier);
          for (const secret of secrets) {
            for (const proof of [secret.access, secret.unlock, secret.manage]) {
              const bytes = Buffer.from(proof.proof, "base64url");
              for (const form of [proof.proof, bytes.toString("base64"), bytes.toString("hex")]) {
                expect(everything).not.toContain(form);
              }
            }
          }
        });
      });
    }
  });
}
