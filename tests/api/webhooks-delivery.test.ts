/**
 * Webhook deliveries end to end below HTTP's API layer (issue 14 §2): events go into the
 * sink, through the durable queue in a REAL redis-server, out of the worker over real HTTP
 * to a real receiver that verifies every request with the `standardwebhooks` reference
 * library. The retry schedule is shrunk for the tests (milliseconds, not minutes); every
 * wait is a poll for a condition with a deadline.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "@/lib/store/redis-store";
import type { SecretStore } from "@/lib/store/types";
import { webhookQueueFor } from "@/lib/store/webhook-queue";
import { parseServerConfig } from "@/lib/server/config";
import { fingerprintOf } from "@/lib/server/events/fingerprint";
import type { BurnlinkEvent } from "@/lib/server/events/types";
import { getMetrics } from "@/lib/server/metrics";
import { setWebhookAuditWriter, type WebhookAuditEntry } from "@/lib/server/webhooks/audit";
import type { WebhookConfig } from "@/lib/server/webhooks/endpoints-config";
import { sealNotifyTarget } from "@/lib/server/webhooks/notify";
import { createWebhookSink } from "@/lib/server/webhooks/sink";
import { createWebhookDeliverer, startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "@/lib/server/webhooks/worker";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { waitFor } from "../store/helpers";
import { startReceiver, type Receiver } from "./webhook-receiver";

const AUDIT_HASH_KEY = "test-audit-hash-key-0123456789abcdef";
const FAST_SCHEDULE_MS = [0, 20, 40, 60, 80, 100, 120, 140];
const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

let redis: RedisServer;
const cleanups: (() => Promise<unknown>)[] = [];
const audits: WebhookAuditEntry[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  setWebhookAuditWriter((entry) => audits.push(entry));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  setWebhookAuditWriter(undefined);
  await redis?.stop();
});

function store(prefix: string): SecretStore {
  const opened = createRedisStore({ url: redis.url, keyPrefix: prefix });
  cleanups.push(() => opened.close());
  return opened;
}

async function receiver(secrets: string[]): Promise<Receiver> {
  const started = await startReceiver(secrets);
  cleanups.push(() => started.close());
  return started;
}

function configFor(endpoints: unknown[], extra: Record<string, string> = {}): WebhookConfig {
  return parseServerConfig({ WEBHOOK_ENDPOINTS: JSON.stringify(endpoints), ALLOW_HTTP_WEBHOOKS: "1", ALLOW_PRIVATE_WEBHOOKS: "1", ...extra }).webhooks;
}

function worker(options: WebhookWorkerOptions): WebhookWorker {
  const started = startWebhookWorker({ pollIntervalMs: 10, retryScheduleMs: FAST_SCHEDULE_MS, timeoutMs: 5_000, ...options });
  cleanups.push(() => started.stop());
  return started;
}

let seq = 0;
function event(overrides: Partial<BurnlinkEvent> = {}): BurnlinkEvent {
  return {
    type: "secret.viewed",
    subject: "secret",
    id: randomBytes(16).toString("base64url"),
    seq: ++seq,
    atMs: Date.now(),
    ip: "198.51.100.0/24",
    creator: { kind: "token", name: "ci" },
    ...overrides,
  };
}

async function outcomes(): Promise<Record<string, number>> {
  const metric = await getMetrics().webhookDeliveries.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.outcome), value.value]));
}

/** A queue of its own (fresh key prefix) and the sink feeding it; `prefix` opens more connections to it. */
const setup = (config: WebhookConfig) => {
  const prefix = `wh-${randomBytes(4).toString("hex")}`;
  const queue = webhookQueueFor(store(prefix));
  return { prefix, queue, sink: createWebhookSink({ queue, config, auditHashKey: AUDIT_HASH_KEY }) };
};

