/**
 * The audit log of issue 14 §1/§3 on two real app instances sharing one real redis-server:
 * every state change of real flows (create, a check refused by the allowlist, a wrong
 * passphrase, a view, a claim's retry, a burn, an expiry, request create/respond/collect/
 * revoke, API token created/revoked) is exactly ONE audit line across both instances'
 * output; an expiry fires once across both, and once after the instances are restarted; a
 * claim's retry counts no second ok reveal in the metrics; and a grep of everything the
 * servers printed finds no id, link fragment, proof, verifier, claim, ciphertext, passphrase,
 * token or label.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "@/lib/api/client";
import {
  claimVerifier,
  collectLinkProofs,
  newClaim,
  revealProofs,
  sealRequest,
} from "@/lib/crypto";
import { EVENT_SHARDS } from "@/lib/store/event-keys";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { clientFrom, createdSecret, driveEveryStateChange } from "./state-change-flows";
import { eventually, makeSecret, type TestSecret } from "./support";

const AUDIT_HASH_KEY = "audit-log-test-fingerprint-key-0123";
const METRICS_TOKEN = "audit-log-test-metrics-token-0123";
const ADMIN_TOKEN = `admin-${randomBytes(24).toString("base64url")}`;
const PASSPHRASE = "correct-passphrase-✓-9f3a";
const WRONG_PASSPHRASE = "wrong-passphrase-7c1e";

interface AuditLine {
  log: string;
  "@timestamp": string;
  event: { action: string; outcome: string; reason?: string };
  source?: { ip: string };
  user?: Record<string, string>;
  burnlink?: Record<string, unknown>;
}

/** PROTOCOL.md §9, computed here on its own: b64u(HMAC-SHA256(utf8(key), utf8(id)))[0..22]. */
const fingerprint = (id: string) => createHmac("sha256", Buffer.from(AUDIT_HASH_KEY, "utf8")).update(id, "utf8").digest("base64url").slice(0, 22);

function auditLines(output: string): AuditLine[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith('{"log":"audit"'))
    .map((line) => JSON.parse(line) as AuditLine);
}

