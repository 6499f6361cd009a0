import { describe, expect, it } from "vitest";
import { createMemoryStore } from "@/lib/store/memory-store";
import { createMemoryRequestStore } from "@/lib/store/memory-request-store";
import { StoreUnavailableError } from "@/lib/store/types";
import { describeAuthStoreContract } from "./auth-contract";
import { describeOwnerIndexContract } from "./owner-contract";
import { describeStoreContract } from "./contract";
import { describeWebhookQueueContract } from "./webhook-queue-contract";
import { describeEventContract } from "./event-contract";
import { describeRequestStoreContract, makeRequest } from "./request-contract";
import { makeSecret, requester } from "./helpers";

describeOwnerIndexContract("memory", { keyPrefix: "burnlink", makeStore: () => createMemoryStore(), sharedBackend: false });

describeStoreContract("memory", {
  keyPrefix: "burnlink",
  makeStore: () => createMemoryStore(),
  sharedBackend: false,
});

describeRequestStoreContract("memory", {
  keyPrefix: "burnlink",
  makeStore: () => createMemoryStore(),
  sharedBackend: false,
});

describeEventContract("memory", {
  keyPrefix: "burnlink",
  makeStore: () => createMemoryStore(),
  sharedBackend: false,
});

describeWebhookQueueContract("memory", {
  keyPrefix: "burnlink",
  makeStore: () => createMemoryStore(),
  sharedBackend: false,
});
describeAuthStoreContract("memory", { makeStore: () => createMemoryStore() });

describe("memory store limits", () => {
  it("refuses new secrets with StoreUnavailableError once maxBytes is reached, and accepts them again as old ones go", async () => {
    const store = createMemoryStore({ maxBytes: 200_000 });
    const nowMs = Date.now();
    const kept = [];
    let refusal: unknown;
    for (let i = 0; i < 100 && refusal === undefined; i++) {
      const secret = makeSecret({ nowMs, ttlSeconds: 60, retentionSeconds: 0 });
      try {
        await store.create(secret.input);
        kept.push(secret);
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect((refusal as Error).message).toMatch(/full/);
    expect(kept.length).toBeGreaterThan(0);
    // Past expiry and retention (0 s) every entry is swept, and there is room again.
    const later = makeSecret({ nowMs: nowMs + 61_000 });
    expect(await store.create(later.input)).toMatchObject({ kind: "created" });
    await store.close();
  });

  it("answers ping and keeps answering after close releases its entries", async () => {
    const store = createMemoryStore();
    const secret = makeSecret();
    await store.create(secret.input);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    expect(
      await store.check({ id: secret.input.id, accessVerifier: secret.access.verifier, nowMs: Date.now(), requester: { ipHex: "" } }),
    ).toEqual({ kind: "not_found" });
  });
});

describe("memory request store limits", () => {
  it("refuses answers with StoreUnavailableError once maxBytes is reached, and takes them again once collected", async () => {
    const store = createMemoryRequestStore({ maxBytes: 120_000 });
    const request = makeRequest({ maxResponses: 100, label: undefined });
    await store.create(request.input);
    const answer = () =>
      store.respond({
        id: request.input.id,
        writeVerifier: request.write.verifier,
        epk: "A".repeat(43),
        ciphertext: "A".repeat(20_000),
        nowMs: request.input.nowMs + 1,
        requester: requester(),
      });
    let refusal: unknown;
    let stored = 0;
    for (let i = 0; i < 20 && refusal === undefined; i++) {
      try {
        await answer();
        stored++;
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect(stored).toBeGreaterThan(0);
    const collected = await store.collect({
      id: request.input.id,
      collectVerifier: request.collect.verifier,
      graceSeconds: 0,
      nowMs: request.input.nowMs + 2,
      requester: requester(),
    });
    expect(collected.kind === "ok" && collected.responses).toHaveLength(stored);
    expect(await answer()).toMatchObject({ kind: "ok", n: stored + 1 });
  });
});
