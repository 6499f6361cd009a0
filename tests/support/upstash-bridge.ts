/**
 * A local stand-in for Upstash's REST endpoint in front of a real `redis-server`,
 * so tests drive the real `@upstash/redis` client against real Redis semantics
 * (Lua scripts, expiry, atomicity). There is no Upstash server on npm
 * (/work/shared/STACK-NOTES.md), hence this bridge.
 *
 * It speaks what @upstash/redis 1.39 sends and decodes (pkg/http.ts there):
 * - `POST /` with a JSON array command -> `{"result": …}` or HTTP 400 `{"error": …}`;
 * - `POST /pipeline` and `POST /multi-exec` with an array of commands -> an array
 *   of `{"result"}` / `{"error"}` entries (multi-exec runs them as one MULTI/EXEC);
 * - `Authorization: Bearer <token>`, otherwise HTTP 401;
 * - with `Upstash-Encoding: base64`, every string in a result is base64 (recursively
 *   in arrays) except a top-level simple-string `OK`, which the client expects
 *   verbatim; integers and nulls stay JSON numbers and nulls.
 * Replies are read in RESP2 with bulk strings as Buffers, so a status reply ("OK",
 * "PONG") and a bulk string are told apart exactly as Upstash does.
 * When Redis cannot be reached the bridge answers HTTP 500 with an error, as a
 * degraded Upstash would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, ErrorReply, MultiErrorReply, RESP_TYPES } from "redis";

export interface UpstashBridge {
  /** `http://127.0.0.1:<port>` — what UPSTASH_REDIS_REST_URL would hold. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Number of HTTP requests answered so far (any path). */
  readonly requestCount: number;
  close(): Promise<void>;
}

export interface UpstashBridgeOptions {
  redisUrl: string;
  token?: string;
  /** A fixed port (e.g. to restart the bridge where a client still points). */
  port?: number;
  /** Wait for Redis before listening (default true); false starts even while Redis is down. */
  waitForRedis?: boolean;
}

type Json = null | number | string | Json[];
type Reply = null | number | string | Buffer | Reply[];
type Entry = { result?: Reply; error?: string };

const rawTypes = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

function toJson(reply: Reply, base64: boolean, topLevel: boolean): Json {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => toJson(item, base64, false));
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  // A status reply. The client keeps a top-level "OK" verbatim and base64-decodes the rest.
  if (!base64 || (topLevel && reply === "OK")) return reply;
  return Buffer.from(reply, "utf8").toString("base64");
}

function isCommand(value: unknown): value is (string | number | boolean)[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((part) => typeof part === "string" || typeof part === "number" || typeof part === "boolean")
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  const token = options.token ?? "bridge-test-token";
  const redis = createClient({
    url: options.redisUrl,
    RESP: 2,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1_000, reconnectStrategy: () => 50 },
  });
  // Connection errors surface on the commands that fail; the event only needs a listener.
  redis.on("error", () => {});
  const connecting = redis.connect();
  if (options.waitForRedis === false) connecting.catch(() => {});
  else await connecting;
  const raw = redis.withTypeMapping(rawTypes);

  const run = (command: (string | number | boolean)[]) =>
    raw.sendCommand(command.map(String), { typeMapping: rawTypes }) as Promise<Reply>;

  async function runMulti(commands: (string | number | boolean)[][]): Promise<Entry[]> {
    const multi = raw.multi();
    for (const command of commands) multi.addCommand(command.map(String));
    try {
      const replies = (await multi.exec()) as unknown as Reply[];
      return replies.map((result) => ({ result }));
    } catch (error) {
      if (error instanceof MultiErrorReply) {
        return (error.replies as unknown as (Reply | ErrorReply)[]).map((reply) =>
          reply instanceof ErrorReply ? { error: reply.message } : { result: reply },
        );
      }
      throw error;
    }
  }

  let requestCount = 0;

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${token}`) {
      send(401, { error: "Unauthorized" });
      return;
    }
    if (request.method !== "POST") {
      send(405, { error: "Method not allowed" });
      return;
    }
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      send(400, { error: "ERR failed to parse command" });
      return;
    }
    const path = (request.url ?? "/").split("?")[0];

    if (path === "/" || path === "") {
      if (!isCommand(body)) {
        send(400, { error: "ERR failed to parse command" });
        return;
      }
      try {
        send(200, { result: toJson(await run(body), base64, true) });
      } catch (error) {
        send(error instanceof ErrorReply ? 400 : 500, { error: errorText(error) });
      }
      return;
    }

    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) {
        send(400, { error: "ERR failed to parse pipeline" });
        return;
      }
      const commands = body as (string | number | boolean)[][];
      try {
        const entries: Entry[] =
          path === "/multi-exec"
            ? await runMulti(commands)
            : await Promise.all(
                commands.map((command) =>
                  run(command).then(
                    (result): Entry => ({ result }),
                    (error: unknown): Entry => {
                      if (error instanceof ErrorReply) return { error: error.message };
                      throw error;
                    },
                  ),
                ),
              );
        send(
          200,
          entries.map((entry) =>
            entry.error === undefined ? { result: toJson(entry.result ?? null, base64, true) } : { error: entry.error },
          ),
        );
      } catch (error) {
        send(500, { error: errorText(error) });
      }
      return;
    }

    send(404, { error: "Not found" });
  }

  const server = createServer((request, response) => {
    requestCount++;
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ error: errorText(error) }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    get requestCount() {
      return requestCount;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.destroy();
    },
  };
}
