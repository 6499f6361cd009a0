import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpstashStore } from "@/lib/store/upstash-store";
import { StoreUnavailableError } from "@/lib/store/types";
import { freePort } from "../support/free-port";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { describeAuthStoreContract } from "./auth-contract";
import { describeStoreContract, type StoredData } from "./contract";
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

describeAuthStoreContract("upstash", {
  makeStore: () => createUpstashStore({ url: bridge.url, token: bridge.token, keyPrefix, commandTimeoutMs: 10_000 }),
  stored,
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
