/**
 * The event contract (PROTOCOL.md §9, issue 14 §1) every driver keeps: each state change of a
 * secret or a request appends exactly one outbox event with the right type, seq and creator,
 * in the same atomic step; repeats coalesce until taken; claim retries add nothing; expiry is
 * recorded once; nothing secret is in an outbox. Run against memory, Redis, Redis Cluster and
 * Upstash by the *.test.ts files next to this one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BurnlinkEvent } from "@/lib/server/events/types";
import { memberOf, shardOf } from "@/lib/store/event-keys";
import { eventSourceFor, type EventSource } from "@/lib/store/event-source";
import { requestStoreFor } from "@/lib/store/request-store";
import type { RequestStore } from "@/lib/store/request-types";
import type { SecretStore } from "@/lib/store/types";
import type { ContractHarness } from "./contract";
import { makeProof, makeSecret, requester, v4Hex, type TestSecret } from "./helpers";
import { makeRequest } from "./request-contract";

const CREATOR = { kind: "token", name: "ci-deploy" } as const;

export function describeEventContract(name: string, harness: ContractHarness): void {
  describe(`${name} event contract`, () => {
    let store: SecretStore;
    let other: SecretStore;
    let requests: RequestStore;
    let events: EventSource;

    beforeAll(async () => {
      store = await harness.makeStore();
      other = harness.sharedBackend ? await harness.makeStore() : store;
      requests = requestStoreFor(store);
      events = eventSourceFor(store);
    });

    afterAll(async () => {
      await store.close();
      if (other !== store) await other.close();
    });

    async function created(overrides: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> {
      const secret = makeSecret(overrides);
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      return secret;
    }

    const access = (secret: TestSecret, client = requester(), nowMs = secret.input.nowMs + 1000) => ({
      id: secret.input.id,
      accessVerifier: secret.access.verifier,
      nowMs,
      requester: client,
    });
    const reveal = (secret: TestSecret, unlockVerifier = secret.unlock.verifier, client = requester(), via = store) =>
      via.reveal({ ...access(secret, client), unlockVerifier });
    const manage = (secret: TestSecret) => ({
      id: secret.input.id,
      manageVerifier: secret.manage.verifier,
      nowMs: secret.input.nowMs + 2000,
      requester: requester(v4Hex("192.0.2.1"), "192.0.2.0/24"),
    });

    const secretRef = (secret: TestSecret) => ({ subject: "secret" as const, id: secret.input.id });
    const outbox = (secret: TestSecret) => events.take(secretRef(secret), 1000);
    const brief = (list: BurnlinkEvent[]) => list.map((event) => [event.type, event.seq, event.count]);

    it("appends one event per state change with a per-secret seq, the creator and the notify target", async () => {
      const secret = await created({ maxViews: 2, creator: CREATOR, notify: "opaque-notify-target" });
      await reveal(secret);
      await reveal(secret);
      expect(await store.burn(manage(secret))).toEqual({ kind: "already_gone" });
      const list = await outbox(secret);
      expect(brief(list)).toEqual([
        ["secret.created", 1, undefined],
        ["secret.viewed", 2, undefined],
        ["secret.viewed", 3, undefined],
      ]);
      for (const event of list) {
        expect(event).toMatchObject({ subject: "secret", id: secret.input.id, creator: CREATOR, notify: "opaque-notify-target" });
      }
      expect(list[0]!.ip).toBe("192.0.2.0/24");
      expect(list[0]!.atMs).toBe(secret.input.nowMs);
    });

    it("records a burn, an ip_blocked check and the burn at the attempts limit", async () => {
      const burned = await created({ maxViews: 3 });
      expect(await store.burn(manage(burned))).toEqual({ kind: "burned" });
      expect(brief(await outbox(burned))).toEqual([
        ["secret.created", 1, undefined],
        ["secret.burned", 2, undefined],
      ]);

      const fenced = await created({ allowedIps: ["192.0.2.0/24"] });
      expect(await store.check(access(fenced, requester(v4Hex("203.0.113.5"), "203.0.113.0/24")))).toEqual({ kind: "ip_not_allowed" });
      const blocked = (await outbox(fenced))[1]!;
      expect(blocked).toMatchObject({ type: "secret.ip_blocked", seq: 2, ip: "203.0.113.0/24" });

      const guessed = await created({ attemptsLimit: 2 });
      const wrong = makeSecret().unlock.verifier;
      await reveal(guessed, wrong);
      await reveal(guessed, wrong);
      expect(brief(await outbox(guessed))).toEqual([
        ["secret.created", 1, undefined],
        ["secret.wrong_passphrase", 2, 2],
        ["secret.burned", 3, undefined],
      ]);
    });

    it("coalesces repeated wrong passphrases from one ip until the dispatcher takes them, then starts a new event", async () => {
      const secret = await created({ attemptsLimit: 10 });
      const wrong = makeSecret().unlock.verifier;
      const client = requester(v4Hex("198.51.100.7"), "198.51.100.0/24");
      for (let i = 0; i < 3; i += 1) await reveal(secret, wrong, client);
      const first = await outbox(secret);
      expect(brief(first)).toEqual([
        ["secret.created", 1, undefined],
        ["secret.wrong_passphrase", 2, 3],
      ]);
      expect(first[1]!.lastAtMs).toBe(secret.input.nowMs + 1000);
      // Taken: a delivered event never changes, the next attempt is a new event.
      await reveal(secret, wrong, client);
      await reveal(secret, wrong, requester(v4Hex("203.0.113.5"), "203.0.113.0/24"));
      const again = await outbox(secret);
      expect(brief(again)).toEqual([
        ["secret.created", 1, undefined],
        ["secret.wrong_passphrase", 2, 3],
        ["secret.wrong_passphrase", 3, undefined],
        ["secret.wrong_passphrase", 4, undefined],
      ]);
      const counted = again.filter((event) => event.type === "secret.wrong_passphrase").reduce((sum, event) => sum + (event.count ?? 1), 0);
      expect(counted).toBe(5);
    });

    it("records nothing for a claim's retry within its grace", async () => {
      const secret = await created({ maxViews: 2 });
      const claim = { verifier: makeProof().verifier, graceSeconds: 60 };
      const claimed = () => store.reveal({ ...access(secret), unlockVerifier: secret.unlock.verifier, claim });
      expect(await claimed()).toMatchObject({ kind: "ok", viewsLeft: 1 });
      expect(await claimed()).toMatchObject({ kind: "ok", viewsLeft: 1 });
      expect(await claimed()).toMatchObject({ kind: "ok", viewsLeft: 1 });
      expect(brief(await outbox(secret))).toEqual([
        ["secret.created", 1, undefined],
        ["secret.viewed", 2, undefined],
      ]);
    });

    it("records exactly 3 viewed events for 200 concurrent reveals of a secret with maxViews = 3", async () => {
      const secret = await created({ maxViews: 3 });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => reveal(secret, undefined, requester(), i % 2 ? other : store)));
      expect(results.filter((result) => result.kind === "ok")).toHaveLength(3);
      const viewed = (await outbox(secret)).filter((event) => event.type === "secret.viewed");
      expect(viewed.map((event) => event.seq)).toEqual([2, 3, 4]);
    });

    it("lists a subject as pending until every event is acknowledged, and keeps events that came after the batch", async () => {
      const secret = await created({ maxViews: 2 });
      const shard = shardOf(secret.input.id);
      const pendingNow = async () => (await events.pending(shard, 100_000)).some((ref) => ref.id === secret.input.id);
      expect(await pendingNow()).toBe(true);
      const batch = await outbox(secret);
      await reveal(secret);
      await events.ack(secretRef(secret), batch.at(-1)!.seq);
      expect(brief(await outbox(secret))).toEqual([["secret.viewed", 2, undefined]]);
      expect(await pendingNow()).toBe(true);
      await events.ack(secretRef(secret), 2);
      expect(await outbox(secret)).toEqual([]);
      expect(await pendingNow()).toBe(false);
      // A later change puts it back.
      await reveal(secret);
      expect(await pendingNow()).toBe(true);
    });

    it("names as busy exactly the shards whose pending index holds a subject", async () => {
      const secret = await created();
      const busy = await events.busyShards();
      expect(busy).toContain(shardOf(secret.input.id));
      expect([...busy].sort((a, b) => a - b)).toEqual(busy);
      const shards = Array.from({ length: events.shards }, (_, shard) => shard);
      const withPending = [];
      for (const shard of shards) if ((await events.pending(shard, 1)).length > 0) withPending.push(shard);
      expect(busy).toEqual(withPending);
    });

    it("records secret.expired once, from the schedule, only for a secret that expired with views left", async () => {
      const nowMs = Date.now();
      const unread = await created({ ttlSeconds: 60, nowMs, maxViews: 2 });
      const read = await created({ ttlSeconds: 60, nowMs });
      await reveal(read);
      const shard = shardOf(unread.input.id);
      expect((await events.dueExpiries(shard, nowMs + 59_000, 100_000)).some((ref) => ref.id === unread.input.id)).toBe(false);
      const due = await events.dueExpiries(shard, nowMs + 60_000, 100_000);
      expect(due.some((ref) => ref.id === unread.input.id)).toBe(true);
      expect(await events.expire(secretRef(unread), nowMs + 59_999)).toBe("early");
      const [a, b] = await Promise.all([events.expire(secretRef(unread), nowMs + 61_000), events.expire(secretRef(unread), nowMs + 61_000)]);
      expect([a, b].sort()).toEqual(["done", "recorded"]);
      expect(await events.expire(secretRef(unread), nowMs + 62_000)).toBe("done");
      expect((await events.dueExpiries(shard, nowMs + 120_000, 100_000)).some((ref) => ref.id === unread.input.id)).toBe(false);
      const expired = (await outbox(unread)).filter((event) => event.type === "secret.expired");
      expect(expired).toEqual([expect.objectContaining({ seq: 2, atMs: nowMs + 60_000 })]);
      expect(expired[0]!.ip).toBeUndefined();
      expect(await events.expire(secretRef(read), nowMs + 61_000)).toBe("done");
      expect((await outbox(read)).map((event) => event.type)).toEqual(["secret.created", "secret.viewed"]);
    });

    it("records each request change once, with response numbers, and request.expired once for an open request", async () => {
      const request = makeRequest({ maxResponses: 2 });
      const ref = { subject: "request" as const, id: request.input.id };
      expect(await requests.create(request.input)).toMatchObject({ kind: "created" });
      const write = { id: request.input.id, writeVerifier: request.write.verifier, nowMs: request.input.nowMs + 1000, requester: requester() };
      const reply = { epk: makeProof().verifier, ciphertext: "AAAA" };
      expect(await requests.respond({ ...write, ...reply })).toMatchObject({ kind: "ok", n: 1 });
      const collect = { id: request.input.id, collectVerifier: request.collect.verifier, nowMs: request.input.nowMs + 2000, requester: requester() };
      const claimVerifier = makeProof().verifier;
      await requests.collect({ ...collect, claimVerifier, graceSeconds: 60 });
      await requests.collect({ ...collect, claimVerifier, graceSeconds: 60 });
      expect(await requests.revoke(collect)).toEqual({ kind: "revoked" });
      expect(await requests.revoke(collect)).toEqual({ kind: "already_revoked" });
      const list = await events.take(ref, 100);
      expect(list.map((event) => [event.type, event.seq, event.n])).toEqual([
        ["request.created", 1, undefined],
        ["request.responded", 2, 1],
        ["request.collected", 3, [1]],
        ["request.revoked", 4, undefined],
      ]);
      expect(await events.expire(ref, request.input.nowMs + 3_600_000)).toBe("done");

      const open = makeRequest({ ttlSeconds: 60 });
      const openRef = { subject: "request" as const, id: open.input.id };
      await requests.create(open.input);
      expect(await events.expire(openRef, open.input.nowMs + 60_000)).toBe("recorded");
      expect(await events.expire(openRef, open.input.nowMs + 60_000)).toBe("done");
      expect((await events.take(openRef, 100)).map((event) => [event.type, event.atMs])).toEqual([
        ["request.created", open.input.nowMs],
        ["request.expired", open.input.nowMs + 60_000],
      ]);
    });

    it("carries the creator of a request made with a credential on its events, and none on an anonymous one's", async () => {
      const made = makeRequest({ creator: { ...CREATOR, kid: "kid-never-on-the-wire" } });
      expect(await requests.create(made.input)).toMatchObject({ kind: "created" });
      const [createdEvent] = await events.take({ subject: "request", id: made.input.id }, 10);
      // The kid stays in the metadata: an event, like the wire, names the token only.
      expect(createdEvent).toMatchObject({ type: "request.created", creator: CREATOR });
      expect(createdEvent?.creator).toEqual(CREATOR);
      const anonymous = makeRequest();
      await requests.create(anonymous.input);
      const [anonymousEvent] = await events.take({ subject: "request", id: anonymous.input.id }, 10);
      expect(anonymousEvent).toMatchObject({ type: "request.created" });
      expect(anonymousEvent).not.toHaveProperty("creator");
    });

    it("gives a shard's lease to one holder at a time, and only its holder can give it back", async () => {
      const source = eventSourceFor(other);
      expect(await events.tryLease("deliver", 3, "token-a", 5000)).toBe(true);
      expect(await source.tryLease("deliver", 3, "token-b", 5000)).toBe(false);
      await source.release("deliver", 3, "token-b");
      expect(await source.tryLease("deliver", 3, "token-b", 5000)).toBe(false);
      await events.release("deliver", 3, "token-a");
      expect(await source.tryLease("deliver", 3, "token-b", 5000)).toBe(true);
      await source.release("deliver", 3, "token-b");
    });

    if (harness.stored) {
      it("never stores a ciphertext, proof, verifier, claim or notify target in an outbox", async () => {
        const secret = await created({ maxViews: 2, creator: CREATOR, notify: "opaque-notify-target", allowedIps: ["192.0.2.0/24"] });
        const claim = makeProof();
        await store.reveal({ ...access(secret, requester(v4Hex("192.0.2.9"))), unlockVerifier: secret.unlock.verifier, claim: { verifier: claim.verifier, graceSeconds: 60 } });
        await reveal(secret, makeSecret().unlock.verifier, requester(v4Hex("192.0.2.9")));
        await store.check(access(secret, requester(v4Hex("203.0.113.1"))));
        await store.burn(manage(secret));
        const request = makeRequest();
        await requests.create(request.input);
        const stored = harness.stored!();
        const values: string[] = [];
        for (const key of [`${harness.keyPrefix}:{${secret.input.id}}:outbox`, `${harness.keyPrefix}:{${request.input.id}}:request-outbox`]) {
          values.push(...(await stored.values(key)));
        }
        expect(values.length).toBe(6);
        const everything = values.join("\n");
        expect(everything).toContain("secret.burned");
        const forbidden = [secret.ciphertext, "opaque-notify-target", request.input.label!];
        for (const proof of [secret.access, secret.unlock, secret.manage, claim, request.write, request.collect]) {
          forbidden.push(proof.proof, proof.verifier, Buffer.from(proof.proof, "base64url").toString("hex"));
        }
        for (const value of forbidden) expect(everything).not.toContain(value);
        expect(memberOf(secretRef(secret))).toBe(`s:${secret.input.id}`);
      });
    }
  });
}