describe("webhook deliveries through the queue on Redis", () => {
  it("delivers each event once to each endpoint that wants it, signed, with the §9 payload and nothing more", async () => {
    const secret = whsec();
    const all = await receiver([secret]);
    const viewedOnly = await receiver([secret]);
    const config = configFor([
      { url: `${all.url}/all`, events: ["*"], secret },
      { url: `${viewedOnly.url}/viewed`, events: ["secret.viewed"], secret },
    ]);
    const { queue, sink } = setup(config);
    const events = [
      event({ type: "secret.created" }),
      event(),
      event({ type: "secret.wrong_passphrase", count: 3, lastAtMs: Date.now() + 5000, creator: undefined }),
      event({ type: "request.responded", subject: "request", n: 2, ip: undefined }),
    ];
    await sink.deliver(events);
    expect(await queue.depth()).toBe(5);
    worker({ queue, config });
    await waitFor(async () => (all.deliveries.length === 4 && viewedOnly.deliveries.length === 1 ? true : undefined), "five deliveries");
    expect(all.unverified + viewedOnly.unverified).toBe(0);
    const byType = new Map(all.deliveries.map((delivery) => [(delivery.payload as { type: string }).type, delivery]));
    const [created, viewed, wrong, responded] = events as [BurnlinkEvent, BurnlinkEvent, BurnlinkEvent, BurnlinkEvent];
    expect(JSON.parse(byType.get("secret.viewed")!.body)).toEqual({
      type: "secret.viewed",
      timestamp: new Date(viewed.atMs).toISOString(),
      data: { secret: fingerprintOf(viewed.id, AUDIT_HASH_KEY), at: new Date(viewed.atMs).toISOString(), ip: "198.51.100.0/24", creator: { kind: "token", name: "ci" } },
    });
    expect(JSON.parse(byType.get("secret.wrong_passphrase")!.body).data).toEqual({
      secret: fingerprintOf(wrong.id, AUDIT_HASH_KEY),
      at: new Date(wrong.atMs).toISOString(),
      ip: "198.51.100.0/24",
      count: 3,
      firstAt: new Date(wrong.atMs).toISOString(),
      lastAt: new Date(wrong.lastAtMs!).toISOString(),
    });
    expect(JSON.parse(byType.get("request.responded")!.body).data).toEqual({
      request: fingerprintOf(responded.id, AUDIT_HASH_KEY),
      at: new Date(responded.atMs).toISOString(),
      creator: { kind: "token", name: "ci" },
    });
    expect(byType.get("secret.created")).toBeDefined();
    for (const delivery of [...all.deliveries, ...viewedOnly.deliveries]) {
      for (const { id } of [created, viewed, wrong, responded]) expect(delivery.body + JSON.stringify(delivery.headers)).not.toContain(id);
      expect(delivery.headers["webhook-id"]).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
      expect(delivery.headers["content-type"]).toBe("application/json");
    }
    // One webhook-id per (event, endpoint): the same event at two endpoints has two.
    const ids = [...all.deliveries, ...viewedOnly.deliveries].map((delivery) => delivery.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(5);
    expect(viewedOnly.deliveries[0]!.body).toBe(byType.get("secret.viewed")!.body);
    await waitFor(async () => ((await queue.depth()) === 0 ? true : undefined), "an empty queue");
    // The outbox redelivers after a crash: the same events make no new jobs.
    await sink.deliver(events);
    expect(await queue.depth()).toBe(0);
  });

  it("loses nothing while the receiver is down, and duplicates nothing beyond the same webhook-id", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { queue, sink } = setup(config);
    await target.down();
    const failedBefore = (await outcomes()).failed ?? 0;
    const events = Array.from({ length: 6 }, () => event());
    await sink.deliver(events);
    worker({ queue, config, retryScheduleMs: [0, 50, 100, 150, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] });
    // Every job failed at least twice against the closed port before the receiver returns.
    await waitFor(async () => (((await outcomes()).failed ?? 0) - failedBefore >= 12 ? true : undefined), "failed attempts");
    // burnlink_webhook_queue_depth shows the backlog while the receiver is away.
    const depth = async () => (await getMetrics().webhookQueueDepth.get()).values[0]?.value;
    await waitFor(async () => ((await depth()) === 6 ? true : undefined), "the depth gauge to show six");
    await target.up();
    await waitFor(async () => (new Set(target.deliveries.map((d) => d.headers["webhook-id"])).size === 6 ? true : undefined), "all six after the outage", {
      timeoutMs: 20_000,
    });
    await waitFor(async () => ((await queue.depth()) === 0 ? true : undefined), "an empty queue");
    expect(target.unverified).toBe(0);
    const perId = new Map<string, Set<string>>();
    for (const delivery of target.deliveries) {
      const id = String(delivery.headers["webhook-id"]);
      perId.set(id, (perId.get(id) ?? new Set()).add(delivery.body));
    }
    expect([...perId.values()].every((bodies) => bodies.size === 1)).toBe(true);
    expect(target.deliveries).toHaveLength(6);
    await waitFor(async () => ((await depth()) === 0 ? true : undefined), "the depth gauge to drop to zero");
  });

  it("disables an endpoint that answers 410 for the whole deployment, until its configuration changes", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    target.answer = () => ({ status: 410 });
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { prefix, queue, sink } = setup(config);
    const deliverer = createWebhookDeliverer({ queue, config, retryScheduleMs: FAST_SCHEDULE_MS });
    cleanups.push(() => deliverer.close());
    await sink.deliver([event()]);
    expect(await deliverer.runOnce()).toBe(1);
    expect(target.requests).toHaveLength(1);
    expect(await queue.disabledAt(config.endpoints[0]!.stateKey)).not.toBeNull();
    expect(audits.filter((entry) => entry.action === "webhook.disabled" && entry.endpoint === config.endpoints[0]!.stateKey.slice(0, 16))).toHaveLength(1);
    // Another instance (another connection) sees it disabled too: the job is dropped unsent.
    const otherQueue = webhookQueueFor(store(prefix));
    const other = createWebhookDeliverer({ queue: otherQueue, config, retryScheduleMs: FAST_SCHEDULE_MS });
    cleanups.push(() => other.close());
    await sink.deliver([event()]);
    expect(await other.runOnce()).toBe(1);
    expect(target.requests).toHaveLength(1);
    expect(await queue.depth()).toBe(0);
    // A new secret is a new configuration: the endpoint receives again.
    target.answer = () => ({ status: 200 });
    const rotated = configFor([{ url: target.url, events: ["*"], secret: whsec() }]);
    const fresh = createWebhookDeliverer({ queue, config: rotated, retryScheduleMs: FAST_SCHEDULE_MS });
    cleanups.push(() => fresh.close());
    await createWebhookSink({ queue, config: rotated, auditHashKey: AUDIT_HASH_KEY }).deliver([event()]);
    expect(await fresh.runOnce()).toBe(1);
    expect(target.requests).toHaveLength(2);
  });

  it("honours Retry-After in seconds over a shorter schedule", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    target.answer = ({ count }) => (count === 1 ? { status: 503, headers: { "retry-after": "1" } } : { status: 200 });
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { queue, sink } = setup(config);
    await sink.deliver([event()]);
    worker({ queue, config });
    await waitFor(async () => (target.requests.length === 2 ? true : undefined), "the retry");
    const [first, second] = target.requests;
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(1000);
    // Re-signed on every attempt, with the attempt's own timestamp; the id stays.
    const [a, b] = target.deliveries;
    expect(a!.headers["webhook-id"]).toBe(b!.headers["webhook-id"]);
    expect(Number(b!.headers["webhook-timestamp"])).toBeGreaterThanOrEqual(Number(a!.headers["webhook-timestamp"]) + 1);
  });

  it("signs with every secret during a rotation, so receivers with the old or the new one both verify", async () => {
    const [old, next] = [whsec(), whsec()];
    const withOld = await receiver([old]);
    const withNew = await receiver([next]);
    const withBoth = await receiver([old, next]);
    const config = configFor([withOld, withNew, withBoth].map((target) => ({ url: target.url, events: ["*"], secret: [old, next] })));
    const { queue, sink } = setup(config);
    await sink.deliver([event()]);
    worker({ queue, config });
    await waitFor(async () => ([withOld, withNew, withBoth].every((target) => target.deliveries.length === 1) ? true : undefined), "three deliveries");
    expect(withOld.unverified + withNew.unverified + withBoth.unverified).toBe(0);
    expect(String(withBoth.deliveries[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // A receiver that knows neither secret refuses the same request.
    const stranger = await receiver([whsec()]);
    const strangerConfig = configFor([{ url: stranger.url, events: ["*"], secret: [old, next] }]);
    const second = setup(strangerConfig);
    await second.sink.deliver([event()]);
    worker({ queue: second.queue, config: strangerConfig });
    await waitFor(async () => (stranger.requests.length === 1 ? true : undefined), "the stranger's request");
    expect(stranger.unverified).toBe(1);
  });

  it("gives a job that a crashed worker held back to the next worker after its visibility, with the same webhook-id", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { queue, sink } = setup(config);
    await sink.deliver([event()]);
    const [held] = await queue.claim(Date.now(), 10, 300);
    expect(held).toBeDefined();
    // The "crashed" worker never completes; a live one picks the job up once it is visible.
    worker({ queue, config });
    await waitFor(async () => (target.deliveries.length === 1 ? true : undefined), "the delivery after the visibility timeout");
    expect(target.deliveries[0]!.headers["webhook-id"]).toBe(held!.job.id);
    expect(await queue.complete(held!.job.id, held!.lease, Date.now())).toBe(false);
  });

  it("delivers every job exactly once with two workers on two connections", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { prefix, queue, sink } = setup(config);
    const otherQueue = webhookQueueFor(store(prefix));
    await sink.deliver(Array.from({ length: 40 }, () => event()));
    worker({ queue, config, batchSize: 3 });
    worker({ queue: otherQueue, config, batchSize: 3 });
    await waitFor(async () => ((await queue.depth()) === 0 ? true : undefined), "an empty queue", { timeoutMs: 20_000 });
    expect(target.deliveries).toHaveLength(40);
    expect(new Set(target.deliveries.map((delivery) => delivery.headers["webhook-id"])).size).toBe(40);
  });

  it("gives up once the schedule is spent, and disables an endpoint failing for longer than the limit", async () => {
    const secret = whsec();
    const target = await receiver([secret]);
    target.answer = () => ({ status: 500 });
    const config = configFor([{ url: target.url, events: ["*"], secret }]);
    const { queue, sink } = setup(config);
    await sink.deliver([event()]);
    worker({ queue, config, retryScheduleMs: [0, 5, 5] });
    await waitFor(async () => ((await queue.depth()) === 0 ? true : undefined), "the job to be given up");
    expect(target.requests).toHaveLength(3);
    expect(audits.some((entry) => entry.action === "webhook.gave_up" && /after 3 attempts \(last: HTTP 500\)/.test(entry.reason))).toBe(true);

    const failing = await receiver([secret]);
    failing.answer = () => ({ status: 502 });
    const failingConfig = configFor([{ url: failing.url, events: ["*"], secret }]);
    const second = setup(failingConfig);
    await second.sink.deliver([event()]);
    worker({ queue: second.queue, config: failingConfig, disableAfterFailingMs: 200, retryScheduleMs: Array(100).fill(30) });
    await waitFor(async () => ((await second.queue.disabledAt(failingConfig.endpoints[0]!.stateKey)) === null ? undefined : true), "the 24 h rule");
    expect(audits.some((entry) => entry.action === "webhook.disabled" && /failing for 24 h/.test(entry.reason) && entry.host === `127.0.0.1:${failing.port}`)).toBe(true);
  });

  it("sends a per-secret notify, signed with WEBHOOK_NOTIFY_SECRET, with the raw id only when asked", async () => {
    const notifySecret = whsec();
    const target = await receiver([notifySecret]);
    const config = parseServerConfig({ WEBHOOK_NOTIFY_SECRET: notifySecret, ALLOW_HTTP_WEBHOOKS: "1", ALLOW_PRIVATE_WEBHOOKS: "1" }).webhooks;
    const { queue, sink } = setup(config);
    const withId = event({ notify: sealNotifyTarget({ url: `${target.url}/with-id`, events: ["secret.viewed"], includeId: true }, config.notifySecrets) });
    const withoutId = event({ notify: sealNotifyTarget({ url: `${target.url}/without`, events: "*", includeId: false }, config.notifySecrets) });
    const unwanted = event({ type: "secret.created", notify: withId.notify! });
    await sink.deliver([withId, withoutId, unwanted]);
    expect(await queue.depth()).toBe(2);
    worker({ queue, config });
    await waitFor(async () => (target.deliveries.length === 2 ? true : undefined), "two notify deliveries");
    const byPath = new Map(target.deliveries.map((delivery) => [delivery.path, JSON.parse(delivery.body) as { data: Record<string, unknown> }]));
    expect(byPath.get("/with-id")!.data.id).toBe(withId.id);
    expect(byPath.get("/without")!.data.id).toBeUndefined();
    expect(JSON.stringify([...byPath.values()])).not.toContain(target.url);
  });

  it("refuses a per-secret http:// target once ALLOW_HTTP_WEBHOOKS is off, though it was accepted when the secret was made", async () => {
    const notifySecret = whsec();
    const target = await receiver([notifySecret]);
    const config = parseServerConfig({ WEBHOOK_NOTIFY_SECRET: notifySecret, ALLOW_PRIVATE_WEBHOOKS: "1" }).webhooks;
    const { queue, sink } = setup(config);
    await sink.deliver([event({ notify: sealNotifyTarget({ url: target.url, events: "*", includeId: false }, config.notifySecrets) })]);
    const deliverer = createWebhookDeliverer({ queue, config });
    cleanups.push(() => deliverer.close());
    expect(await deliverer.runOnce()).toBe(1);
    expect(target.requests).toHaveLength(0);
    expect(audits.some((entry) => entry.action === "webhook.refused" && entry.target === "notify" && entry.host === undefined && /https:\/\//.test(entry.reason))).toBe(true);
  });
});
