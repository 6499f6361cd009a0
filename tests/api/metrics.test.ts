/**
 * The metrics of issue 14 §4 on the real server over a real redis-server: real flows
 * (create, check, reveal, wrong passphrases, the passphrase rate limit, an allowlist,
 * unknown ids, burn) move exactly the counters they should; /metrics on METRICS_PORT and
 * /api/metrics with the bearer serve the same registry; no id reaches a label; and
 * Debian's `promtool check metrics` accepts the scrape without a warning.
 */
import { spawnSync } from "node:child_process";
import { connect, createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { freePort } from "../support/free-port";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, makeSecret, type TestSecret } from "./support";

const METRICS_TOKEN = "metrics-test-token-0123456789";
const BEARER = { authorization: `Bearer ${METRICS_TOKEN}` };

/** `name{labels}` → value, from the text exposition format. */
function samples(exposition: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    map.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return map;
}

function promtoolCheck(exposition: string) {
  const result = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("metrics of a real server", () => {
  let redis: RedisServer;
  let server: NextServer;
  let bare: NextServer;
  let metricsPort: number;
  const secrets: TestSecret[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    metricsPort = await freePort();
    server = await startNextServer({
      env: {
        REDIS_URL: redis.url,
        METRICS_TOKEN,
        METRICS_PORT: String(metricsPort),
        // Two wrong passphrases per client, so the third reveal is rate-limited.
        RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "2",
      },
    });
    bare = await startNextServer();
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([server?.stop(), bare?.stop()]);
    await redis?.stop();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  async function create(options: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> {
    const secret = await makeSecret(options);
    expect((await call(server.url, "POST", "/api/secrets", { json: secret.request })).status).toBe(201);
    secrets.push(secret);
    return secret;
  }

  async function reveal(secret: TestSecret, passphrase?: string): Promise<number> {
    const proofs = await revealProofs(secret.sealed.linkKey, passphrase);
    return (await call(server.url, "POST", `/api/secrets/${secret.sealed.id}/reveal`, { json: { access: proofs.access, unlock: proofs.unlock } })).status;
  }

  async function check(secret: TestSecret): Promise<number> {
    const { access } = accessProof(secret.sealed.linkKey);
    return (await call(server.url, "POST", `/api/secrets/${secret.sealed.id}/check`, { json: { access } })).status;
  }

  it("count every outcome of real flows exactly, by route template and never by id", async () => {
    const viewed = await create();
    expect(await reveal(viewed)).toBe(200);
    expect(await reveal(viewed)).toBe(410);
    expect(await check(viewed)).toBe(410);

    const fenced = await create({ allowedIps: ["10.0.0.0/8"] });
    expect(await check(fenced)).toBe(403);
    expect(await reveal(fenced)).toBe(403);

    const unknown = await makeSecret();
    secrets.push(unknown);
    expect(await reveal(unknown)).toBe(404);
    expect(await check(unknown)).toBe(404);

    const burned = await create();
    const manage = { authorization: `Bearer ${manageToken(burned.sealed.manageKey)}` };
    expect((await call(server.url, "GET", `/api/secrets/${burned.sealed.id}`, { headers: manage })).status).toBe(200);
    expect((await call(server.url, "DELETE", `/api/secrets/${burned.sealed.id}`, { headers: manage })).status).toBe(204);

    // Last: after two wrong passphrases this client's reveals are refused (429) for an hour.
    const guarded = await create({ passphrase: "open sesame" });
    expect(await reveal(guarded, "wrong one")).toBe(403);
    expect(await reveal(guarded, "wrong two")).toBe(403);
    expect(await reveal(guarded, "open sesame")).toBe(429);

    const exposition = await scrape();
    const values = samples(exposition);
    expect({
      created: values.get("burnlink_secrets_created_total"),
      revealOk: values.get('burnlink_reveals_total{outcome="ok"}'),
      revealGone: values.get('burnlink_reveals_total{outcome="gone"}'),
      revealWrong: values.get('burnlink_reveals_total{outcome="wrong_passphrase"}'),
      revealLimited: values.get('burnlink_reveals_total{outcome="rate_limited"}'),
      revealFenced: values.get('burnlink_reveals_total{outcome="ip_not_allowed"}'),
      revealUnknown: values.get('burnlink_reveals_total{outcome="not_found"}'),
      checkGone: values.get('burnlink_checks_total{outcome="gone"}'),
      checkFenced: values.get('burnlink_checks_total{outcome="ip_not_allowed"}'),
      checkUnknown: values.get('burnlink_checks_total{outcome="not_found"}'),
      checkOk: values.get('burnlink_checks_total{outcome="ok"}'),
      endedViewed: values.get('burnlink_secrets_ended_total{reason="viewed"}'),
      endedBurned: values.get('burnlink_secrets_ended_total{reason="burned"}'),
      endedAttempts: values.get('burnlink_secrets_ended_total{reason="attempts"}'),
      limitedPassphrase: values.get('burnlink_rate_limited_total{bucket="passphrase"}'),
      revealScripts: values.get('burnlink_store_command_duration_seconds_count{script="reveal"}'),
      createScripts: values.get('burnlink_store_command_duration_seconds_count{script="create"}'),
      burnScripts: values.get('burnlink_store_command_duration_seconds_count{script="burn"}'),
      reveal2xx: values.get('burnlink_http_request_duration_seconds_count{route="/api/secrets/[id]/reveal",method="POST",status_class="2xx"}'),
      reveal4xx: values.get('burnlink_http_request_duration_seconds_count{route="/api/secrets/[id]/reveal",method="POST",status_class="4xx"}'),
      burn2xx: values.get('burnlink_http_request_duration_seconds_count{route="/api/secrets/[id]",method="DELETE",status_class="2xx"}'),
      webhookQueue: values.get("burnlink_webhook_queue_depth"),
    }).toEqual({
      created: 4,
      revealOk: 1,
      revealGone: 1,
      revealWrong: 2,
      revealLimited: 1,
      revealFenced: 1,
      revealUnknown: 1,
      checkGone: 1,
      checkFenced: 1,
      checkUnknown: 1,
      checkOk: 0,
      endedViewed: 1,
      endedBurned: 1,
      endedAttempts: 0,
      limitedPassphrase: 1,
      // Seven reveal scripts: the rate limiter runs inside the reveal's script (issue 15
      // item 3), so the 429 is a reveal script too, one that stopped before the secret.
      revealScripts: 7,
      createScripts: 4,
      burnScripts: 1,
      reveal2xx: 1,
      reveal4xx: 6,
      burn2xx: 1,
      webhookQueue: 0,
    });
    expect(exposition).toMatch(/^burnlink_build_info\{version="\d+\.\d+\.\d+[^"]*",node="v\d+[^"]*"\} 1$/m);
    for (const secret of secrets) {
      expect(exposition).not.toContain(secret.sealed.id);
      expect(exposition).not.toContain(secret.request.accessVerifier);
    }
    expect(exposition).not.toContain("10.0.0.0");
  });

  it("passes promtool check metrics without a warning, on both endpoints", async () => {
    const direct = promtoolCheck(await scrape());
    expect(direct).toEqual({ status: 0, output: "" });
    const response = await fetch(`${server.url}/api/metrics`, { headers: BEARER });
    expect(response.status).toBe(200);
    expect(promtoolCheck(await response.text())).toEqual({ status: 0, output: "" });
  });

  it("serve one registry on the metrics port and at /api/metrics", async () => {
    const viaApi = samples(await (await fetch(`${server.url}/api/metrics`, { headers: BEARER })).text());
    const viaPort = samples(await scrape());
    expect(viaApi.get("burnlink_secrets_created_total")).toBe(4);
    expect(viaPort.get("burnlink_secrets_created_total")).toBe(viaApi.get("burnlink_secrets_created_total"));
    expect(viaPort.get('burnlink_reveals_total{outcome="wrong_passphrase"}')).toBe(2);
  });

  it("answer /api/metrics with 401 auth_required and WWW-Authenticate for a missing or wrong bearer", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-the-metrics-token-at-all" }, { authorization: `Basic ${METRICS_TOKEN}` }];
    for (const headers of attempts) {
      const answer = await call(server.url, "GET", "/api/metrics", { headers });
      expect(answer.status).toBe(401);
      expect((answer.body as { error: string }).error).toBe("auth_required");
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    }
  });

  it("answer /api/metrics with 404 not_found when no METRICS_TOKEN is set", async () => {
    const answer = await call(bare.url, "GET", "/api/metrics", { headers: BEARER });
    expect([answer.status, (answer.body as { error: string }).error]).toEqual([404, "not_found"]);
  });

  it("never serve the metrics listener's /metrics through the public port", async () => {
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text).not.toContain("burnlink_");
    const elsewhere = await fetch(`http://127.0.0.1:${metricsPort}/api/health`);
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();
  });

  it("bind the metrics listener to 127.0.0.1 by default, so another address of the machine cannot reach it", async () => {
    // 127.0.0.2 is this machine too: a listener on every interface would answer there.
    const refused = await fetch(`http://127.0.0.2:${metricsPort}/metrics`).then(
      () => "answered",
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe("ECONNREFUSED");
    // The control: a listener on every interface does answer on 127.0.0.2.
    const control = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => control.listen(0, "0.0.0.0", resolve));
    try {
      const port = (control.address() as AddressInfo).port;
      const socket = connect(port, "127.0.0.2");
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      socket.destroy();
    } finally {
      control.close();
    }
  });
});
