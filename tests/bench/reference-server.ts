/**
 * The physical ceiling of issue 7: a bare node:http + node-redis server that does the same
 * Redis work per request as Burnlink's API and nothing else. It runs the very Lua scripts
 * of lib/store/scripts.ts with EVALSHA (imported, so they cannot drift apart), with the
 * same arguments the Redis driver sends, and hashes proofs to verifiers with node:crypto as
 * lib/server/http.ts does. It skips what the framework ceiling and the app add on top:
 * routing, zod validation, body caps, error shapes, config and client-IP policy.
 *
 * Started by tests/bench/main.ts as its own process (bundled by tests/bench/run.mjs):
 * env PORT (0 = any), REDIS_URL; prints one line `listening <port>` when ready.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "redis";
import { SCRIPTS } from "@/lib/store/scripts";
import { claimsKey, idKey, metaKey, secretKey } from "@/lib/store/keys";
import { expiryKey, memberOf, pendingKey, secretOutboxKey, shardOf } from "@/lib/store/event-keys";

const KEY_PREFIX = "burnlink";
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** ID_TOMBSTONE_SECONDS' default (lib/server/config.ts): the id stays taken 90 days after expiry. */
const ID_TOMBSTONE_MS = 90 * 24 * 60 * 60 * 1000;
const ATTEMPTS_LIMIT = "5";
/** What the app derives for a loopback peer: ::ffff:127.0.0.1 as 32 hex digits, masked audit IP. */
const PEER_HEX = "00000000000000000000ffff7f000001";
const AUDIT_IP = "127.0.0.0/24";
const CONFIG_BODY = JSON.stringify({
  maxCiphertextBytes: 1024 * 1024 + 40,
  minTtlSeconds: 60,
  maxTtlSeconds: 7 * 24 * 60 * 60,
  maxViews: 10,
  maxAllowedIps: 20,
  passphraseAttempts: 5,
});

const redis = createClient({ url: process.env.REDIS_URL });
await redis.connect();
for (const script of Object.values(SCRIPTS)) await redis.scriptLoad(script.source);

function verifierOf(proof: string): string {
  return createHash("sha512").update(Buffer.from(proof, "base64url")).digest().subarray(0, 32).toString("base64url");
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(body);
}

/** The keys the Redis driver passes (lib/store/scripted-store.ts): the subject's five, the shard's pending index, and the schedule at create. */
function keysOf(id: string, create = false): string[] {
  const keys = [
    secretKey(KEY_PREFIX, id),
    metaKey(KEY_PREFIX, id),
    claimsKey(KEY_PREFIX, id),
    idKey(KEY_PREFIX, id),
    secretOutboxKey(KEY_PREFIX, id),
    pendingKey(KEY_PREFIX, shardOf(id)),
  ];
  return create ? [...keys, expiryKey(KEY_PREFIX, shardOf(id))] : keys;
}

const member = (id: string) => memberOf({ subject: "secret", id });

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = request.url ?? "/";
  if (request.method === "GET" && url === "/api/config") return send(response, 200, CONFIG_BODY);
  if (request.method !== "POST") return send(response, 405, '{"error":"method_not_allowed"}');
  const body = await readJson(request);
  const nowMs = Date.now();

  if (url === "/api/secrets") {
    const id = String(body.id);
    const expiresAtMs = nowMs + Number(body.ttlSeconds) * 1000;
    const reply = (await redis.evalSha(SCRIPTS.create.sha1, {
      keys: keysOf(id, true),
      arguments: [
        String(body.ciphertext),
        String(body.accessVerifier),
        String(body.unlockVerifier),
        String(body.manageVerifier),
        String(nowMs),
        String(expiresAtMs),
        String(expiresAtMs + RETENTION_MS),
        String(body.maxViews),
        ATTEMPTS_LIMIT,
        "[]",
        "",
        AUDIT_IP,
        String(expiresAtMs + ID_TOMBSTONE_MS),
        "",
        "",
        member(id),
      ],
    })) as string[];
    if (reply[0] !== "created") return send(response, 409, '{"error":"id_taken"}');
    return send(response, 201, JSON.stringify({ id, expiresAt: new Date(Number(reply[1])).toISOString(), maxViews: body.maxViews }));
  }

  const match = /^\/api\/secrets\/([A-Za-z0-9_-]{22})\/(check|reveal)$/.exec(url);
  if (!match?.[1]) return send(response, 404, '{"error":"not_found"}');
  const id = match[1];
  if (match[2] === "check") {
    const reply = (await redis.evalSha(SCRIPTS.check.sha1, {
      keys: keysOf(id),
      arguments: [verifierOf(String(body.access)), String(nowMs), PEER_HEX, AUDIT_IP, member(id)],
    })) as string[];
    if (reply[0] !== "ok") return send(response, 404, JSON.stringify({ error: reply[0] }));
    return send(response, 200, JSON.stringify({ expiresAt: new Date(Number(reply[1])).toISOString(), viewsLeft: Number(reply[2]) }));
  }
  const reply = (await redis.evalSha(SCRIPTS.reveal.sha1, {
    keys: keysOf(id),
    arguments: [verifierOf(String(body.access)), verifierOf(String(body.unlock)), String(nowMs), PEER_HEX, AUDIT_IP, "", String(nowMs), String(nowMs), member(id)],
  })) as string[];
  if (reply[0] !== "ok") return send(response, 410, JSON.stringify({ error: reply[0] }));
  return send(
    response,
    200,
    JSON.stringify({ ciphertext: reply[1], viewsLeft: Number(reply[2]), expiresAt: new Date(Number(reply[3])).toISOString() }),
  );
}

const server = createServer((request, response) => {
  handle(request, response).catch(() => send(response, 500, '{"error":"internal_error"}'));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => {
    redis.destroy();
    process.exit(0);
  });
});
