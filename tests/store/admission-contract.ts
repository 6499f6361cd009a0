/**
 * The admission contract (lib/store/admission.ts), run by tests/store/contract.ts on every
 * driver: a check's or a reveal's rate limits taken with the store call. A refused admission
 * runs nothing (no view taken), parallel admitted reveals pass exactly the limit (across two
 * store instances where they share a backend), a held bucket is given back for every answer
 * but a wrong passphrase, and the counters are the limiter's own (RateLimiter.take sees them).
 */
import { describe, expect, it } from "vitest";
import { AdmissionRefusedError, type Admission } from "@/lib/store/admission";
import type { SecretStore } from "@/lib/store/types";
import { makeSecret, requester, type TestSecret } from "./helpers";
import { dripBucket, freshGroup, windowBucket } from "./rate-limit-contract";

const read = (limit: number) => windowBucket("read:a:x", limit);
const pass = (limit: number) => dripBucket("pass:a:x", limit);

/** A check's admission: the read only. */
const checkAdmission = (group: string, readLimit: number): Admission => ({ group, buckets: [read(readLimit)], runWhenFull: true, held: 0 });
/** A reveal's admission: the read, and one wrong passphrase held. */
const revealAdmission = (group: string, readLimit: number, passLimit: number): Admission => ({
  group,
  buckets: [read(readLimit), pass(passLimit)],
  runWhenFull: false,
  held: 1,
});

/** What a store call ended in: its result kind, or the admission's refusal. */
async function outcomeOf(call: Promise<{ kind: string }>): Promise<string> {
  try {
    return (await call).kind;
  } catch (error) {
    if (error instanceof AdmissionRefusedError && error.decision.kind === "refused") return `refused:${error.decision.bucket}`;
    throw error;
  }
}

