import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpstashStore } from "@/lib/store/upstash-store";
import { PoolRequester, RawReplyRedis } from "@/lib/store/upstash-requester";
import { StoreUnavailableError } from "@/lib/store/types";
import { freePort } from "../support/free-port";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { describeAuthStoreContract } from "./auth-contract";
import { describeOwnerIndexContract } from "./owner-contract";
import { describeStoreContract, type StoredData } from "./contract";
import { describeWebhookQueueContract } from "./webhook-queue-contract";
import { describeEventContract } from "./event-contract";
import { describeRequestStoreContract } from "./request-contract";
import { makeSecret, waitFor } from "./helpers";
import { describeOutages } from "./outage";

const keyPrefix = "burnlink-test";
let server: RedisServer;
let bridge: UpstashBridge;
let inspector: ReturnType<typeof createClient>;

beforeAll(async () => {
  server = await startRedisServer();
  bridge = await startUpstashBridge({ redisUrl: server.url });
  inspector = createClient({ url: server.url, RESP: 2 });
  await inspector.connect();
});

afterAll(async () => {
  await inspector?.close();
  await bridge?.close();
  await server?.stop();
});

function stored(): StoredData {
  return {
    keys: (pattern) => inspector.keys(pattern),
    async values(key) {
      const type = await inspector.type(key);
      if (type === "string") return [(await inspector.get(key)) ?? ""];
      if (type === "hash") return Object.entries(await inspector.hGetAll(key)).flat();
      if (type === "list") return inspector.lRange(key, 0, -1);
      throw new Error(`unexpected ${type} at ${key}`);
    },
    pttl: (key) => inspector.pTTL(key),
  };
}

describeOwnerIndexContract("upstash", {
  keyPrefix,
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  sharedBackend: true,
  stored,
});

describeStoreContract("upstash", {
  keyPrefix,
  // The contract is about semantics; 200 concurrent HTTP requests on a busy 2-core CI box
  // may take longer than the 1.5 s default, which the outage tests below prove on its own.
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  sharedBackend: true,
  stored,
});

describeRequestStoreContract("upstash", {
  keyPrefix,
  // The contract is about semantics; 200 concurrent HTTP requests on a busy 2-core CI box
  // may take longer than the 1.5 s default, which the outage tests below prove on its own.
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  sharedBackend: true,
  stored,
});

describeEventContract("upstash", {
  keyPrefix,
  // The contract is about semantics; 200 concurrent HTTP requests on a busy 2-core CI box
  // may take longer than the 1.5 s default, which the outage tests below prove on its own.
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  sharedBackend: true,
  stored,
});

describeWebhookQueueContract("upstash", {
  keyPrefix,
  // The contract is about semantics; 200 concurrent HTTP requests on a busy 2-core CI box
  // may take longer than the 1.5 s default, which the outage tests below prove on its own.
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  sharedBackend: true,
  stored,
});

describeAuthStoreContract("upstash", {
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  stored,
});

// The client's own fetch transport is kept (the bench compares it with the pool): it must
// keep the same semantics and outage rules.
describeStoreContract("upstash (fetch transport)", {
  keyPrefix,
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000, transport: "fetch" }),
  sharedBackend: true,
  stored,
});

describeOutages("upstash (fetch transport)", async (redisUrl) => {
  const ownBridge = await startUpstashBridge({ redisUrl, waitForRedis: false });
  const store = createUpstashStore({ url: ownBridge.url, token: ownBridge.token, keyPrefix, transport: "fetch" });
  return {
    store,
    async close() {
      await store.close();
      await ownBridge.close();
    },
  };
});

describeOutages("upstash", async (redisUrl) => {
  const ownBridge = await startUpstashBridge({ redisUrl, waitForRedis: false });
  const store = createUpstashStore({ url: ownBridge.url, token: ownBridge.token, keyPrefix });
  return {
    store,
    async close() {
      await store.close();
      await ownBridge.close();
    },
  };
});

describe("upstash store over HTTP", () => {
  it("answers StoreUnavailableError for a wrong token, without the command's arguments in the message", async () => {
    const store = createUpstashStore({ url: bridge.url, token: "not-the-token", keyPrefix });
    const secret = makeSecret();
    const error = await store.create(secret.input).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const message = (error as Error).message;
    expect(message).toMatch(/Unauthorized/);
    for (const argument of [secret.ciphertext, secret.input.accessVerifier, secret.input.unlockVerifier, secret.input.id]) {
      expect(message).not.toContain(argument);
    }
    expect((error as Error).cause).toBeUndefined();
  });

  it("answers StoreUnavailableError while Upstash is unreachable and works once it is back", async () => {
    const port = await freePort();
    const store = createUpstashStore({ url: `http://127.0.0.1:${port}`, token: bridge.token, keyPrefix });
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.create(makeSecret().input)).rejects.toThrow(/unreachable/);
    const late = await startUpstashBridge({ redisUrl: server.url, port });
    try {
      await waitFor(() => store.ping().then(() => true, () => undefined), "the bridge to answer");
      expect(await store.create(makeSecret().input)).toMatchObject({ kind: "created" });
    } finally {
      await late.close();
    }
  });
});

