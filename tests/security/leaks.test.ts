/**
 * Nothing secret reaches the logs or the store (issue 4, "Logs and storage"; PROTOCOL.md
 * §1 and §5). Real flows run against the real server on a private Redis: a secret with a
 * passphrase, text and two files (made with lib/crypto, as the browser makes them), a
 * wrong passphrase, check, reveal, status, an allowlist refusal and a burn. Then the
 * server's whole output and every Redis key and value are searched for the plaintext,
 * the file names and bytes, K, M, the encryption key, the access, unlock and manage
 * proofs (base64url and hex) and the passphrase: none is found. The request log lines
 * are structured (method, route pattern, status, duration) and name no secret id.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, bytesToBase64url, manageToken, openSecret, revealProofs, sealSecret, utf8ToBytes } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";

const PLAINTEXT = "the launch code is 7-ALPHA-TANGO-ZULU";
const FILE_NAME = "payroll-2026-confidential.xlsx";
const FILE_TEXT = "salary of the CEO: 12345678";
const PASSPHRASE = "correct horse battery staple 42";

let redis: RedisServer;
let server: NextServer;

beforeAll(async () => {
  redis = await startRedisServer();
  // Limits on at their defaults, so the rate-limit counters are among the keys searched.
  server = await startNextServer({
    env: {
      REDIS_URL: redis.url,
      AUDIT_IP: "full",
      RATE_LIMIT_CREATE_PER_MINUTE: "30",
      RATE_LIMIT_READ_PER_MINUTE: "120",
      RATE_LIMIT_MANAGE_PER_MINUTE: "60",
      RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "20",
    },
  });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("after the create, check, reveal, status and burn flows", () => {
  const needles = new Map<string, string>();
  let ids: string[] = [];

  beforeAll(async () => {
    const sealed = await sealSecret(
      { text: PLAINTEXT, files: [{ name: FILE_NAME, type: "text/plain", bytes: utf8ToBytes(FILE_TEXT) }, { name: "b.bin", type: "application/octet-stream", bytes: new Uint8Array([1, 2, 3]) }] },
      { passphrase: PASSPHRASE },
    );
    const right = await revealProofs(sealed.linkKey, PASSPHRASE);
    const wrong = await revealProofs(sealed.linkKey, "not the passphrase");
    const token = manageToken(sealed.manageKey);
    const create = (s: typeof sealed, extra: Record<string, unknown> = {}) =>
      call("POST", "/api/secrets", {
        id: s.id,
        ciphertext: s.ciphertext,
        accessVerifier: s.accessVerifier,
        unlockVerifier: s.unlockVerifier,
        manageVerifier: s.manageVerifier,
        ttlSeconds: 3600,
        maxViews: 2,
        ...extra,
      });

    expect((await create(sealed)).status).toBe(201);
    expect((await call("POST", `/api/secrets/${sealed.id}/check`, { access: right.access })).status).toBe(200);
    expect((await call("POST", `/api/secrets/${sealed.id}/reveal`, { access: wrong.access, unlock: wrong.unlock })).status).toBe(403);
    const revealed = await call("POST", `/api/secrets/${sealed.id}/reveal`, { access: right.access, unlock: right.unlock });
    expect(revealed.status).toBe(200);
    expect(openSecret(revealed.body.ciphertext as string, right.encryptionKey).text).toBe(PLAINTEXT);
    expect((await call("GET", `/api/secrets/${sealed.id}`, undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await call("DELETE", `/api/secrets/${sealed.id}`, undefined, { authorization: `Bearer ${token}` })).status).toBe(204);

    // A second secret, restricted to another network: its refusal is recorded.
    const fenced = await sealSecret({ text: `${PLAINTEXT} (fenced)` }, {});
    expect((await create(fenced, { allowedIps: ["192.0.2.0/24"] })).status).toBe(201);
    const fencedAccess = accessProof(fenced.linkKey).access;
    expect((await call("POST", `/api/secrets/${fenced.id}/check`, { access: fencedAccess })).status).toBe(403);
    ids = [sealed.id, fenced.id];

    for (const [name, value] of [
      ["plaintext", PLAINTEXT],
      ["file name", FILE_NAME],
      ["file text", FILE_TEXT],
      ["passphrase", PASSPHRASE],
      ["K (b64u)", bytesToBase64url(sealed.linkKey)],
      ["K (hex)", hex(sealed.linkKey)],
      ["M (b64u)", bytesToBase64url(sealed.manageKey)],
      ["M (hex)", hex(sealed.manageKey)],
      ["encryption key (b64u)", bytesToBase64url(right.encryptionKey)],
      ["encryption key (hex)", hex(right.encryptionKey)],
      ["access proof (b64u)", right.access],
      ["access proof (hex)", hex(Buffer.from(right.access, "base64url"))],
      ["unlock proof (b64u)", right.unlock],
      ["unlock proof (hex)", hex(Buffer.from(right.unlock, "base64url"))],
      ["wrong unlock proof (b64u)", wrong.unlock],
      ["manage proof (b64u)", token],
      ["manage proof (hex)", hex(Buffer.from(token, "base64url"))],
      ["fenced K (b64u)", bytesToBase64url(fenced.linkKey)],
      ["fenced access proof (b64u)", fencedAccess],
      ["fenced manage proof (b64u)", manageToken(fenced.manageKey)],
    ] as const) {
      needles.set(name, value);
    }
  }, 60_000);

  it("the server output holds none of them, nor a secret id", () => {
    const output = server.output();
    expect(output).toContain('"msg":"request"');
    for (const [name, value] of needles) expect(output.includes(value), `${name} in the server output`).toBe(false);
    for (const id of ids) expect(output.includes(id), "a secret id in the server output").toBe(false);
  });

  it("every request log line is structured: method, route pattern, status and duration only", () => {
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(["level", "method", "ms", "msg", "route", "status"]);
      expect(line.route).toMatch(/^\/api\/[a-z/[\]\-.]*$/);
    }
    expect(lines.map((line) => line.route)).toContain("/api/secrets/[id]/reveal");
  });

  it("no Redis key or value holds any of them", async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const dump: string[] = [];
      for await (const keys of client.scanIterator({ COUNT: 100 })) {
        for (const key of keys) {
          dump.push(key);
          const type = await client.type(key);
          if (type === "string") dump.push((await client.get(key)) ?? "");
          else if (type === "hash") dump.push(...Object.entries(await client.hGetAll(key)).flat());
          // The event outboxes (lists) and the shard indexes (sorted sets) of issue 14 §1.
          else if (type === "list") dump.push(...(await client.lRange(key, 0, -1)));
          else if (type === "zset") dump.push(...(await client.zRange(key, 0, -1)));
          // An outbox the dispatcher emptied between SCAN and TYPE.
          else if (type === "none") continue;
          else throw new Error(`unexpected key type ${type} for ${key}`);
        }
      }
      expect(dump.length).toBeGreaterThanOrEqual(4);
      expect(dump.some((entry) => entry.includes(":read:a:"))).toBe(true);
      const everything = dump.join("\n");
      for (const [name, value] of needles) expect(everything.includes(value), `${name} in Redis`).toBe(false);
    } finally {
      await client.close();
    }
  });
});