export function describeAdmissionContract(
  stores: () => { store: SecretStore; other: SecretStore },
  sharedBackend: boolean,
): void {
  describe("admission (rate limits taken with the store call)", () => {
    async function created(overrides: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> {
      const secret = makeSecret(overrides);
      expect((await stores().store.create(secret.input)).kind).toBe("created");
      return secret;
    }

    const access = (secret: TestSecret, admission?: Admission) => ({
      id: secret.input.id,
      accessVerifier: secret.access.verifier,
      nowMs: secret.input.nowMs + 1000,
      requester: requester(),
      ...(admission ? { admission } : {}),
    });

    const viewsLeft = async (secret: TestSecret) => {
      const checked = await stores().store.check(access(secret));
      if (checked.kind !== "ok") throw new Error(`expected the secret to be there, got ${checked.kind}`);
      return checked.viewsLeft;
    };

    it("a check takes its read; over the limit it is refused, and the counter is the limiter's own", async () => {
      const { store } = stores();
      const secret = await created();
      const group = freshGroup();
      const outcomes = [];
      for (let i = 0; i < 3; i += 1) outcomes.push(await outcomeOf(store.check(access(secret, checkAdmission(group, 2)))));
      expect(outcomes).toEqual(["ok", "ok", "refused:read:a:x"]);
      // The same counters as RateLimiter.take: a limit of 3 has one unit left after two checks.
      expect(await store.rateLimiter.take(group, [read(3)], Date.now())).toEqual({ kind: "allowed" });
      expect(await store.rateLimiter.take(group, [read(3)], Date.now())).toMatchObject({ kind: "refused" });
    });

    it("a refused reveal runs nothing: no view is taken", async () => {
      const { store } = stores();
      const secret = await created({ maxViews: 3 });
      const group = freshGroup();
      const reveal = () => store.reveal({ ...access(secret, revealAdmission(group, 1, 10)), unlockVerifier: secret.unlock.verifier });
      expect(await outcomeOf(reveal())).toBe("ok");
      expect(await outcomeOf(reveal())).toBe("refused:read:a:x");
      expect(await viewsLeft(secret)).toBe(2);
    });

    it("an unknown id or a malformed proof is counted like any request", async () => {
      const { store } = stores();
      const secret = await created();
      const group = freshGroup();
      const unknown = { ...access(secret, checkAdmission(group, 1)), id: makeSecret().input.id };
      expect(await outcomeOf(store.check(unknown))).toBe("not_found");
      const malformed = { ...access(secret, checkAdmission(group, 1)), accessVerifier: "not a verifier" };
      expect(await outcomeOf(store.check(malformed))).toBe("refused:read:a:x");
    });

    it(`passes exactly 5 of 40 parallel reveals through a read limit of 5${sharedBackend ? " across two store instances" : ""}, and takes 5 views`, async () => {
      const { store, other } = stores();
      const secret = await created({ maxViews: 100 });
      const group = freshGroup();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          outcomeOf((i % 2 ? other : store).reveal({ ...access(secret, revealAdmission(group, 5, 100)), unlockVerifier: secret.unlock.verifier })),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(5);
      expect(outcomes.filter((outcome) => outcome === "refused:read:a:x")).toHaveLength(35);
      expect(await viewsLeft(secret)).toBe(95);
    });

    it("keeps a held unit for a wrong passphrase only: 3 of 12 parallel guesses are answered, 9 refused", async () => {
      const { store, other } = stores();
      const secret = await created({ maxViews: 5, attemptsLimit: 100 });
      const group = freshGroup();
      const wrong = makeSecret().unlock.verifier;
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          outcomeOf((i % 2 ? other : store).reveal({ ...access(secret, revealAdmission(group, 100, 3)), unlockVerifier: wrong })),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "wrong_passphrase")).toHaveLength(3);
      expect(outcomes.filter((outcome) => outcome === "refused:pass:a:x")).toHaveLength(9);
      // The bucket is full: even the right passphrase is refused now, and takes no view.
      const right = { ...access(secret, revealAdmission(group, 100, 3)), unlockVerifier: secret.unlock.verifier };
      expect(await outcomeOf(store.reveal(right))).toBe("refused:pass:a:x");
      expect(await viewsLeft(secret)).toBe(5);
    });

    it("a status and a burn take their bucket; a refused burn burns nothing", async () => {
      const { store } = stores();
      const secret = await created();
      const group = freshGroup();
      const manage = (admission: Admission) => ({
        id: secret.input.id,
        manageVerifier: secret.manage.verifier,
        nowMs: secret.input.nowMs + 1000,
        requester: requester(),
        admission,
      });
      const burnBucket = windowBucket("burn:a:x", 1);
      const once = (bucket: typeof burnBucket): Admission => ({ group, buckets: [bucket], runWhenFull: true, held: 0 });
      expect(await outcomeOf(store.status(manage(once(windowBucket("manage:a:x", 1)))))).toBe("ok");
      expect(await outcomeOf(store.status(manage(once(windowBucket("manage:a:x", 1)))))).toBe("refused:manage:a:x");
      // The burn bucket is used up by a take of its own: the burn is refused and the secret stays.
      expect(await store.rateLimiter.take(group, [burnBucket], Date.now())).toEqual({ kind: "allowed" });
      expect(await outcomeOf(store.burn(manage(once(burnBucket))))).toBe("refused:burn:a:x");
      expect(await viewsLeft(secret)).toBe(1);
      expect(await outcomeOf(store.burn(manage(once(windowBucket("burn:a:y", 1)))))).toBe("burned");
    });

    it("gives the held unit back for a right passphrase, an unknown id and a gone secret", async () => {
      const { store } = stores();
      const secret = await created({ maxViews: 1 });
      const group = freshGroup();
      const right = { ...access(secret, revealAdmission(group, 100, 1)), unlockVerifier: secret.unlock.verifier };
      expect(await outcomeOf(store.reveal(right))).toBe("ok");
      expect(await outcomeOf(store.reveal(right))).toBe("gone");
      expect(await outcomeOf(store.reveal({ ...right, id: makeSecret().input.id }))).toBe("not_found");
      // The memory store and Redis Cluster give back after answering (not awaited): wait for it.
      await expect.poll(() => store.rateLimiter.take(group, [pass(1)], Date.now()), { timeout: 5000, interval: 20 }).toEqual({ kind: "allowed" });
    });
  });
}
