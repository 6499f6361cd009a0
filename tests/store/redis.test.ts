import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import { createRedisStore } from "@/lib/store/redis-store";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { describeAuthStoreContract } from "./auth-contract";
import { describeOwnerIndexContract } from "./owner-contract";
import { describeStoreContract, type StoredData } from "./contract";
import { describeWebhookQueueContract } from "./webhook-queue-contract";
import { describeEventContract } from "./event-contract";
import { describeRequestStoreContract } from "./request-contract";
import { describeOutages } from "./outage";
import { describeNoCommandTimeouts } from "./command-timeouts";

const keyPrefix = "burnlink-test";
let server: RedisServer;
let inspector: ReturnType<typeof createClient>;

beforeAll(async () => {
  server = await startRedisServer();
  inspector = createClient({ url: server.url, RESP: 2 });
  await inspector.connect();
});

afterAll(async () => {
  await inspector?.close();
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

describeOwnerIndexContract("redis", { keyPrefix, makeStore: () => createRedisStore({ url: server.url, keyPrefix }), sharedBackend: true, stored });

describeStoreContract("redis", {
  keyPrefix,
  makeStore: () => createRedisStore({ url: server.url, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeRequestStoreContract("redis", {
  keyPrefix,
  makeStore: () => createRedisStore({ url: server.url, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeEventContract("redis", {
  keyPrefix,
  makeStore: () => createRedisStore({ url: server.url, keyPrefix }),
  sharedBackend: true,
  stored,
});

describeWebhookQueueContract("redis", {
  keyPrefix,
  makeStore: () => createRedisStore({ url: server.url, keyPrefix }),
  sharedBackend: true,
  stored,
});
describeAuthStoreContract("redis", { makeStore: () => createRedisStore({ url: server.url, keyPrefix }), stored });

describeOutages("redis", async (redisUrl) => {
  const store = createRedisStore({ url: redisUrl, keyPrefix });
  return { store, close: () => store.close() };
});

describeNoCommandTimeouts("redis", () => createRedisStore({ url: server.url, keyPrefix }));
