/**
 * The one contract every RequestStore driver must keep (lib/store/request-types.ts,
 * PROTOCOL.md §7), run against memory, Redis, Redis Cluster and Upstash by the *.test.ts
 * files next to this one, races included. Each state rule of §7 has a test.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestStoreFor } from "@/lib/store/request-store";
import type { NewRequest, RequestStore, RespondResult } from "@/lib/store/request-types";
import type { SecretStore } from "@/lib/store/types";
import type { ContractHarness } from "./contract";
import { makeProof, randomId, requester, v4Hex, waitFor, type Proof } from "./helpers";

const HOUR_MS = 3_600_000;
const GRACE_SECONDS = 120;

export interface TestRequest {
  input: NewRequest;
  write: Proof;
  collect: Proof;
}

export function makeRequest(overrides: Partial<NewRequest> = {}): TestRequest {
  const write = makeProof();
  const collect = makeProof();
  const input: NewRequest = {
    id: randomId(),
    writeVerifier: write.verifier,
    collectVerifier: collect.verifier,
    label: randomBytes(1064).toString("base64url"),
    ttlSeconds: 3600,
    maxResponses: 3,
    collectWindowSeconds: 7 * 24 * 3600,
    retentionSeconds: 7 * 24 * 3600,
    nowMs: Date.now(),
    requester: requester(v4Hex("192.0.2.1"), "192.0.2.0/24"),
    ...overrides,
  };
  // `label: undefined` in overrides means a request without a label, as the API passes it.
  if (input.label === undefined) delete input.label;
  return { input, write, collect };
}

function fakeResponse(): { epk: string; ciphertext: string } {
  return {
    epk: randomBytes(32).toString("base64url"),
    ciphertext: randomBytes(1100).toString("base64url"),
  };
}

export function describeRequestStoreContract(name: string, harness: ContractHarness): void {
  describe(`${name} request store contract`, () => {
    let secrets: SecretStore;
    let otherSecrets: SecretStore;
    let store: RequestStore;
    let other: RequestStore;

    beforeAll(async () => {
      secrets = await harness.makeStore();
      otherSecrets = harness.sharedBackend ? await harness.makeStore() : secrets;
      store = requestStoreFor(secrets);
      other = requestStoreFor(otherSecrets);
    });

    afterAll(async () => {
      await secrets.close();
      if (otherSecrets !== secrets) await otherSecrets.close();
    });

    async function created(overrides: Partial<NewRequest> = {}): Promise<TestRequest> {
      const request = makeRequest(overrides);
      expect(await store.create(request.input)).toEqual({
        kind: "created",
        expiresAtMs: request.input.nowMs + request.input.ttlSeconds * 1000,
      });
      return request;
    }

    const later = (request: TestRequest, ms = 1000) => request.input.nowMs + ms;

    function write(request: TestRequest, nowMs = later(request), client = requester()) {
      return {
        id: request.input.id,
        writeVerifier: request.write.verifier,
        nowMs,
        requester: client,
      };
    }

    function respond(
      request: TestRequest,
      nowMs = later(request),
      via = store,
      client = requester(),
    ) {
      return via.respond({ ...write(request, nowMs, client), ...fakeResponse() });
    }

    function collectAccess(request: TestRequest, nowMs = later(request), auditIp?: string) {
      return {
        id: request.input.id,
        collectVerifier: request.collect.verifier,
        nowMs,
        requester: requester(v4Hex("203.0.113.9"), auditIp),
      };
    }

    function collect(
      request: TestRequest,
      options: { nowMs?: number; claim?: string; graceSeconds?: number; via?: RequestStore } = {},
    ) {
      return (options.via ?? store).collect({
        ...collectAccess(request, options.nowMs ?? later(request)),
        ...(options.claim === undefined ? {} : { claimVerifier: options.claim }),
        graceSeconds: options.graceSeconds ?? GRACE_SECONDS,
      });
    }

    async function statusOf(request: TestRequest, nowMs = later(request)) {
      const result = await store.status(collectAccess(request, nowMs));
      if (result.kind !== "ok") throw new Error(`expected a status, got ${result.kind}`);
      return result.status;
    }

    describe("create", () => {
      it("stores a request that check reports with its label, its expiry and every response left", async () => {
        const request = await created({ maxResponses: 4 });
        expect(await store.check(write(request))).toEqual({
          kind: "ok",
          label: request.input.label,
          expiresAtMs: request.input.nowMs + HOUR_MS,
          responsesLeft: 4,
        });
      });

      it("leaves the label out of check when the request has none", async () => {
        const request = await created({ label: undefined });
        const result = await store.check(write(request));
        expect(result).toEqual({
          kind: "ok",
          expiresAtMs: request.input.nowMs + HOUR_MS,
          responsesLeft: 3,
        });
        expect(result).not.toHaveProperty("label");
      });

      it("answers id_taken while the request is open, once answered and once revoked", async () => {
        const open = await created();
        expect(await store.create(makeRequest({ id: open.input.id }).input)).toEqual({
          kind: "id_taken",
        });
        const answered = await created({ maxResponses: 1 });
        expect(await respond(answered)).toMatchObject({ kind: "ok" });
        expect(await store.create(makeRequest({ id: answered.input.id }).input)).toEqual({
          kind: "id_taken",
        });
        const revoked = await created();
        expect(await store.revoke(collectAccess(revoked))).toEqual({ kind: "revoked" });
        expect(await store.create(makeRequest({ id: revoked.input.id }).input)).toEqual({
          kind: "id_taken",
        });
        // The refused creates changed nothing: the first request still takes answers with its own proof.
        expect(await respond(open)).toEqual({ kind: "ok", n: 1, responsesLeft: 2 });
      });

      it("lets exactly one of many concurrent creates of one rid win", async () => {
        const first = makeRequest();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? store : other).create(makeRequest({ id: first.input.id }).input),
          ),
        );
        expect(results.filter((r) => r.kind === "created")).toHaveLength(1);
        expect(results.filter((r) => r.kind === "id_taken")).toHaveLength(19);
      });

      it("records a created event carrying the creator's audit address", async () => {
        const request = await created();
        expect((await statusOf(request)).events).toEqual([
          { type: "created", atMs: request.input.nowMs, ip: "192.0.2.0/24" },
        ]);
      });

      it("refuses a rid that could escape its hash tag before touching the backend", async () => {
        await expect(
          store.create(makeRequest({ id: "a}b{c".padEnd(22, "x") }).input),
        ).rejects.toThrow(TypeError);
      });
    });

    describe("check", () => {
      it("consumes nothing and records nothing", async () => {
        const request = await created();
        for (let i = 0; i < 3; i++)
          expect(await store.check(write(request))).toMatchObject({ responsesLeft: 3 });
        expect((await statusOf(request)).events.map((e) => e.type)).toEqual(["created"]);
      });

      it("answers not_found for an unknown rid, a wrong write proof, and the collect verifier used as one", async () => {
        const request = await created();
        expect(await store.check({ ...write(request), id: randomId() })).toEqual({
          kind: "not_found",
        });
        expect(
          await store.check({ ...write(request), writeVerifier: makeProof().verifier }),
        ).toEqual({ kind: "not_found" });
        expect(
          await store.check({ ...write(request), writeVerifier: request.collect.verifier }),
        ).toEqual({
          kind: "not_found",
        });
        expect(await store.check({ ...write(request), id: "short" })).toEqual({
          kind: "not_found",
        });
      });

      it("answers gone{expired, expiresAt} once the clock reaches expiresAt", async () => {
        const request = await created();
        const expiresAtMs = request.input.nowMs + HOUR_MS;
        expect(await store.check(write(request, expiresAtMs - 1))).toMatchObject({ kind: "ok" });
        expect(await store.check(write(request, expiresAtMs))).toEqual({
          kind: "gone",
          reason: "expired",
          atMs: expiresAtMs,
        });
        expect(await respond(request, expiresAtMs)).toEqual({
          kind: "gone",
          reason: "expired",
          atMs: expiresAtMs,
        });
      });

      it("answers gone{answered} at the time of the last response, and still answered after expiresAt", async () => {
        const request = await created({ maxResponses: 2 });
        await respond(request, later(request, 1000));
        await respond(request, later(request, 2000));
        const answered = { kind: "gone", reason: "answered", atMs: later(request, 2000) };
        expect(await store.check(write(request, later(request, 3000)))).toEqual(answered);
        expect(await store.check(write(request, later(request, 2 * HOUR_MS)))).toEqual(answered);
        expect(await respond(request, later(request, 3000))).toEqual(answered);
      });

      it("answers gone{revoked} at the revocation, even for an answered request", async () => {
        const request = await created({ maxResponses: 1 });
        await respond(request, later(request, 1000));
        expect(await store.revoke(collectAccess(request, later(request, 5000)))).toEqual({
          kind: "revoked",
        });
        expect(await store.check(write(request, later(request, 6000)))).toEqual({
          kind: "gone",
          reason: "revoked",
          atMs: later(request, 5000),
        });
      });
    });

    describe("respond", () => {
      it("numbers responses from 1, counts responsesLeft down and records each with the responder's address", async () => {
        const request = await created({ maxResponses: 3 });
        const responder = requester(v4Hex("198.51.100.7"), "198.51.100.0/24");
        expect(await respond(request, later(request, 10), store, responder)).toEqual({
          kind: "ok",
          n: 1,
          responsesLeft: 2,
        });
        expect(await respond(request, later(request, 20), store, requester())).toEqual({
          kind: "ok",
          n: 2,
          responsesLeft: 1,
        });
        expect((await statusOf(request)).events).toEqual([
          { type: "created", atMs: request.input.nowMs, ip: "192.0.2.0/24" },
          { type: "responded", atMs: later(request, 10), ip: "198.51.100.0/24", n: 1 },
          { type: "responded", atMs: later(request, 20), n: 2 },
        ]);
      });

      it("answers not_found for a wrong write proof and stores nothing", async () => {
        const request = await created();
        const wrong = await store.respond({
          ...write(request),
          writeVerifier: makeProof().verifier,
          ...fakeResponse(),
        });
        expect(wrong).toEqual({ kind: "not_found" });
        expect(await statusOf(request)).toMatchObject({ pending: 0, responsesLeft: 3 });
      });

      it("refuses after a revoke with gone{revoked}", async () => {
        const request = await created();
        await store.revoke(collectAccess(request, later(request, 100)));
        expect(await respond(request, later(request, 200))).toEqual({
          kind: "gone",
          reason: "revoked",
          atMs: later(request, 100),
        });
      });
    });

    describe("collect", () => {
      it("returns every pending response in order of n and deletes them in the same step", async () => {
        const request = await created({ maxResponses: 3 });
        const sent = [fakeResponse(), fakeResponse()];
        for (const [i, body] of sent.entries()) {
          await store.respond({ ...write(request, later(request, 10 * (i + 1))), ...body });
        }
        const first = await collect(request);
        expect(first).toEqual({
          kind: "ok",
          state: "open",
          responses: sent.map((body, i) => ({
            n: i + 1,
            ...body,
            atMs: later(request, 10 * (i + 1)),
          })),
        });
        expect(await collect(request)).toEqual({ kind: "ok", state: "open", responses: [] });
        expect(await statusOf(request)).toMatchObject({ pending: 0, responsesLeft: 1 });
        // A later response is delivered by the next collect, and only that one.
        await respond(request);
        const next = await collect(request);
        expect(next.kind === "ok" && next.responses.map((r) => r.n)).toEqual([3]);
        expect(next).toMatchObject({ state: "answered" });
      });

      it("answers not_found for a wrong collect proof, the write proof used as one, and an unknown rid", async () => {
        const request = await created();
        await respond(request);
        const base = { ...collectAccess(request), graceSeconds: GRACE_SECONDS };
        expect(await store.collect({ ...base, collectVerifier: makeProof().verifier })).toEqual({
          kind: "not_found",
        });
        expect(await store.collect({ ...base, collectVerifier: request.write.verifier })).toEqual({
          kind: "not_found",
        });
        expect(await store.collect({ ...base, id: randomId() })).toEqual({ kind: "not_found" });
        expect(await statusOf(request)).toMatchObject({ pending: 1 });
      });

      it("is never gone: after the expiry it still delivers what is stored, with state expired", async () => {
        const request = await created({ maxResponses: 3 });
        await respond(request);
        const result = await collect(request, { nowMs: later(request, HOUR_MS + 1000) });
        expect(result).toMatchObject({ kind: "ok", state: "expired" });
        expect(result.kind === "ok" && result.responses).toHaveLength(1);
      });

      it("after a revoke answers an empty list with state revoked: the pending responses were deleted", async () => {
        const request = await created();
        await respond(request);
        expect(await store.revoke(collectAccess(request))).toEqual({ kind: "revoked" });
        expect(await collect(request)).toEqual({ kind: "ok", state: "revoked", responses: [] });
      });

      it("returns exactly the same list to a retry with the same claim within the grace, never later responses", async () => {
        const request = await created({ maxResponses: 3 });
        await respond(request, later(request, 10));
        const claim = makeProof().verifier;
        const first = await collect(request, { claim, nowMs: later(request, 100) });
        expect(first.kind === "ok" && first.responses.map((r) => r.n)).toEqual([1]);
        await respond(request, later(request, 200));
        const retry = await collect(request, { claim, nowMs: later(request, 300) });
        expect(retry).toEqual(first);
        // The retry consumed nothing: response 2 is still pending, and no event was recorded for it.
        expect((await statusOf(request, later(request, 400))).pending).toBe(1);
        expect((await statusOf(request)).events.filter((e) => e.type === "collected")).toEqual([
          { type: "collected", atMs: later(request, 100), n: [1] },
        ]);
        // Another claim (or none) is a new collect and gets response 2.
        const fresh = await collect(request, {
          claim: makeProof().verifier,
          nowMs: later(request, 500),
        });
        expect(fresh.kind === "ok" && fresh.responses.map((r) => r.n)).toEqual([2]);
      });

      it("records an empty list for a claim too, so its retry stays empty after a response arrives", async () => {
        const request = await created();
        const claim = makeProof().verifier;
        expect(await collect(request, { claim })).toEqual({
          kind: "ok",
          state: "open",
          responses: [],
        });
        await respond(request, later(request, 2000));
        expect(await collect(request, { claim, nowMs: later(request, 3000) })).toEqual({
          kind: "ok",
          state: "open",
          responses: [],
        });
        expect((await statusOf(request)).events.map((e) => e.type)).toEqual([
          "created",
          "responded",
        ]);
      });

      it("treats a claim whose grace has ended as a new collect", async () => {
        const request = await created();
        await respond(request, later(request, 10));
        const claim = makeProof().verifier;
        await collect(request, { claim, nowMs: later(request, 100) });
        await respond(request, later(request, 200));
        const afterGrace = await collect(request, {
          claim,
          nowMs: later(request, 100 + GRACE_SECONDS * 1000),
        });
        expect(afterGrace.kind === "ok" && afterGrace.responses.map((r) => r.n)).toEqual([2]);
      });

      it("reports the current state on a claim retry", async () => {
        const request = await created({ maxResponses: 2 });
        await respond(request, later(request, 10));
        const claim = makeProof().verifier;
        expect(await collect(request, { claim, nowMs: later(request, 20) })).toMatchObject({
          state: "open",
        });
        await respond(request, later(request, 30));
        const retry = await collect(request, { claim, nowMs: later(request, 40) });
        expect(retry).toMatchObject({ state: "answered" });
        expect(retry.kind === "ok" && retry.responses.map((r) => r.n)).toEqual([1]);
      });

      it("ignores a claim when the grace is 0: a retry is a new collect", async () => {
        const request = await created();
        await respond(request);
        const claim = makeProof().verifier;
        const first = await collect(request, { claim, graceSeconds: 0 });
        expect(first.kind === "ok" && first.responses).toHaveLength(1);
        expect(await collect(request, { claim, graceSeconds: 0 })).toEqual({
          kind: "ok",
          state: "open",
          responses: [],
        });
        const stored = harness.stored?.();
        if (stored)
          expect(await stored.keys(`${harness.keyPrefix}:{${request.input.id}}:delivered`)).toEqual(
            [],
          );
      });

      it("ends every collect grace on revoke: a retry then gets the empty list of a revoked request", async () => {
        const request = await created();
        await respond(request);
        const claim = makeProof().verifier;
        const first = await collect(request, { claim });
        expect(first.kind === "ok" && first.responses).toHaveLength(1);
        await store.revoke(collectAccess(request));
        expect(await collect(request, { claim })).toEqual({
          kind: "ok",
          state: "revoked",
          responses: [],
        });
      });

      it("records collected with the numbers delivered, and nothing for an empty collect", async () => {
        const request = await created();
        await respond(request, later(request, 10));
        await respond(request, later(request, 20));
        await store.collect({
          ...collectAccess(request, later(request, 30), "203.0.113.0/24"),
          graceSeconds: 0,
        });
        await collect(request, { nowMs: later(request, 40) });
        const events = (await statusOf(request)).events;
        expect(events.slice(3)).toEqual([
          { type: "collected", atMs: later(request, 30), ip: "203.0.113.0/24", n: [1, 2] },
        ]);
        expect(events).toHaveLength(4);
      });
    });

    describe("status", () => {
      it("reports every field of an open request", async () => {
        const request = await created({ maxResponses: 5 });
        await respond(request);
        expect(await statusOf(request)).toEqual({
          id: request.input.id,
          state: "open",
          createdAtMs: request.input.nowMs,
          expiresAtMs: request.input.nowMs + HOUR_MS,
          maxResponses: 5,
          responsesLeft: 4,
          pending: 1,
          events: [
            { type: "created", atMs: request.input.nowMs, ip: "192.0.2.0/24" },
            { type: "responded", atMs: later(request), n: 1 },
          ],
        });
      });

      it("says answered, expired or revoked with responsesLeft 0, and counts pending responses", async () => {
        const answered = await created({ maxResponses: 1 });
        await respond(answered);
        expect(await statusOf(answered)).toMatchObject({
          state: "answered",
          responsesLeft: 0,
          pending: 1,
        });
        expect(await statusOf(answered, later(answered, 2 * HOUR_MS))).toMatchObject({
          state: "answered",
        });
        const expired = await created();
        expect(await statusOf(expired, later(expired, HOUR_MS))).toMatchObject({
          state: "expired",
          responsesLeft: 0,
        });
        await store.revoke(collectAccess(expired, later(expired, HOUR_MS + 10)));
        expect(await statusOf(expired, later(expired, HOUR_MS + 20))).toMatchObject({
          state: "revoked",
          pending: 0,
        });
      });

      it("answers not_found for a wrong collect proof, the write proof used as one, and an unknown rid", async () => {
        const request = await created();
        expect(
          await store.status({ ...collectAccess(request), collectVerifier: makeProof().verifier }),
        ).toEqual({
          kind: "not_found",
        });
        expect(
          await store.status({
            ...collectAccess(request),
            collectVerifier: request.write.verifier,
          }),
        ).toEqual({
          kind: "not_found",
        });
        expect(await store.status({ ...collectAccess(request), id: randomId() })).toEqual({
          kind: "not_found",
        });
      });
    });

    describe("creator (PROTOCOL.md §8)", () => {
      const byToken = { kind: "token", name: "ci", kid: "k-1" } as const;
      const bySso = { kind: "sso", issuer: "https://idp.example", subject: "u-1", email: "alice@example.com" } as const;

      it("returns the creator a request was made with in status, and none for an anonymous one", async () => {
        const token = await created({ creator: byToken });
        const sso = await created({ creator: bySso });
        const anonymous = await created();
        expect((await statusOf(token)).creator).toEqual(byToken);
        expect((await statusOf(sso)).creator).toEqual(bySso);
        expect(await statusOf(anonymous)).not.toHaveProperty("creator");
      });

      it("gives check the creator for the route to vouch for, and nothing for an anonymous request", async () => {
        const sso = await created({ creator: bySso });
        expect(await store.check(write(sso))).toMatchObject({ kind: "ok", creator: bySso });
        const anonymous = await created();
        const check = await store.check(write(anonymous));
        expect(check).toMatchObject({ kind: "ok" });
        expect(check).not.toHaveProperty("creator");
      });

      it("keeps the creator after the request was answered and collected, and on another connection", async () => {
        const request = await created({ creator: byToken, maxResponses: 1 });
        await respond(request);
        await collect(request);
        expect(await statusOf(request)).toMatchObject({ state: "answered", creator: byToken });
        const elsewhere = await other.status(collectAccess(request));
        expect(elsewhere).toMatchObject({ kind: "ok", status: { creator: byToken } });
      });
    });

    describe("revoke", () => {
      it("moves an open request to revoked once, deletes its pending responses and records one event", async () => {
        const request = await created();
        await respond(request);
        expect(
          await store.revoke(collectAccess(request, later(request, 50), "203.0.113.0/24")),
        ).toEqual({ kind: "revoked" });
        expect(await store.revoke(collectAccess(request, later(request, 60)))).toEqual({
          kind: "already_revoked",
        });
        const status = await statusOf(request);
        expect(status).toMatchObject({ state: "revoked", pending: 0, responsesLeft: 0 });
        expect(status.events.filter((e) => e.type === "revoked")).toEqual([
          { type: "revoked", atMs: later(request, 50), ip: "203.0.113.0/24" },
        ]);
      });

      it("answers not_found for a wrong collect proof and leaves the request open", async () => {
        const request = await created();
        expect(
          await store.revoke({
            ...collectAccess(request),
            collectVerifier: request.write.verifier,
          }),
        ).toEqual({
          kind: "not_found",
        });
        expect(await store.check(write(request))).toMatchObject({ kind: "ok" });
      });
    });

    describe("retention on the real clock", () => {
      it("drops responses at expiresAt + collectWindow and the record at expiresAt + max(retention, collectWindow)", async () => {
        const request = await created({
          ttlSeconds: 1,
          collectWindowSeconds: 1,
          retentionSeconds: 3,
          maxResponses: 2,
        });
        expect(await respond(request, Date.now())).toMatchObject({ kind: "ok", n: 1 });
        await waitFor(
          async () => ((await statusOf(request, Date.now())).pending === 0 ? true : undefined),
          "the responses to expire",
        );
        expect(Date.now()).toBeGreaterThanOrEqual(request.input.nowMs + 2000);
        expect(await collect(request, { nowMs: Date.now() })).toEqual({
          kind: "ok",
          state: "expired",
          responses: [],
        });
        expect(await store.create(makeRequest({ id: request.input.id }).input)).toEqual({
          kind: "id_taken",
        });
        await waitFor(
          async () =>
            (await store.status(collectAccess(request, Date.now()))).kind === "not_found"
              ? true
              : undefined,
          "the record to expire",
        );
        expect(Date.now()).toBeGreaterThanOrEqual(request.input.nowMs + 4000);
        expect(await store.check(write(request, Date.now()))).toEqual({ kind: "not_found" });
        expect(await collect(request, { nowMs: Date.now() })).toEqual({ kind: "not_found" });
        expect(await store.revoke(collectAccess(request, Date.now()))).toEqual({
          kind: "not_found",
        });
        expect(await store.create(makeRequest({ id: request.input.id }).input)).toMatchObject({
          kind: "created",
        });
      });
    });

    describe("events", () => {
      it("keeps at most 100 events: created and the newest 99", async () => {
        const request = await created({ maxResponses: 120, label: undefined });
        for (let i = 1; i <= 110; i++) await respond(request, later(request, i));
        const events = (await statusOf(request)).events;
        expect(events).toHaveLength(100);
        expect(events[0]).toMatchObject({ type: "created" });
        expect(events[1]).toMatchObject({ type: "responded", n: 12 });
        expect(events[99]).toMatchObject({ type: "responded", n: 110 });
      });
    });

    describe("races", () => {
      const clientCases = harness.sharedBackend ? [false, true] : [false];
      for (const twoClients of clientCases) {
        const across = twoClients ? " across two store instances" : "";
        const via = (i: number) => (twoClients && i % 2 === 1 ? other : store);

        it(`lets exactly min(N, m) of N concurrent responses succeed, numbered 1..m${across}`, async () => {
          for (const [count, max] of [
            [60, 1],
            [60, 7],
            [5, 10],
          ] as const) {
            const request = await created({ maxResponses: max });
            const results: RespondResult[] = await Promise.all(
              Array.from({ length: count }, (_, i) => respond(request, undefined, via(i))),
            );
            const winners = results.flatMap((r) => (r.kind === "ok" ? [r] : []));
            const m = Math.min(count, max);
            expect(winners.map((r) => r.n).sort((a, b) => a - b)).toEqual(
              Array.from({ length: m }, (_, i) => i + 1),
            );
            for (const winner of winners) expect(winner.responsesLeft).toBe(max - winner.n);
            expect(
              results.filter((r) => r.kind === "gone" && r.reason === "answered"),
            ).toHaveLength(count - m);
            expect(await statusOf(request)).toMatchObject({
              pending: m,
              state: m === max ? "answered" : "open",
            });
          }
        });

        it(`delivers each response exactly once to concurrent collects${across}`, async () => {
          const request = await created({ maxResponses: 10 });
          await Promise.all(Array.from({ length: 10 }, () => respond(request)));
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, i) =>
              collect(request, { via: via(i), graceSeconds: 0 }),
            ),
          );
          const delivered = results.flatMap((r) =>
            r.kind === "ok" ? r.responses.map((x) => x.n) : [],
          );
          expect(delivered.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
          expect(results.filter((r) => r.kind === "ok" && r.responses.length > 0)).toHaveLength(1);
        });

        it(`gives concurrent collects racing with responses every response once and no more${across}`, async () => {
          const request = await created({ maxResponses: 20 });
          const work: Promise<unknown>[] = [];
          const lists: number[][] = [];
          for (let i = 0; i < 40; i++) {
            work.push(
              i % 2 === 0
                ? respond(request, undefined, via(i))
                : collect(request, { via: via(i), graceSeconds: 0 }).then((r) => {
                    if (r.kind === "ok") lists.push(r.responses.map((x) => x.n));
                  }),
            );
          }
          await Promise.all(work);
          const last = await collect(request, { graceSeconds: 0 });
          if (last.kind === "ok") lists.push(last.responses.map((x) => x.n));
          expect(lists.flat().sort((a, b) => a - b)).toEqual(
            Array.from({ length: 20 }, (_, i) => i + 1),
          );
        });
      }
    });

    if (harness.stored) {
      describe("what is stored", () => {
        it("puts every key of a request under the hash tag {rid}, expiring at the §7 retention times", async () => {
          const request = await created({
            ttlSeconds: 600,
            collectWindowSeconds: 1800,
            retentionSeconds: 3600,
          });
          await respond(request);
          await collect(request, { claim: makeProof().verifier, nowMs: Date.now() });
          await respond(request);
          const stored = harness.stored!();
          const prefix = `${harness.keyPrefix}:{${request.input.id}}`;
          expect((await stored.keys(`*${request.input.id}*`)).sort()).toEqual([
            `${prefix}:delivered`,
            `${prefix}:request`,
            `${prefix}:request-outbox`,
            `${prefix}:responses`,
          ]);
          // The outbox goes with the record (issue 14 §1).
          const outboxTtl = await stored.pttl(`${prefix}:request-outbox`);
          expect(outboxTtl).toBeGreaterThan(4_200_000 - (Date.now() - request.input.nowMs) - 1000);
          expect(outboxTtl).toBeLessThanOrEqual(4_200_000);
          const elapsed = Date.now() - request.input.nowMs;
          const requestTtl = await stored.pttl(`${prefix}:request`);
          expect(requestTtl).toBeGreaterThan(4_200_000 - elapsed - 1000);
          expect(requestTtl).toBeLessThanOrEqual(4_200_000);
          const responsesTtl = await stored.pttl(`${prefix}:responses`);
          expect(responsesTtl).toBeGreaterThan(2_400_000 - elapsed - 1000);
          expect(responsesTtl).toBeLessThanOrEqual(2_400_000);
          const deliveredTtl = await stored.pttl(`${prefix}:delivered`);
          expect(deliveredTtl).toBeGreaterThan(GRACE_SECONDS * 1000 - elapsed - 2000);
          expect(deliveredTtl).toBeLessThanOrEqual(GRACE_SECONDS * 1000);
        });

        it("never stores a proof or a claim: only ciphertext, verifiers and metadata", async () => {
          const request = await created();
          await respond(request);
          const claim = makeProof();
          await collect(request, { claim: claim.verifier });
          await respond(request);
          const stored = harness.stored!();
          const keys = await stored.keys(`${harness.keyPrefix}:{${request.input.id}}:*`);
          const values: string[] = [];
          for (const key of keys) values.push(key, ...(await stored.values(key)));
          const everything = values.join("\n");
          expect(everything).toContain(request.write.verifier);
          expect(everything).toContain(claim.verifier);
          for (const key of keys) expect(key).not.toContain(claim.verifier);
          for (const proof of [request.write, request.collect, claim]) {
            const bytes = Buffer.from(proof.proof, "base64url");
            for (const form of [proof.proof, bytes.toString("base64"), bytes.toString("hex")]) {
              expect(everything).not.toContain(form);
            }
          }
        });
      });
    }
  });
}
