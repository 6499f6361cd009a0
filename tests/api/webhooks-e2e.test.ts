/**
 * Issue 14 "Done when", end to end: real flows through two real production servers on one
 * real redis-server, their §9 events delivered as Standard Webhooks to a real receiver that
 * verifies every delivery with the reference library (`standardwebhooks`). Per state change:
 * exactly one distinct webhook-id (a repeat only with the same id and the same body), the
 * §9 payload (fingerprint, no id, nothing secret in any body or header), one audit line
 * across both instances' output, and the metrics summed over both instances. Then a
 * receiver outage (503 for every attempt until every event was refused once) loses nothing,
 * and a per-secret notify is signed with WEBHOOK_NOTIFY_SECRET, not the operator's secret.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "@/lib/api/client";
import {
  manageToken,
  revealProofs,
} from "@/lib/crypto";
import { EVENT_SHARDS, leaseKey, pendingKey } from "@/lib/store/event-keys";
import { createRedisStore } from "@/lib/store/redis-store";
import type { SecretStore } from "@/lib/store/types";
import { webhookQueueFor } from "@/lib/store/webhook-queue";
import { createClient } from "redis";
import { Webhook } from "standardwebhooks";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { freePort } from "../support/free-port";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { clientFrom, createdSecret, driveEveryStateChange, secretValues } from "./state-change-flows";
import { call, eventually, makeSecret, type TestSecret } from "./support";
import { startReceiver, type Delivery, type Receiver } from "./webhook-receiver";

const PREFIX = "wh-e2e";
const AUDIT_HASH_KEY = "webhooks-e2e-fingerprint-key-0123456";
const METRICS_TOKEN = "webhooks-e2e-metrics-token-0123456";
const ENDPOINT_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const NOTIFY_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const API_TOKEN = `blt_E2ehook1_${randomBytes(32).toString("base64url")}`;
const PASSPHRASE = "correct-passphrase-✓-e2e";
const WRONG_PASSPHRASE = "wrong-passphrase-e2e";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** PROTOCOL.md §9, computed here on its own. */
const fingerprint = (id: string) => createHmac("sha256", Buffer.from(AUDIT_HASH_KEY, "utf8")).update(id, "utf8").digest("base64url").slice(0, 22);

interface Payload {
  type: string;
  timestamp: string;
  data: { secret?: string; request?: string; id?: string; at: string; ip?: string; count?: number; firstAt?: string; lastAt?: string };
}
interface AuditLine {
  log: string;
  event: { action: string };
  burnlink?: Record<string, unknown>;
}

const payloadOf = (delivery: Delivery) => delivery.payload as Payload;
const webhookIdOf = (delivery: Delivery) => String(delivery.headers["webhook-id"]);

