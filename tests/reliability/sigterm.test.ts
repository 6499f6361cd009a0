/**
 * Graceful shutdown (issue 5, "SIGTERM: in-flight requests finish, then the process
 * exits"), on the real `npm start` entry with a real redis-server.
 *
 * A request is provably in flight when SIGTERM arrives: it is sent with
 * `Expect: 100-continue`, and Node's server answers "100 Continue" only once the
 * request has reached the handler. Its body follows only after the server has stopped
 * accepting new connections, so the handler must wait for it through the shutdown.
 * The second request is stuck on a frozen Redis (SIGSTOP) when SIGTERM arrives.
 *
 * Issue 14 §5: with SHUTDOWN_DELAY_SECONDS, /api/health/ready answers 503 from the signal
 * on while the server keeps accepting for the delay, so a load balancer takes the instance
 * out before it stops listening. The other tests run with the delay at 0.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openSecret } from "@/lib/crypto";
import type { NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { createSecret, listening, makeSecret, report, request, revealSecret, startInstances, waitFor } from "./support";

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

  it("answers ready with 503 at once, keeps accepting for SHUTDOWN_DELAY_SECONDS, then finishes in-flight requests and exits 0", async () => {
    const delaySeconds = 4;
    redis = await startRedisServer();
    [server] = await startInstances(1, { REDIS_URL: redis.url, SHUTDOWN_DELAY_SECONDS: String(delaySeconds) });
    const app = server as NextServer;
    expect((await request(app.url, "GET", "/api/health/ready")).status).toBe(200);

    const exit = exitOf(app);
    const signalledAt = performance.now();
    app.process.kill("SIGTERM");
    const notReady = await waitFor(async () => {
      const answer = await request(app.url, "GET", "/api/health/ready");
      return answer.status === 503 ? answer : undefined;
    }, "ready to answer 503");
    const notReadyAt = performance.now();
    expect(notReady.body.error).toBe("store_unavailable");
    expect(notReady.body.message).toMatch(/shutting down/);

    // During the delay the instance still serves, on new connections too.
    expect(await listening(app.port)).toBe(true);
    const during = await makeSecret(`stored during the delay ${randomUUID()}`, { maxViews: 1 });
    expect((await createSecret(app.url, during)).status).toBe(201);
    expect((await request(app.url, "GET", "/api/health/live")).status).toBe(200);
    expect((await request(app.url, "GET", "/api/health")).status).toBe(503);

    // A request that is still in flight when the delay ends gets its answer.
    const late = await makeSecret(`in flight when the delay ends ${randomUUID()}`, { maxViews: 1 });
    const upload = slowPost(app.url, "/api/secrets", JSON.stringify(late.create));
    await upload.continued;
    await waitFor(async () => ((await listening(app.port)) ? undefined : true), "the server to stop accepting connections");
    const stoppedAt = performance.now();
    expect(stoppedAt - signalledAt, "the server must keep accepting for the whole delay").toBeGreaterThanOrEqual(delaySeconds * 1000);
    expect(app.process.exitCode, "the process must wait for the request in flight").toBeNull();
    upload.release();
    const answer = await upload.answer;
    const exited = await exit;
    expect([answer.status, answer.body.id]).toEqual([201, late.sealed.id]);
    expect(exited.code).toBe(0);
    expect(exited.at).toBeGreaterThanOrEqual(answer.at);

    // Both secrets are in Redis for the next instance.
    [server] = await startInstances(1, { REDIS_URL: redis.url });
    for (const secret of [during, late]) {
      const reveal = await revealSecret((server as NextServer).url, secret);
      expect(openSecret(reveal.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
    }
    report("sigterm: shutdown delay", {
      delaySeconds,
      notReadyAfterSignalMs: Math.round(notReadyAt - signalledAt),
      stoppedAcceptingAfterSignalMs: Math.round(stoppedAt - signalledAt),
    });
  });

  it("skips the rest of the delay on a second SIGTERM", async () => {
    redis = await startRedisServer();
    [server] = await startInstances(1, { REDIS_URL: redis.url, SHUTDOWN_DELAY_SECONDS: "300" });
    const app = server as NextServer;
    const exit = exitOf(app);
    app.process.kill("SIGTERM");
    await waitFor(async () => ((await request(app.url, "GET", "/api/health/ready")).status === 503 ? true : undefined), "ready to answer 503");
    expect(await listening(app.port)).toBe(true);
    const secondAt = performance.now();
    app.process.kill("SIGTERM");
    const exited = await exit;
    expect(exited.code).toBe(0);
    // Far below the 300 s delay: the second signal went straight to draining.
    expect(exited.at - secondAt).toBeLessThan(60_000);
  });
});
