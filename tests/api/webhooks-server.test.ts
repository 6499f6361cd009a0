/**
 * The delivery worker inside the real production server (instrumentation.ts →
 * startProcessWebhookWorker): jobs put into the Redis queue are delivered by the running
 * servers, each exactly once across two instances, verified by the reference library; a
 * server without ALLOW_PRIVATE_WEBHOOKS refuses a loopback receiver and says so in one
 * audit line that names no path.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "@/lib/store/redis-store";
import type { SecretStore } from "@/lib/store/types";
import { webhookQueueFor } from "@/lib/store/webhook-queue";
import { parseServerConfig } from "@/lib/server/config";
import type { BurnlinkEvent } from "@/lib/server/events/types";
import { createWebhookSink } from "@/lib/server/webhooks/sink";
import { waitFor } from "../store/helpers";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startReceiver, type Receiver } from "./webhook-receiver";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const PRIVATE_PATH = "/hooks/private-path-token";

let redis: RedisServer;
let receiver: Receiver;
let instances: NextServer[] = [];
let guarded: NextServer;
let store: SecretStore;
let guardedStore: SecretStore;

const event = (): BurnlinkEvent => ({
  type: "secret.burned",
  subject: "secret",
  id: randomBytes(16).toString("base64url"),
  seq: 1,
  atMs: Date.now(),
});

beforeAll(async () => {
  redis = await startRedisServer();
  receiver = await startReceiver([SECRET]);
  const endpoints = JSON.stringify([{ url: `${receiver.url}${PRIVATE_PATH}`, events: ["*"], secret: SECRET }]);
  const shared = { REDIS_URL: redis.url, KEY_PREFIX: "wh-servers", WEBHOOK_ENDPOINTS: endpoints, ALLOW_HTTP_WEBHOOKS: "1" };
  const started = await Promise.all([
    startNextServer({ env: { ...shared, ALLOW_PRIVATE_WEBHOOKS: "1" } }),
    startNextServer({ env: { ...shared, ALLOW_PRIVATE_WEBHOOKS: "1" } }),
    startNextServer({ env: { ...shared, KEY_PREFIX: "wh-guarded" } }),
  ]);
  instances = started.slice(0, 2);
  guarded = started[2]!;
  store = createRedisStore({ url: redis.url, keyPrefix: "wh-servers" });
  guardedStore = createRedisStore({ url: redis.url, keyPrefix: "wh-guarded" });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([...instances, guarded].map((server) => server?.stop()));
  await store?.close();
  await guardedStore?.close();
  await receiver?.close();
  await redis?.stop();
});

function sinkFor(target: SecretStore, allowPrivate: boolean) {
  const config = parseServerConfig({
    WEBHOOK_ENDPOINTS: JSON.stringify([{ url: `${receiver.url}${PRIVATE_PATH}`, events: ["*"], secret: SECRET }]),
    ALLOW_HTTP_WEBHOOKS: "1",
    ...(allowPrivate ? { ALLOW_PRIVATE_WEBHOOKS: "1" } : {}),
  }).webhooks;
  return createWebhookSink({ queue: webhookQueueFor(target), config, auditHashKey: "server-test-audit-key-0123456789" });
}

describe("the webhook worker in the production server", () => {
  it("delivers every queued job exactly once across two instances", async () => {
    const before = receiver.deliveries.length;
    await sinkFor(store, true).deliver(Array.from({ length: 30 }, event));
    await waitFor(async () => ((await webhookQueueFor(store).depth()) === 0 ? true : undefined), "both servers to drain the queue", { timeoutMs: 30_000 });
    const delivered = receiver.deliveries.slice(before);
    expect(delivered).toHaveLength(30);
    expect(new Set(delivered.map((delivery) => delivery.headers["webhook-id"])).size).toBe(30);
    expect(receiver.unverified).toBe(0);
  });

  it("refuses a loopback receiver without ALLOW_PRIVATE_WEBHOOKS and writes one audit line without the path", async () => {
    const requestsBefore = receiver.requests.length;
    await sinkFor(guardedStore, false).deliver([event()]);
    await waitFor(async () => ((await webhookQueueFor(guardedStore).depth()) === 0 ? true : undefined), "the refused job to be dropped", { timeoutMs: 30_000 });
    const line = await waitFor(
      async () => guarded.output().split("\n").find((text) => text.includes('"webhook.refused"')),
      "the audit line",
    );
    expect(JSON.parse(line)).toMatchObject({ log: "audit", event: { action: "webhook.refused", outcome: "failure", reason: expect.stringMatching(/loopback/) } });
    expect(guarded.output()).not.toContain("private-path-token");
    expect(receiver.requests.length).toBe(requestsBefore);
  });
});