describe("the audit log of two instances on one Redis", () => {
  let redis: RedisServer;
  let inspector: ReturnType<typeof createClient>;
  let a: NextServer;
  let b: NextServer;
  let c: NextServer | undefined;
  /** Every value that must never be printed. */
  const forbidden: string[] = [ADMIN_TOKEN, METRICS_TOKEN, PASSPHRASE, WRONG_PASSPHRASE];
  const env = () => ({
    REDIS_URL: redis.url,
    AUDIT_HASH_KEY,
    METRICS_TOKEN,
    ADMIN_TOKEN_SHA256: createHash("sha256").update(ADMIN_TOKEN).digest("hex"),
    EVENT_POLL_MS: "100",
    EXPIRY_SWEEP_SECONDS: "1",
    MIN_TTL_SECONDS: "1",
    TRUST_PROXY: "1",
  });

  const everything = () => [a, b, c].map((server) => server?.output() ?? "").join("\n");
  const lines = () => auditLines(everything());
  const linesOf = (subject: "secret" | "request", id: string) =>
    lines().filter((line) => line.burnlink?.[subject] === fingerprint(id));
  const actionsOf = (subject: "secret" | "request", id: string) => linesOf(subject, id).map((line) => line.event.action).sort();

  /** Nothing left to deliver: every pending index is empty and no delivery round holds a lease. */
  async function drained(): Promise<void> {
    await eventually(async () => {
      for (let shard = 0; shard < EVENT_SHARDS; shard += 1) {
        if ((await inspector.zCard(`burnlink:{events:${shard}}:pending`)) > 0) return false;
        if ((await inspector.exists(`burnlink:{events:${shard}}:lease:deliver`)) > 0) return false;
      }
      return true;
    }, 30_000);
  }

  const created = (via: ApiClient, options: Parameters<typeof makeSecret>[0] = {}): Promise<TestSecret> => createdSecret(via, forbidden, options);

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    [a, b] = await Promise.all([startNextServer({ env: env() }), startNextServer({ env: env() })]);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await inspector?.close();
    await redis?.stop();
  });

  it("writes exactly one line per state change of real flows across both instances", async () => {
    const insideA = clientFrom(a, "203.0.113.7");
    const insideB = clientFrom(b, "203.0.113.8");
    const outsideB = clientFrom(b, "198.51.100.1");

    // A fenced secret with a passphrase (refused address, wrong passphrase, view, retry, burn),
    // a secret read once, one never read, a request through its whole life and one that lapses.
    const { fenced, read, unread, request, lapsing } = await driveEveryStateChange({
      insideA,
      insideB,
      outsideB,
      forbidden,
      passphrase: PASSPHRASE,
      wrongPassphrase: WRONG_PASSPHRASE,
      wrongAttemptsVia: [insideA],
      revealVia: insideB,
      retryVia: insideB,
      requestLabel: "the staging database password, please",
      responseText: "hunter2-response-text",
    });

    // API tokens: created and revoked, audited directly.
    const issued = await insideA.createToken({ name: "audit-test-token", scopes: ["secrets:create"] }, ADMIN_TOKEN);
    forbidden.push(issued.token);
    await insideB.revokeToken(issued.kid!, ADMIN_TOKEN);

    await eventually(async () => actionsOf("secret", unread.sealed.id).includes("secret.expired"), 30_000);
    await eventually(async () => actionsOf("request", lapsing.id).includes("request.expired"), 30_000);
    await eventually(async () => lines().filter((line) => line.event.action.startsWith("token.")).length === 2, 30_000);
    await drained();

    expect(actionsOf("secret", fenced.sealed.id)).toEqual(
      ["secret.burned", "secret.created", "secret.ip_blocked", "secret.viewed", "secret.wrong_passphrase"],
    );
    expect(actionsOf("secret", read.sealed.id)).toEqual(["secret.created", "secret.viewed"]);
    expect(actionsOf("secret", unread.sealed.id)).toEqual(["secret.created", "secret.expired"]);
    expect(actionsOf("request", request.id)).toEqual(["request.collected", "request.created", "request.responded", "request.revoked"]);
    expect(actionsOf("request", lapsing.id)).toEqual(["request.created", "request.expired"]);
    expect(lines().filter((line) => line.event.action.startsWith("token.")).map((line) => line.event.action).sort()).toEqual([
      "token.created",
      "token.revoked",
    ]);
    // Both instances delivered: the work is shared, not done by one only.
    expect(auditLines(a.output()).length).toBeGreaterThan(0);
    expect(auditLines(b.output()).length).toBeGreaterThan(0);

    const [blocked] = linesOf("secret", fenced.sealed.id).filter((line) => line.event.action === "secret.ip_blocked");
    expect(blocked).toMatchObject({ event: { outcome: "failure", reason: "ip_not_allowed" }, source: { ip: "198.51.100.0/24" } });
    const [guess] = linesOf("secret", fenced.sealed.id).filter((line) => line.event.action === "secret.wrong_passphrase");
    expect(guess).toMatchObject({ event: { outcome: "failure", reason: "wrong_passphrase" }, source: { ip: "203.0.113.0/24" } });
    const [responded] = linesOf("request", request.id).filter((line) => line.event.action === "request.responded");
    expect(responded!.burnlink).toMatchObject({ n: 1, seq: 2 });

    // The one expiry is counted once across both instances, by the one that delivered it.
    const expiredCounts = await Promise.all(
      [a, b].map(async (server) => {
        const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        return Number(/^burnlink_secrets_ended_total\{reason="expired"\} (\d+)$/m.exec(await response.text())?.[1] ?? 0);
      }),
    );
    expect(expiredCounts[0]! + expiredCounts[1]!).toBe(1);
  });

  it("counts a claim's retry as no second ok reveal", async () => {
    const client = clientFrom(b, "203.0.113.9");
    const okReveals = async () => {
      const response = await fetch(`${b.url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const match = /^burnlink_reveals_total\{outcome="ok"\} (\d+)$/m.exec(await response.text());
      return Number(match?.[1]);
    };
    const secret = await created(client, { maxViews: 2 });
    const proofs = await revealProofs(secret.sealed.linkKey);
    forbidden.push(proofs.access, proofs.unlock);
    const claim = newClaim();
    forbidden.push(claim, claimVerifier(claim));
    const before = await okReveals();
    await client.revealSecret(secret.sealed.id, proofs.access, proofs.unlock, claim);
    expect(await okReveals()).toBe(before + 1);
    await client.revealSecret(secret.sealed.id, proofs.access, proofs.unlock, claim);
    await client.revealSecret(secret.sealed.id, proofs.access, proofs.unlock, claim);
    expect(await okReveals()).toBe(before + 1);
  });

  it("fires an expiry once, from the schedule in the store, after every instance was restarted", async () => {
    const secret = await created(clientFrom(a, "203.0.113.10"), { ttlSeconds: 2 });
    const expiresAtMs = Date.parse((await clientFrom(a, "203.0.113.10").checkSecret(secret.sealed.id, (await revealProofs(secret.sealed.linkKey)).access)).expiresAt);
    await Promise.all([a.stop(), b.stop()]);
    expect(actionsOf("secret", secret.sealed.id)).not.toContain("secret.expired");
    await eventually(async () => Date.now() > expiresAtMs + 200, 10_000);
    c = await startNextServer({ env: env() });
    await eventually(async () => actionsOf("secret", secret.sealed.id).includes("secret.expired"), 30_000);
    await drained();
    expect(actionsOf("secret", secret.sealed.id)).toEqual(["secret.created", "secret.expired"]);
  }, SERVER_START_TIMEOUT_MS);

  it("prints no id, link fragment, proof, verifier, claim, ciphertext, passphrase, token or label anywhere", () => {
    const output = everything();
    expect(output).toContain('"log":"audit"');
    expect(forbidden.length).toBeGreaterThan(40);
    for (const value of forbidden) {
      expect(output.includes(value), `the server output contains a value it must never print (${value.length} chars)`).toBe(false);
    }
  });
});

describe("the audit log of one instance on the memory store", () => {
  let server: NextServer;
  let quiet: NextServer;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "burnlink-audit-"));
    file = path.join(dir, "audit.ndjson");
    [server, quiet] = await Promise.all([
      startNextServer({ env: { AUDIT_HASH_KEY, AUDIT_LOG_FILE: file, EVENT_POLL_MS: "100" } }),
      startNextServer({ env: { AUDIT_LOG: "off", EVENT_POLL_MS: "100" } }),
    ]);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([server?.stop(), quiet?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const fileLines = () => {
    try {
      return auditLines(readFileSync(file, "utf8"));
    } catch {
      return [];
    }
  };

  it("appends secret and request events to AUDIT_LOG_FILE, not to stdout", async () => {
    const api = createApiClient(server.url);
    const secret = await makeSecret();
    await api.createSecret(secret.request);
    const request = sealRequest();
    await api.createRequest({ id: request.id, writeVerifier: request.writeVerifier, collectVerifier: request.collectVerifier, ttlSeconds: 3600, maxResponses: 1 });
    await api.revokeRequest(request.id, collectLinkProofs(request.collectKey).collect);
    await eventually(async () => fileLines().filter((line) => line.burnlink?.request === fingerprint(request.id)).length === 2, 30_000);
    expect(fileLines().filter((line) => line.burnlink?.secret === fingerprint(secret.sealed.id)).map((line) => line.event.action)).toEqual(["secret.created"]);
    expect(fileLines().filter((line) => line.burnlink?.request === fingerprint(request.id)).map((line) => line.event.action)).toEqual([
      "request.created",
      "request.revoked",
    ]);
    expect(auditLines(server.output())).toEqual([]);
  });

  it("writes nothing with AUDIT_LOG=off", async () => {
    const api = createApiClient(quiet.url);
    const secret = await makeSecret();
    await api.createSecret(secret.request);
    const proofs = await revealProofs(secret.sealed.linkKey);
    await api.revealSecret(secret.sealed.id, proofs.access, proofs.unlock);
    // The same flow is audited on the other server within a poll; here it must stay silent.
    const other = await makeSecret();
    await createApiClient(server.url).createSecret(other.request);
    await eventually(async () => fileLines().some((line) => line.burnlink?.secret === fingerprint(other.sealed.id)), 30_000);
    expect(quiet.output()).not.toContain('"log":"audit"');
  });
});
