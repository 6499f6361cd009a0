/**
 * Graceful shutdown (issue 5, "SIGTERM: in-flight requests finish, then the process
 * exits"), on the real `npm start` entry with a real redis-server.
 *
 * A request is provably in flight when SIGTERM arrives: it is sent with
 * `Expect: 100-continue`, and Node's server answers "100 Continue" only once the
 * request has reached the handler. Its body follows only after the server has stopped
 * accepting new connections, so the handler must wait for it through the shutdown.
 * The second request is stuck on a frozen Redis (SIGSTOP) when SIGTERM arrives.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openSecret } from "@/lib/crypto";
import type { NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { createSecret, listening, makeSecret, report, revealSecret, startInstances, waitFor } from "./support";

interface SlowAnswer {
  status: number;
  body: Record<string, unknown>;
  at: number;
}

/**
 * POSTs `body` with Expect: 100-continue on its own connection; resolves `continued`
 * once the server has the request, and sends the body only when `release()` is called.
 */
function slowPost(baseUrl: string, path: string, body: string) {
  const target = new URL(path, baseUrl);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let continued!: () => void;
  const continuedPromise = new Promise<void>((resolve) => (continued = resolve));
  const answer = new Promise<SlowAnswer>((resolve, reject) => {
    const outgoing = http.request({
      host: target.hostname,
      port: target.port,
      method: "POST",
      path: target.pathname,
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
    });
    outgoing.once("continue", () => {
      continued();
      void released.then(() => outgoing.end(body));
    });
    outgoing.once("response", (response) => {
      const parts: Buffer[] = [];
      response.on("data", (chunk: Buffer) => parts.push(chunk));
      response.once("end", () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString("utf8")) as Record<string, unknown>, at: performance.now() }),
      );
    });
    outgoing.once("error", reject);
    outgoing.flushHeaders();
  });
  return { continued: continuedPromise, release, answer };
}

function exitOf(server: NextServer): Promise<{ code: number | null; at: number }> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null) resolve({ code: server.process.exitCode, at: performance.now() });
    else server.process.once("exit", (code) => resolve({ code, at: performance.now() }));
  });
}

describe("on SIGTERM", () => {
  let redis: RedisServer | undefined;
  let server: NextServer | undefined;

  afterEach(async () => {
    redis?.resume();
    await server?.stop();
    await redis?.stop();
  });

  it("finishes a request that is in flight, stops accepting new ones, then exits with code 0", async () => {
    redis = await startRedisServer();
    [server] = await startInstances(1, { REDIS_URL: redis.url });
    const app = server as NextServer;
    const secret = await makeSecret(`sent during shutdown ${randomUUID()}`, { maxViews: 1 });

    const upload = slowPost(app.url, "/api/secrets", JSON.stringify(secret.create));
    await upload.continued;
    const exit = exitOf(app);
    const signalledAt = performance.now();
    app.process.kill("SIGTERM");
    await waitFor(async () => ((await listening(app.port)) ? undefined : true), "the server to stop accepting connections");
    expect(app.process.exitCode, "the process must wait for the request in flight").toBeNull();

    upload.release();
    const answer = await upload.answer;
    const exited = await exit;
    expect([answer.status, answer.body.id]).toEqual([201, secret.sealed.id]);
    expect(exited.code).toBe(0);
    expect(exited.at).toBeGreaterThanOrEqual(answer.at);

    // The secret it stored is really there for the next instance.
    [server] = await startInstances(1, { REDIS_URL: redis.url });
    const reveal = await revealSecret((server as NextServer).url, secret);
    expect(openSecret(reveal.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
    report("sigterm: upload in flight", {
      exitAfterAnswerMs: Math.round(exited.at - answer.at),
      exitAfterSignalMs: Math.round(exited.at - signalledAt),
    });
  });

  it("answers a reveal stuck on a frozen Redis before it exits with code 0", async () => {
    redis = await startRedisServer();
    [server] = await startInstances(1, { REDIS_URL: redis.url });
    const app = server as NextServer;
    const frozen = redis;
    const secret = await makeSecret(`revealed during shutdown ${randomUUID()}`, { maxViews: 1 });
    expect((await createSecret(app.url, secret)).status).toBe(201);

    frozen.pause();
    const reveal = slowPost(app.url, `/api/secrets/${secret.sealed.id}/reveal`, JSON.stringify({ access: secret.access, unlock: secret.unlock }));
    await reveal.continued;
    reveal.release();
    const exit = exitOf(app);
    app.process.kill("SIGTERM");
    await waitFor(async () => ((await listening(app.port)) ? undefined : true), "the server to stop accepting connections");
    expect(app.process.exitCode, "the process must wait for the request in flight").toBeNull();
    frozen.resume();

    const answer = await reveal.answer;
    const exited = await exit;
    // Redis answered within the store's 1.5 s deadline (200), or did not (503): either way an answer, not a reset.
    if (answer.status === 200) {
      expect(openSecret(answer.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
    } else {
      expect([answer.status, answer.body.error]).toEqual([503, "store_unavailable"]);
    }
    expect(exited.code).toBe(0);
    expect(exited.at).toBeGreaterThanOrEqual(answer.at);
    report("sigterm: reveal on frozen redis", { status: answer.status, exitAfterAnswerMs: Math.round(exited.at - answer.at) });
  });
});
