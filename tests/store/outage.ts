/**
 * Outage rules for the Redis-backed drivers: a backend that is down, silent or
 * full makes the store reject with StoreUnavailableError quickly (never hang),
 * and the store heals by itself when the backend returns. Every test kills,
 * pauses or fills a real redis-server of its own.
 */
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import type { SecretStore } from "@/lib/store/types";
import { StoreUnavailableError } from "@/lib/store/types";
import { freePort } from "../support/free-port";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { makeSecret, requester, waitFor } from "./helpers";

export interface Connected {
  store: SecretStore;
  close(): Promise<void>;
}

/** Generous: the drivers give up after 1.5 s; this only proves nothing hangs. */
const PROMPT_MS = 2_000;
const SILENT_BOUND_MS = 3_500;

async function rejection(operation: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  try {
    await operation;
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  }
  throw new Error("expected the operation to reject");
}

async function recovered(store: SecretStore): Promise<void> {
  await waitFor(
    () => store.ping().then(
      () => true,
      () => undefined,
    ),
    "the store to answer again",
  );
}

/** The store works end to end: create, reveal, gone. */
async function roundTrip(store: SecretStore): Promise<void> {
  const secret = makeSecret();
  expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
  const request = {
    id: secret.input.id,
    accessVerifier: secret.access.verifier,
    unlockVerifier: secret.unlock.verifier,
    nowMs: Date.now(),
    requester: requester(),
  };
  expect(await store.reveal(request)).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
  expect(await store.reveal(request)).toMatchObject({ kind: "gone", reason: "viewed" });
}

export function describeOutages(name: string, connect: (redisUrl: string) => Promise<Connected>): void {
  describe(`${name} store when Redis fails`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });

    async function backend(args: string[] = []): Promise<{ server: RedisServer; connected: Connected }> {
      const server = await startRedisServer({ args });
      cleanups.push(() => server.stop());
      const connected = await connect(server.url);
      cleanups.push(() => connected.close());
      await recovered(connected.store);
      return { server, connected };
    }

    it("rejects promptly with StoreUnavailableError when Redis is killed, and recovers when it restarts on the same port", async () => {
      const { server, connected } = await backend();
      const { store } = connected;
      await roundTrip(store);
      await server.kill();
      const secret = makeSecret();
      const failed = await rejection(store.create(secret.input));
      expect(failed.error).toBeInstanceOf(StoreUnavailableError);
      expect(failed.elapsedMs).toBeLessThan(PROMPT_MS);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await server.start();
      await recovered(store);
      // The restarted server knows no scripts: EVALSHA falls back to EVAL.
      await roundTrip(store);
    });

    it("rejects with StoreUnavailableError while Redis has never been up, and starts working once it is", async () => {
      const port = await freePort();
      const connected = await connect(`redis://127.0.0.1:${port}`);
      cleanups.push(() => connected.close());
      const failed = await rejection(connected.store.ping());
      expect(failed.error).toBeInstanceOf(StoreUnavailableError);
      expect(failed.elapsedMs).toBeLessThan(PROMPT_MS);
      await expect(connected.store.create(makeSecret().input)).rejects.toBeInstanceOf(StoreUnavailableError);
      const server = await startRedisServer({ port });
      cleanups.push(() => server.stop());
      await recovered(connected.store);
      await roundTrip(connected.store);
    });

    it("rejects with StoreUnavailableError instead of hanging when Redis stops answering, and recovers when it resumes", async () => {
      const { server, connected } = await backend();
      const { store } = connected;
      const secret = makeSecret();
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      server.pause();
      const failed = await rejection(
        store.check({ id: secret.input.id, accessVerifier: secret.access.verifier, nowMs: Date.now(), requester: requester() }),
      );
      server.resume();
      expect(failed.error).toBeInstanceOf(StoreUnavailableError);
      expect((failed.error as Error).message).toMatch(/did not answer/);
      expect(failed.elapsedMs).toBeLessThan(SILENT_BOUND_MS);
      await recovered(store);
      await roundTrip(store);
    });

    it("starts nothing after the deadline: a NOSCRIPT that comes back late never becomes an EVAL that uses up the view", async () => {
      const { server, connected } = await backend();
      const { store } = connected;
      const secret = makeSecret();
      expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      const admin = createClient({ url: server.url });
      await admin.connect();
      // As after a Redis restart: the next EVALSHA answers NOSCRIPT.
      await admin.scriptFlush();
      await admin.close();
      const revealRequest = {
        id: secret.input.id,
        accessVerifier: secret.access.verifier,
        unlockVerifier: secret.unlock.verifier,
        nowMs: Date.now(),
        requester: requester(),
      };
      server.pause();
      const failed = await rejection(store.reveal(revealRequest));
      expect(failed.error).toBeInstanceOf(StoreUnavailableError);
      expect((failed.error as Error).message).toMatch(/did not answer|within/);
      server.resume();
      // The check travels behind the late reveal on the same connection, so it answers
      // after anything the reveal would still do: the view must still be there.
      expect(
        await store.check({ id: secret.input.id, accessVerifier: secret.access.verifier, nowMs: Date.now(), requester: requester() }),
      ).toMatchObject({ kind: "ok", viewsLeft: 1 });
      expect(await store.reveal({ ...revealRequest, nowMs: Date.now() })).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
    });

    it("refuses new secrets and reveals with a clear out-of-memory StoreUnavailableError, while a burn still completes", async () => {
      const { server, connected } = await backend();
      const { store } = connected;
      const viewOnce = makeSecret();
      const toBurn = makeSecret();
      await store.create(viewOnce.input);
      await store.create(toBurn.input);
      const admin = createClient({ url: server.url });
      await admin.connect();
      // Any used memory is over 1 byte: Redis now refuses every write that would grow it.
      await admin.configSet("maxmemory", "1");
      try {
        const failed = await rejection(store.create(makeSecret().input));
        expect(failed.error).toBeInstanceOf(StoreUnavailableError);
        expect((failed.error as Error).message).toMatch(/out of memory/);
        const nowMs = Date.now();
        // A reveal cannot record a failure while Redis is full, so it answers nothing,
        // even with the right passphrase (issue 10 item 1: no oracle).
        const refusedReveal = await rejection(
          store.reveal({
            id: viewOnce.input.id,
            accessVerifier: viewOnce.access.verifier,
            unlockVerifier: viewOnce.unlock.verifier,
            nowMs,
            requester: requester(),
          }),
        );
        expect(refusedReveal.error).toBeInstanceOf(StoreUnavailableError);
        expect((refusedReveal.error as Error).message).toMatch(/out of memory/);
        expect(
          await store.burn({ id: toBurn.input.id, manageVerifier: toBurn.manage.verifier, nowMs, requester: requester() }),
        ).toEqual({ kind: "burned" });
      } finally {
        await admin.configSet("maxmemory", "0");
        await admin.close();
      }
      await roundTrip(store);
      // Nothing was consumed while Redis was full: the view is still there.
      expect(
        await store.reveal({
          id: viewOnce.input.id,
          accessVerifier: viewOnce.access.verifier,
          unlockVerifier: viewOnce.unlock.verifier,
          nowMs: Date.now(),
          requester: requester(),
        }),
      ).toMatchObject({ kind: "ok", viewsLeft: 0 });
    });
  });
}