describe("webhooks from real flows across two instances on one Redis", () => {
  let redis: RedisServer;
  let inspector: ReturnType<typeof createClient>;
  let store: SecretStore;
  let receiver: Receiver;
  let a: NextServer;
  let b: NextServer;
  const forbidden: string[] = [ENDPOINT_SECRET.slice(6), NOTIFY_SECRET.slice(6), API_TOKEN, METRICS_TOKEN, PASSPHRASE, WRONG_PASSPHRASE];

  const endpointDeliveries = () => receiver.deliveries.filter((delivery) => delivery.path === "/operator");
  const notifyDeliveries = () => receiver.deliveries.filter((delivery) => delivery.path === "/notify");
  const of = (deliveries: Delivery[], subject: "secret" | "request", id: string) =>
    deliveries.filter((delivery) => payloadOf(delivery).data[subject] === fingerprint(id));
  /** One entry per distinct webhook-id: the type it carried. */
  const distinctTypes = (deliveries: Delivery[]) => [...new Map(deliveries.map((d) => [webhookIdOf(d), payloadOf(d).type])).values()].sort();

  const auditLines = (): AuditLine[] =>
    [a, b]
      .map((server) => server.output())
      .join("\n")
      .split("\n")
      .filter((line) => line.startsWith('{"log":"audit"'))
      .map((line) => JSON.parse(line) as AuditLine);
  const auditActionsOf = (subject: "secret" | "request", id: string) =>
    auditLines()
      .filter((line) => line.burnlink?.[subject] === fingerprint(id))
      .map((line) => line.event.action)
      .sort();

  async function metric(pattern: RegExp): Promise<number> {
    let sum = 0;
    for (const server of [a, b]) {
      const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      sum += Number(pattern.exec(await response.text())?.[1] ?? 0);
    }
    return sum;
  }

  /** Nothing left anywhere: no outbox pending, no webhook job queued. */
  async function drained(): Promise<void> {
    await eventually(async () => {
      for (let shard = 0; shard < EVENT_SHARDS; shard += 1) {
        if ((await inspector.zCard(pendingKey(PREFIX, shard))) > 0) return false;
        // A round that took events but has not enqueued their jobs yet still holds its lease.
        if ((await inspector.exists(leaseKey(PREFIX, "deliver", shard))) > 0) return false;
      }
      return (await webhookQueueFor(store).depth()) === 0;
    }, 90_000);
  }

  /** No two deliveries share a webhook-id unless they carry the same body; every one verified. */
  function expectCleanDuplicates(): void {
    expect(receiver.unverified).toBe(0);
    const bodies = new Map<string, string>();
    for (const delivery of receiver.deliveries) {
      const id = webhookIdOf(delivery);
      expect(bodies.get(id) ?? delivery.body).toBe(delivery.body);
      bodies.set(id, delivery.body);
    }
  }

  const created = (via: ApiClient, options: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> => createdSecret(via, forbidden, options);

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    store = createRedisStore({ url: redis.url, keyPrefix: PREFIX });
    receiver = await startReceiver([ENDPOINT_SECRET]);
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: PREFIX,
      AUDIT_HASH_KEY,
      METRICS_TOKEN,
      WEBHOOK_ENDPOINTS: JSON.stringify([{ url: `${receiver.url}/operator`, events: ["*"], secret: ENDPOINT_SECRET }]),
      WEBHOOK_NOTIFY_SECRET: NOTIFY_SECRET,
      API_TOKENS: `e2e:secrets:create:${sha256(API_TOKEN)}`,
      ALLOW_HTTP_WEBHOOKS: "1",
      ALLOW_PRIVATE_WEBHOOKS: "1",
      EVENT_POLL_MS: "100",
      EXPIRY_SWEEP_SECONDS: "1",
      MIN_TTL_SECONDS: "1",
      TRUST_PROXY: "1",
    };
    [a, b] = await Promise.all([startNextServer({ env }), startNextServer({ env })]);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
    await inspector?.close();
    await receiver?.close();
    await redis?.stop();
  });

  it("delivers exactly one verified webhook, one audit line and one counter step per state change", async () => {
    const insideA = clientFrom(a, "203.0.113.7");
    const insideB = clientFrom(b, "203.0.113.8");
    const outsideB = clientFrom(b, "198.51.100.1");
    const okBefore = await metric(/^burnlink_reveals_total\{outcome="ok"\} (\d+)$/m);

    const { fenced, read, unread, request, lapsing } = await driveEveryStateChange({
      insideA,
      insideB,
      outsideB,
      forbidden,
      passphrase: PASSPHRASE,
      wrongPassphrase: WRONG_PASSPHRASE,
      wrongAttemptsVia: [insideA, insideB, insideA],
      revealVia: insideB,
      retryVia: insideA,
      requestLabel: "the e2e database password, please",
      responseText: "e2e-response-text",
    });

    const expected: [subject: "secret" | "request", id: string, types: string[]][] = [
      ["secret", fenced.sealed.id, ["secret.burned", "secret.created", "secret.ip_blocked", "secret.viewed", "secret.wrong_passphrase"]],
      ["secret", read.sealed.id, ["secret.created", "secret.viewed"]],
      ["secret", unread.sealed.id, ["secret.created", "secret.expired"]],
      ["request", request.id, ["request.collected", "request.created", "request.responded", "request.revoked"]],
      ["request", lapsing.id, ["request.created", "request.expired"]],
    ];
    const uniq = (types: string[]) => [...new Set(types)].sort();
    await eventually(
      async () => expected.every(([subject, id, types]) => uniq(distinctTypes(of(endpointDeliveries(), subject, id))).join() === types.join()),
      60_000,
    );
    await drained();

    expectCleanDuplicates();
    for (const [subject, id, types] of expected) {
      const deliveries = of(endpointDeliveries(), subject, id);
      const distinct = distinctTypes(deliveries);
      if (subject === "secret" && id === fenced.sealed.id) {
        // Coalesced or not, the wrong_passphrase events' counts add up to the 3 attempts.
        const guesses = [...new Map(deliveries.filter((d) => payloadOf(d).type === "secret.wrong_passphrase").map((d) => [webhookIdOf(d), payloadOf(d)])).values()];
        expect(guesses.reduce((sum, payload) => sum + (payload.data.count ?? 0), 0)).toBe(3);
        expect(distinct.filter((type) => type !== "secret.wrong_passphrase")).toEqual(types.filter((type) => type !== "secret.wrong_passphrase"));
        expect(auditActionsOf(subject, id).filter((type) => type !== "secret.wrong_passphrase")).toEqual(types.filter((type) => type !== "secret.wrong_passphrase"));
        expect(auditActionsOf(subject, id).filter((type) => type === "secret.wrong_passphrase")).toHaveLength(guesses.length);
      } else {
        expect(distinct, `${subject} webhooks`).toEqual(types);
        expect(auditActionsOf(subject, id), `${subject} audit lines`).toEqual(types);
      }
      for (const delivery of deliveries) {
        const payload = payloadOf(delivery);
        expect(Object.keys(payload).sort()).toEqual(["data", "timestamp", "type"]);
        expect(payload.data.id).toBeUndefined();
        expect(payload.data[subject]).toBe(fingerprint(id));
        expect(Date.parse(payload.data.at)).not.toBeNaN();
      }
    }
    const [blocked] = of(endpointDeliveries(), "secret", fenced.sealed.id).filter((d) => payloadOf(d).type === "secret.ip_blocked");
    expect(payloadOf(blocked!).data).toMatchObject({ count: 1, ip: "198.51.100.0/24" });

    // The counters, summed over both instances: two views, the claim's retry adds nothing.
    expect((await metric(/^burnlink_reveals_total\{outcome="ok"\} (\d+)$/m)) - okBefore).toBe(2);
    expect(await metric(/^burnlink_secrets_ended_total\{reason="expired"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^burnlink_webhook_deliveries_total\{outcome="delivered"\} (\d+)$/m)).toBe(new Set(receiver.deliveries.map(webhookIdOf)).size);
    // Both instances did dispatch work: the outboxes are shared, not drained by one only.
    for (const server of [a, b]) expect(server.output()).toContain('{"log":"audit"');
  }, 180_000);

  it("loses nothing while the receiver answers 503 or is closed, and repeats only with the same webhook-id", async () => {
    const client = clientFrom(a, "203.0.113.20");
    const refusedIds = new Set<string>();
    let outage = true;
    receiver.answer = () => {
      if (!outage) return { status: 204 };
      const last = receiver.deliveries.at(-1);
      if (last) refusedIds.add(webhookIdOf(last));
      return { status: 503 };
    };
    const viewed = await created(client);
    const proofs = await revealProofs(viewed.sealed.linkKey);
    forbidden.push(proofs.access, proofs.unlock);
    await clientFrom(b, "203.0.113.21").revealSecret(viewed.sealed.id, proofs.access, proofs.unlock);
    const burned = await created(clientFrom(b, "203.0.113.22"));
    await client.burnSecret(burned.sealed.id, manageToken(burned.sealed.manageKey));
    // Every one of the four events was attempted and refused before the receiver comes back.
    const outageIds = () => [...of(endpointDeliveries(), "secret", viewed.sealed.id), ...of(endpointDeliveries(), "secret", burned.sealed.id)].map(webhookIdOf);
    await eventually(async () => new Set(outageIds()).size === 4 && outageIds().every((id) => refusedIds.has(id)), 60_000);
    outage = false;
    await drained();
    const accepted = (id: string) => receiver.deliveries.filter((d) => webhookIdOf(d) === id).length;
    expect(outageIds().length).toBeGreaterThan(4);
    for (const id of new Set(outageIds())) expect(accepted(id)).toBeGreaterThanOrEqual(2);
    expect(distinctTypes(of(endpointDeliveries(), "secret", viewed.sealed.id))).toEqual(["secret.created", "secret.viewed"]);
    expect(distinctTypes(of(endpointDeliveries(), "secret", burned.sealed.id))).toEqual(["secret.burned", "secret.created"]);
    expectCleanDuplicates();
    receiver.answer = () => ({ status: 204 });

    // Closed: connections are refused until it is back on the same port.
    const failedBefore = await metric(/^burnlink_webhook_deliveries_total\{outcome="failed"\} (\d+)$/m);
    await receiver.down();
    const whileClosed = await created(clientFrom(b, "203.0.113.23"));
    await eventually(async () => (await metric(/^burnlink_webhook_deliveries_total\{outcome="failed"\} (\d+)$/m)) > failedBefore, 60_000);
    expect(of(endpointDeliveries(), "secret", whileClosed.sealed.id)).toEqual([]);
    await receiver.up();
    await eventually(async () => of(endpointDeliveries(), "secret", whileClosed.sealed.id).length > 0, 90_000);
    await drained();
    expect(distinctTypes(of(endpointDeliveries(), "secret", whileClosed.sealed.id))).toEqual(["secret.created"]);
    expectCleanDuplicates();
  }, 240_000);

  it("signs a per-secret notify with WEBHOOK_NOTIFY_SECRET", async () => {
    const notified = await startReceiver([NOTIFY_SECRET]);
    try {
      const secret = await makeSecret();
      forbidden.push(...secretValues(secret));
      const answer = await call(a.url, "POST", "/api/secrets", {
        json: { ...secret.request, notify: { url: `${notified.url}/notify`, events: ["secret.viewed"] } },
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(answer.status).toBe(201);
      const proofs = await revealProofs(secret.sealed.linkKey);
      await createApiClient(b.url).revealSecret(secret.sealed.id, proofs.access, proofs.unlock);
      await eventually(async () => notified.deliveries.length > 0, 60_000);
      await drained();
      expect(notified.unverified).toBe(0);
      expect(new Set(notified.deliveries.map(webhookIdOf)).size).toBe(1);
      expect(payloadOf(notified.deliveries[0]!)).toMatchObject({ type: "secret.viewed", data: { secret: fingerprint(secret.sealed.id) } });
      expect(payloadOf(notified.deliveries[0]!).data.id).toBeUndefined();
      // The operator endpoint got its own copies (created, viewed), under other webhook-ids.
      expect(distinctTypes(of(endpointDeliveries(), "secret", secret.sealed.id))).toEqual(["secret.created", "secret.viewed"]);
      const operatorIds = new Set(of(endpointDeliveries(), "secret", secret.sealed.id).map(webhookIdOf));
      expect(operatorIds.has(webhookIdOf(notified.deliveries[0]!))).toBe(false);
      // The notify signature is WEBHOOK_NOTIFY_SECRET's: the operator's secret does not verify it.
      const [delivery] = notified.deliveries;
      expect(() => new Webhook(ENDPOINT_SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>)).toThrow();
      expect(notifyDeliveries()).toEqual([]);
      expect(a.output() + b.output()).not.toContain(notified.url.slice(7));
    } finally {
      await notified.close();
    }
  }, 120_000);

  it("puts nothing secret in any webhook body or header, or any server output", () => {
    const wire = receiver.deliveries.map((delivery) => `${JSON.stringify(delivery.headers)}\n${delivery.body}`).join("\n");
    const output = a.output() + b.output();
    expect(receiver.deliveries.length).toBeGreaterThan(20);
    expect(forbidden.length).toBeGreaterThan(40);
    for (const value of forbidden) {
      expect(wire.includes(value), `a webhook carries a value it must never send (${value.length} chars)`).toBe(false);
      expect(output.includes(value), `the server output contains a value it must never print (${value.length} chars)`).toBe(false);
    }
  });
});

describe("one instance on Redis under CREATE_POLICY=token without AUDIT_HASH_KEY, and its shutdown", () => {
  let redis: RedisServer;
  let inspector: ReturnType<typeof createClient>;
  let store: SecretStore;
  let server: NextServer;
  /** A receiver that verifies with the reference library and answers only when told to. */
  const seen: { id: string; payload: Payload }[] = [];
  const held: ServerResponse[] = [];
  let hold = false;
  let receiver: Server;
  let receiverUrl: string;
  const PREFIX_B = "wh-e2e-one";

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    store = createRedisStore({ url: redis.url, keyPrefix: PREFIX_B });
    const verifier = new Webhook(ENDPOINT_SECRET);
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const payload = verifier.verify(Buffer.concat(chunks).toString("utf8"), request.headers as Record<string, string>) as Payload;
        seen.push({ id: String(request.headers["webhook-id"]), payload });
        if (hold) held.push(response);
        else response.writeHead(204).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${port}/one`;
    server = await startNextServer({
      env: {
        REDIS_URL: redis.url,
        KEY_PREFIX: PREFIX_B,
        WEBHOOK_ENDPOINTS: JSON.stringify([{ url: receiverUrl, events: ["*"], secret: ENDPOINT_SECRET }]),
        ALLOW_HTTP_WEBHOOKS: "1",
        ALLOW_PRIVATE_WEBHOOKS: "1",
        EVENT_POLL_MS: "100",
        CREATE_POLICY: "token",
        API_TOKENS: `e2e:secrets:create:${sha256(API_TOKEN)}`,
        WEBHOOK_NOTIFY_SECRET: NOTIFY_SECRET,
      },
    });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    for (const response of held) response.destroy();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await store?.close();
    await inspector?.close();
    await redis?.stop();
  });

  it("fingerprints the webhook and the audit line with the one key agreed in the store", async () => {
    const secret = await makeSecret();
    await createApiClient(server.url).createSecret(secret.request, API_TOKEN);
    await eventually(async () => seen.some((entry) => entry.payload.type === "secret.created"), 30_000);
    const key = await inspector.get(`${PREFIX_B}:audit-hash-key`);
    expect(key).toBeTruthy();
    const expected = createHmac("sha256", Buffer.from(key!, "utf8")).update(secret.sealed.id, "utf8").digest("base64url").slice(0, 22);
    expect(seen.find((entry) => entry.payload.type === "secret.created")!.payload.data.secret).toBe(expected);
    const line = server
      .output()
      .split("\n")
      .filter((text) => text.startsWith('{"log":"audit"'))
      .map((text) => JSON.parse(text) as AuditLine)
      .find((entry) => entry.event.action === "secret.created");
    expect(line?.burnlink?.secret).toBe(expected);
  });

  it("signs a notify asked for with includeId with WEBHOOK_NOTIFY_SECRET, the id in it and only in it", async () => {
    const notified = await startReceiver([NOTIFY_SECRET]);
    try {
      const secret = await makeSecret();
      const answer = await call(server.url, "POST", "/api/secrets", {
        json: { ...secret.request, notify: { url: `${notified.url}/mine`, events: ["secret.viewed"], includeId: true } },
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(answer.status).toBe(201);
      const proofs = await revealProofs(secret.sealed.linkKey);
      await createApiClient(server.url).revealSecret(secret.sealed.id, proofs.access, proofs.unlock);
      await eventually(async () => notified.deliveries.length > 0 && seen.some((entry) => entry.payload.type === "secret.viewed"), 30_000);
      await eventually(async () => (await webhookQueueFor(store).depth()) === 0, 30_000);
      expect(notified.unverified).toBe(0);
      expect(notified.deliveries.map((delivery) => payloadOf(delivery).type)).toEqual(["secret.viewed"]);
      expect(payloadOf(notified.deliveries[0]!).data.id).toBe(secret.sealed.id);
      // The operator's copy is thin: the id only goes to the creator who asked for it.
      const operator = seen.filter((entry) => entry.payload.type === "secret.viewed");
      expect(operator.map((entry) => entry.payload.data.id)).toEqual([undefined]);
      expect(() => new Webhook(ENDPOINT_SECRET).verify(notified.deliveries[0]!.body, notified.deliveries[0]!.headers as Record<string, string>)).toThrow();
    } finally {
      await notified.close();
    }
  });

  it("finishes a delivery in flight on SIGTERM instead of leaving it to the visibility timeout", async () => {
    hold = true;
    const before = seen.length;
    const secret = await makeSecret();
    await createApiClient(server.url).createSecret(secret.request, API_TOKEN);
    await eventually(async () => held.length === 1, 30_000);
    expect(seen.length).toBe(before + 1);
    const stopping = server.stop();
    // The server is shutting down with the delivery in flight; the receiver answers it now.
    await eventually(async () => (await fetch(`${server.url}/api/health/ready`).then((r) => r.status, () => 0)) !== 200, 10_000);
    held.shift()!.writeHead(204).end();
    expect(await stopping).toBe(0);
    // Done, not claimed and waiting to be sent again after a minute.
    expect(await webhookQueueFor(store).depth()).toBe(0);
  });
});

describe("webhook audit entries follow AUDIT_LOG_FILE like every other audit line", () => {
  let server: NextServer;
  let receiver: Receiver;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "burnlink-wh-audit-"));
    file = path.join(dir, "audit.ndjson");
    receiver = await startReceiver([ENDPOINT_SECRET]);
    // No ALLOW_PRIVATE_WEBHOOKS: the loopback receiver is refused, with a webhook.refused entry.
    server = await startNextServer({
      env: {
        AUDIT_LOG_FILE: file,
        EVENT_POLL_MS: "100",
        WEBHOOK_ENDPOINTS: JSON.stringify([{ url: `${receiver.url}/refused`, events: ["*"], secret: ENDPOINT_SECRET }]),
        ALLOW_HTTP_WEBHOOKS: "1",
      },
    });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes webhook.refused to the file, not to stdout", async () => {
    const secret = await makeSecret();
    await createApiClient(server.url).createSecret(secret.request);
    const fileText = () => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return "";
      }
    };
    await eventually(async () => fileText().includes('"webhook.refused"'), 30_000);
    expect(fileText()).toContain('"secret.created"');
    expect(server.output()).not.toContain('"log":"audit"');
    expect(receiver.requests).toEqual([]);
  });
});