describe("the Upstash bridge used by these tests", () => {
  it("answers the real @upstash/redis client like Upstash: base64 strings, verbatim OK, numbers and nulls", async () => {
    const redis = new Redis({ url: bridge.url, token: bridge.token, automaticDeserialization: false, enableTelemetry: false });
    expect(await redis.set("bridge:text", "grüße ✓")).toBe("OK");
    expect(await redis.get("bridge:text")).toBe("grüße ✓");
    expect(await redis.get("bridge:none")).toBeNull();
    expect(await redis.incr("bridge:n")).toBe(1);
    expect(await redis.ping()).toBe("PONG");
    expect(await redis.eval("return {'OK', 7, ARGV[1], false, {'x'}}", [], ["ü"])).toEqual(["OK", 7, "ü", null, ["x"]]);
    const pipeline = redis.pipeline();
    pipeline.set("bridge:p", "1");
    pipeline.incr("bridge:p");
    pipeline.get("bridge:p");
    expect(await pipeline.exec()).toEqual(["OK", 2, "2"]);
    const multi = redis.multi();
    multi.set("bridge:m", "5");
    multi.incrby("bridge:m", 2);
    expect(await multi.exec()).toEqual(["OK", 7]);
    await expect(redis.eval("return redis.call('INCR', KEYS[1])", ["bridge:text"], [])).rejects.toThrow(/not an integer/);
  });

  it("refuses a request without the right bearer token with HTTP 401", async () => {
    const response = await fetch(bridge.url, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Unauthorized" });
  });
});

/** A real HTTP receiver that records what it got and answers as `answer` decides (or never). */
async function receiver(answer: (request: IncomingMessage, response: import("node:http").ServerResponse) => void) {
  const seen: { url: string; authorization: string | undefined; encoding: string | undefined; syncToken: string | undefined; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      seen.push({
        url: request.url ?? "",
        authorization: request.headers.authorization,
        encoding: request.headers["upstash-encoding"] as string | undefined,
        syncToken: request.headers["upstash-sync-token"] as string | undefined,
        body,
      });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function rejectionOf(operation: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const error = await operation.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { error, elapsedMs: Date.now() - started };
}

describe("the undici Pool requester (issue 15 item 4)", () => {
  it("keeps script replies raw through new Redis(requester): no JSON guessing at '[1]', 'true' or '007'", async () => {
    const requester = new PoolRequester({ url: bridge.url, token: bridge.token, signal: () => AbortSignal.timeout(5_000) });
    try {
      const redis = new RawReplyRedis(requester);
      expect(await redis.eval("return {'ok', '[1]', 'true', '007', 7, ARGV[1]}", [], ["grüße ✓"])).toEqual(["ok", "[1]", "true", "007", 7, "grüße ✓"]);
      await expect(redis.eval("return redis.call('INCR', KEYS[1])", ["pool:text"], [])).resolves.toBe(1);
    } finally {
      await requester.close();
    }
  });

  it("sends the bearer token and plain JSON to the URL's path, and an error answer carries no command", async () => {
    const http = await receiver((_request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "ERR something refused" }));
    });
    try {
      const store = createUpstashStore({ url: `${http.url}/base/`, token: "the-token", keyPrefix });
      const secret = makeSecret();
      const error = await store.create(secret.input).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toBe("Upstash refused the operation: ERR something refused");
      expect(http.seen).toHaveLength(1);
      expect(http.seen[0]).toMatchObject({ url: "/base/", authorization: "Bearer the-token", encoding: undefined });
      expect(JSON.parse(http.seen[0]?.body ?? "")[0]).toBe("evalsha");
      await store.close();
    } finally {
      await http.close();
    }
  });

  it("sends back the upstash-sync-token of the last answer (read-your-writes, as the fetch transport)", async () => {
    let answered = 0;
    const http = await receiver((_request, response) => {
      answered++;
      response.writeHead(200, { "content-type": "application/json", "upstash-sync-token": `token-${answered}` });
      response.end(JSON.stringify({ result: "PONG" }));
    });
    try {
      const store = createUpstashStore({ url: http.url, token: "t", keyPrefix });
      await store.ping();
      await store.ping();
      expect(http.seen.map((entry) => entry.syncToken)).toEqual(["", "token-1"]);
      await store.close();
    } finally {
      await http.close();
    }
  });

  it("aborts an answer that stalls after its headers at the operation's deadline, and sends it once", async () => {
    const http = await receiver((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"result":');
    });
    try {
      const store = createUpstashStore({ url: http.url, token: "t", keyPrefix, commandTimeoutMs: 300 });
      const { error, elapsedMs } = await rejectionOf(store.create(makeSecret().input));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/did not answer within 300 ms/);
      expect(elapsedMs).toBeGreaterThanOrEqual(290);
      expect(elapsedMs).toBeLessThan(2_000);
      expect(http.seen).toHaveLength(1);
      await store.close();
    } finally {
      await http.close();
    }
  });

  it("never retries a request whose connection dropped before the answer (a script must not run twice)", async () => {
    const http = await receiver((request) => request.socket.destroy());
    try {
      const store = createUpstashStore({ url: http.url, token: "t", keyPrefix });
      const { error } = await rejectionOf(store.create(makeSecret().input));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/unreachable/);
      expect(http.seen).toHaveLength(1);
      await store.close();
    } finally {
      await http.close();
    }
  });

  it("answers 'not JSON' for a body that is not JSON, without quoting it", async () => {
    const http = await receiver((_request, response) => {
      response.writeHead(502, { "content-type": "text/html" });
      response.end("<html>bad gateway</html>");
    });
    try {
      const store = createUpstashStore({ url: http.url, token: "t", keyPrefix });
      const { error } = await rejectionOf(store.ping());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toBe("Upstash gave an answer that is not JSON");
      await store.close();
    } finally {
      await http.close();
    }
  });
});
