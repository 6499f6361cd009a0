/**
 * The SSRF guard and the limits of one delivery attempt (issue 14 §2), over real sockets:
 * every forbidden range is refused, including names that resolve to one (localhost, a
 * resolver that answers 127.0.0.1), on every connection; ALLOW_PRIVATE_WEBHOOKS=1 lifts
 * it; redirects are not followed, the answer is read to 64 KiB at most, a silent receiver
 * times out; a proxy carries deliveries when WEBHOOK_PROXY_URL is set.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseIpAddress } from "@/lib/net/ip-address";
import { parseServerConfig } from "@/lib/server/config";
import { getMetrics } from "@/lib/server/metrics";
import { attemptDelivery, MAX_RESPONSE_BYTES } from "@/lib/server/webhooks/attempt";
import { forbiddenAddressReason } from "@/lib/server/webhooks/address-policy";
import { setWebhookAuditWriter, type WebhookAuditEntry } from "@/lib/server/webhooks/audit";
import { createWebhookHttp, type GuardOptions, type Resolver } from "@/lib/server/webhooks/guarded-dispatcher";
import { signWebhook } from "@/lib/server/webhooks/signature";
import { createWebhookSink } from "@/lib/server/webhooks/sink";
import { createWebhookDeliverer } from "@/lib/server/webhooks/worker";
import { MemoryWebhookQueue } from "@/lib/store/webhook-memory-queue";
import { freePort } from "../support/free-port";
import { startReceiver, type Receiver } from "./webhook-receiver";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<Receiver> {
  const started = await startReceiver([secret]);
  cleanups.push(() => started.close());
  return started;
}

function http(options: GuardOptions) {
  const client = createWebhookHttp(options);
  cleanups.push(() => client.close());
  return client;
}

const body = JSON.stringify({ type: "secret.viewed", timestamp: new Date().toISOString(), data: {} });
const signed = () => signWebhook(`msg_${randomBytes(24).toString("base64url")}`, Date.now() / 1000, body, [secret]);
const send = (url: string, options: GuardOptions, extra: { timeoutMs?: number } = {}) =>
  attemptDelivery(url, body, signed(), { http: http(options), nowMs: Date.now(), ...extra });

describe("which addresses a webhook may reach", () => {
  const forbidden: [string, RegExp][] = [
    ["0.0.0.0", /this-network/],
    ["0.1.2.3", /this-network/],
    ["127.0.0.1", /loopback/],
    ["127.255.0.9", /loopback/],
    ["10.1.2.3", /private \(10/],
    ["172.16.0.1", /private \(172\.16/],
    ["172.31.255.254", /private \(172\.16/],
    ["192.168.1.1", /private \(192\.168/],
    ["169.254.169.254", /link-local/],
    ["169.254.0.1", /link-local/],
    ["100.64.0.1", /CGNAT/],
    ["100.127.255.254", /CGNAT/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.0.0.1", /reserved/],
    ["198.18.0.1", /benchmarking/],
    ["192.0.0.8", /IETF/],
    ["::", /unspecified/],
    ["::1", /loopback \(::1\)/],
    ["fe80::1", /link-local \(fe80/],
    ["febf::1", /link-local \(fe80/],
    ["fc00::1", /unique local/],
    ["fd12:3456::1", /unique local/],
    ["ff02::1", /multicast \(ff00/],
    ["fec0::1", /site-local/],
    ["::ffff:127.0.0.1", /loopback \(127/],
    ["::ffff:169.254.169.254", /link-local/],
    ["::ffff:10.0.0.1", /private/],
    ["::ffff:0:a9fe:a9fe", /link-local.*inside an IPv6/],
    ["::127.0.0.1", /loopback.*inside an IPv6/],
    ["64:ff9b::7f00:1", /loopback.*inside an IPv6/],
    ["64:ff9b::a9fe:a9fe", /link-local.*inside an IPv6/],
    ["2002:7f00:1::1", /loopback.*inside an IPv6/],
    ["2002:c0a8:101::1", /private.*inside an IPv6/],
    ["64:ff9b:1::1", /local-use NAT64/],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", /Teredo/],
    ["100::1", /discard/],
  ];
  it.each(forbidden)("refuses %s", (text, reason) => {
    const address = parseIpAddress(text);
    expect(address).not.toBeNull();
    expect(forbiddenAddressReason(address!)).toMatch(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])(
    "allows the public address %s",
    (text) => {
      expect(forbiddenAddressReason(parseIpAddress(text)!)).toBeNull();
    },
  );
});

describe("the SSRF guard on real connections", () => {
  it("refuses a literal loopback address, [::1], localhost and a name resolving to 127.0.0.1, before any byte is sent", async () => {
    const target = await receiver();
    let lookups = 0;
    const resolve: Resolver = async (name) => {
      lookups++;
      return name === "rebind.example" ? ["127.0.0.1"] : ["93.184.215.14"];
    };
    const results = [
      await send(`http://127.0.0.1:${target.port}/`, { allowPrivate: false }),
      await send(`http://[::1]:${target.port}/`, { allowPrivate: false }),
      await send(`http://localhost:${target.port}/`, { allowPrivate: false }),
      await send(`http://rebind.example:${target.port}/`, { allowPrivate: false, resolve }),
    ];
    for (const result of results) expect(result).toMatchObject({ kind: "refused", reason: expect.stringMatching(/loopback/) });
    expect(lookups).toBe(1);
    expect(target.requests).toHaveLength(0);
  });

  it("checks the resolved address on every new connection, so a name that starts resolving to 127.0.0.1 is refused then", async () => {
    const target = await receiver();
    const answers: string[] = [];
    // The first connection goes to a public address (which cannot be reached here: the
    // connection fails); the rebinding attacker then switches the name to loopback.
    const resolve: Resolver = async () => {
      const address = answers.length === 0 ? "192.0.2.1" : "127.0.0.1";
      answers.push(address);
      return [address];
    };
    const client = http({ allowPrivate: false, resolve, connectTimeoutMs: 200 });
    const url = `http://rebind.example:${target.port}/`;
    const first = await attemptDelivery(url, body, signed(), { http: client, nowMs: Date.now(), timeoutMs: 500 });
    expect(first.kind).toBe("failed");
    const second = await attemptDelivery(url, body, signed(), { http: client, nowMs: Date.now(), timeoutMs: 500 });
    expect(second).toMatchObject({ kind: "refused", reason: expect.stringMatching(/loopback/) });
    expect(answers).toEqual(["192.0.2.1", "127.0.0.1"]);
    expect(target.requests).toHaveLength(0);
  });

  it("refuses a name when any of its addresses is forbidden", async () => {
    const target = await receiver();
    const result = await send(`http://mixed.example:${target.port}/`, { allowPrivate: false, resolve: async () => ["93.184.215.14", "10.0.0.1"] });
    expect(result).toMatchObject({ kind: "refused", reason: expect.stringMatching(/private/) });
  });

  it("lets ALLOW_PRIVATE_WEBHOOKS=1 deliver to a receiver on the operator's own network", async () => {
    const target = await receiver();
    expect(await send(`http://localhost:${target.port}/`, { allowPrivate: true })).toEqual({ kind: "delivered", status: 204 });
    expect(target.deliveries).toHaveLength(1);
  });

  it("starts with whatever the configuration names, and drops a refused delivery with a webhook.refused audit event", async () => {
    const target = await receiver();
    const config = parseServerConfig({
      WEBHOOK_ENDPOINTS: JSON.stringify([
        { url: `http://127.0.0.1:${target.port}/hook`, events: ["*"], secret },
        { url: "https://169.254.169.254/latest/meta-data", events: ["*"], secret },
      ]),
      ALLOW_HTTP_WEBHOOKS: "1",
    }).webhooks;
    const audits: WebhookAuditEntry[] = [];
    setWebhookAuditWriter((entry) => audits.push(entry));
    cleanups.push(async () => setWebhookAuditWriter(undefined));
    const refusedBefore = (await getMetrics().webhookDeliveries.get()).values.find((value) => value.labels.outcome === "refused")?.value ?? 0;
    const queue = new MemoryWebhookQueue();
    await createWebhookSink({ queue, config, auditHashKey: "k".repeat(32) }).deliver([
      { type: "secret.burned", subject: "secret", id: randomBytes(16).toString("base64url"), seq: 1, atMs: Date.now() },
    ]);
    const deliverer = createWebhookDeliverer({ queue, config });
    cleanups.push(() => deliverer.close());
    expect(await deliverer.runOnce()).toBe(2);
    expect(await queue.depth()).toBe(0);
    expect(target.requests).toHaveLength(0);
    expect(audits.map((entry) => [entry.action, entry.host, entry.reason])).toEqual(
      expect.arrayContaining([
        ["webhook.refused", `127.0.0.1:${target.port}`, expect.stringMatching(/loopback/)],
        ["webhook.refused", "169.254.169.254", expect.stringMatching(/link-local/)],
      ]),
    );
    for (const entry of audits) expect(JSON.stringify(entry)).not.toMatch(/meta-data|\/hook|whsec_/);
    const refusedAfter = (await getMetrics().webhookDeliveries.get()).values.find((value) => value.labels.outcome === "refused")?.value ?? 0;
    expect(refusedAfter - refusedBefore).toBe(2);
  });
});

describe("one delivery attempt", () => {
  it("does not follow a redirect: a 3xx is a failure and the Location is never requested", async () => {
    const target = await receiver();
    target.answer = ({ path }) => (path === "/hook" ? { status: 302, headers: { location: `${target.url}/elsewhere` } } : { status: 200 });
    expect(await send(`${target.url}/hook`, { allowPrivate: true })).toEqual({ kind: "failed", reason: "redirect 302 (not followed)" });
    expect(target.requests.map((request) => request.path)).toEqual(["/hook"]);
  });

  it("reads at most 64 KiB of an endless answer and hangs up", async () => {
    const target = await receiver();
    target.answer = () => ({ status: 200, streamBytes: Infinity });
    const started = Date.now();
    expect(await send(target.url, { allowPrivate: true }, { timeoutMs: 10_000 })).toEqual({ kind: "delivered", status: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    // The receiver stopped after what the socket buffers held: far from an endless stream.
    expect(target.streamedBytes).toBeGreaterThan(MAX_RESPONSE_BYTES);
    expect(target.streamedBytes).toBeLessThan(16 * 1024 * 1024);
  });

  it("gives up on a receiver that never answers after the timeout", async () => {
    const target = await receiver();
    target.answer = () => ({ hang: true });
    const started = Date.now();
    expect(await send(target.url, { allowPrivate: true }, { timeoutMs: 300 })).toEqual({ kind: "failed", reason: "no answer within 300 ms" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("reads Retry-After as seconds or an HTTP date", async () => {
    const target = await receiver();
    const date = new Date(Date.now() + 120_000).toUTCString();
    target.answer = ({ count }) => ({ status: count === 1 ? 429 : 503, headers: { "retry-after": count === 1 ? "7" : date } });
    expect(await send(target.url, { allowPrivate: true })).toEqual({ kind: "failed", reason: "HTTP 429", retryAfterMs: 7000 });
    const second = await send(target.url, { allowPrivate: true });
    expect(second.kind === "failed" && second.retryAfterMs).toBeGreaterThan(110_000);
  });

  it("goes through WEBHOOK_PROXY_URL, and still refuses a forbidden target before asking the proxy", async () => {
    const target = await receiver();
    const tunnels: string[] = [];
    const proxySockets = new Set<Socket>();
    const proxy: Server = createServer((_, response) => response.writeHead(405).end());
    proxy.on("connect", (request, client: Socket, head: Buffer) => {
      tunnels.push(String(request.url));
      const [host, port] = String(request.url).split(":");
      const upstream = connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        proxySockets.add(socket);
        socket.on("error", () => socket.destroy());
      }
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));
    cleanups.push(async () => {
      for (const socket of proxySockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    expect(await send(`${target.url}/via-proxy`, { allowPrivate: true, proxyUrl })).toEqual({ kind: "delivered", status: 204 });
    expect(tunnels).toEqual([`127.0.0.1:${target.port}`]);
    expect(target.deliveries.map((delivery) => delivery.path)).toEqual(["/via-proxy"]);
    expect(await send(`${target.url}/refused`, { allowPrivate: false, proxyUrl })).toMatchObject({ kind: "refused" });
    expect(tunnels).toHaveLength(1);
  });
});

describe("TLS through the guarded connector", () => {
  /** openssl: a CA and a certificate for the name hooks.test only (no IP in it). */
  async function certificates(): Promise<{ ca: string; key: string; cert: string }> {
    const dir = await mkdtemp(join(tmpdir(), "burnlink-webhook-tls-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const openssl = (...args: string[]) => promisify(execFile)("openssl", args, { cwd: dir });
    await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=burnlink-webhook-test-ca");
    await openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=hooks.test");
    await writeFile(join(dir, "ext.cnf"), "subjectAltName=DNS:hooks.test\n");
    await openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf");
    const [ca, key, cert] = await Promise.all(["ca.crt", "server.key", "server.crt"].map((name) => readFile(join(dir, name), "utf8")));
    return { ca: ca!, key: key!, cert: cert! };
  }

  it("connects to the checked address but verifies the certificate (and sends SNI) for the URL's name", async () => {
    const { ca, key, cert } = await certificates();
    const names: (string | undefined)[] = [];
    const server = createHttpsServer({ key, cert }, (request, response) => {
      names.push((request.socket as import("node:tls").TLSSocket).servername || undefined);
      request.resume();
      request.on("end", () => response.writeHead(204).end());
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const resolve: Resolver = async (name) => (name === "hooks.test" ? ["127.0.0.1"] : []);
    expect(await send(`https://hooks.test:${port}/hook`, { allowPrivate: true, resolve, ca })).toEqual({ kind: "delivered", status: 204 });
    expect(names).toEqual(["hooks.test"]);
    // The certificate is still checked: not for this address, and not without its CA.
    expect(await send(`https://127.0.0.1:${port}/hook`, { allowPrivate: true, ca })).toMatchObject({ kind: "failed", reason: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(await send(`https://hooks.test:${port}/hook`, { allowPrivate: true, resolve })).toMatchObject({ kind: "failed" });
    expect(names).toHaveLength(1);
  });
});
