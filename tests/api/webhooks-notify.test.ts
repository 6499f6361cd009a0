/**
 * The per-secret `notify` of POST /api/secrets (issue 14 §2) through the real server:
 * accepted only with a credential (or ALLOW_SECRET_WEBHOOKS=1) and a WEBHOOK_NOTIFY_SECRET,
 * refused with 400 invalid_request and a message that says why (never repeating the URL),
 * and the URL never in an answer, a log line or a Redis value.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, makeSecret } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const TOKEN = `blt_Nt1fyAbc_${randomBytes(32).toString("base64url")}`;
const NOTIFY_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const HOOK_URL = `https://hooks.example/notify/${randomBytes(8).toString("hex")}`;
const auth = { authorization: `Bearer ${TOKEN}` };

let redis: RedisServer;
let withNotify: NextServer;
let withoutNotify: NextServer;
let openToAll: NextServer;

beforeAll(async () => {
  redis = await startRedisServer();
  const tokens = `ci:secrets:create:${sha256(TOKEN)}`;
  [withNotify, withoutNotify, openToAll] = await Promise.all([
    startNextServer({ env: { REDIS_URL: redis.url, KEY_PREFIX: "notify-a", API_TOKENS: tokens, WEBHOOK_NOTIFY_SECRET: NOTIFY_SECRET } }),
    startNextServer({ env: { API_TOKENS: tokens } }),
    startNextServer({ env: { WEBHOOK_NOTIFY_SECRET: NOTIFY_SECRET, ALLOW_SECRET_WEBHOOKS: "1", ALLOW_HTTP_WEBHOOKS: "1" } }),
  ]);
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([withNotify?.stop(), withoutNotify?.stop(), openToAll?.stop()]);
  await redis?.stop();
});

async function create(server: NextServer, notify: unknown, headers: Record<string, string> = auth) {
  const { request } = await makeSecret();
  return { request, answer: await call(server.url, "POST", "/api/secrets", { json: { ...request, notify }, headers }) };
}

describe("POST /api/secrets with notify", () => {
  it("accepts notify from a token holder, answers as always and never echoes or stores the URL in clear", async () => {
    const { request, answer } = await create(withNotify, { url: HOOK_URL, events: ["secret.viewed", "secret.burned"], includeId: true });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: request.id, expiresAt: expect.any(String), maxViews: 1 });
    const all = await create(withNotify, { url: HOOK_URL, events: ["*"] });
    expect(all.answer.status).toBe(201);
    const inspector = createClient({ url: redis.url, RESP: 2 });
    await inspector.connect();
    try {
      const dump: string[] = [];
      for (const key of await inspector.keys("notify-a*")) {
        const type = await inspector.type(key);
        dump.push(key, type === "hash" ? JSON.stringify(await inspector.hGetAll(key)) : type === "string" ? ((await inspector.get(key)) ?? "") : type);
      }
      expect(dump.join("\n")).not.toContain("hooks.example");
    } finally {
      await inspector.close();
    }
    expect(withNotify.output()).not.toContain("hooks.example");
  });

  it("refuses notify from an anonymous creator with 400 invalid_request, and stores nothing", async () => {
    const { request, answer } = await create(withNotify, { url: HOOK_URL, events: ["*"] }, {});
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "invalid_request",
      message: "notify needs an API token or a signed-in session: this server sends per-secret webhooks only for identified creators",
    });
    // Nothing was stored: the same id is still free.
    expect((await call(withNotify.url, "POST", "/api/secrets", { json: request })).status).toBe(201);
  });

  it("refuses a bad notify naming the field, never the URL", async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: HOOK_URL.replace("https:", "http:"), events: ["*"] }, /notify\.url must be an https:\/\/ URL/],
      [{ url: HOOK_URL.replace("https://", "https://user:pw@"), events: ["*"] }, /notify\.url must not hold user:password@/],
      [{ url: "hooks.example/relative", events: ["*"] }, /notify\.url/],
      [{ url: HOOK_URL, events: ["request.created"] }, /notify\.events/],
      [{ url: HOOK_URL, events: [] }, /notify\.events/],
      [{ url: HOOK_URL, events: ["*"], includeId: "yes" }, /notify\.includeId/],
      [{ url: HOOK_URL, events: ["*"], secret: NOTIFY_SECRET }, /unknown member "secret"/],
    ];
    for (const [notify, message] of cases) {
      const { answer } = await create(withNotify, notify);
      expect(answer.status).toBe(400);
      const body = answer.body as { error: string; message: string };
      expect(body.error).toBe("invalid_request");
      expect(body.message).toMatch(message);
      expect(body.message).not.toContain("hooks.example");
      expect(body.message).not.toContain(NOTIFY_SECRET.slice(6));
    }
  });

  it("says so when the server sends no per-secret webhooks (no WEBHOOK_NOTIFY_SECRET)", async () => {
    const { answer } = await create(withoutNotify, { url: HOOK_URL, events: ["*"] });
    expect(answer.status).toBe(400);
    expect((answer.body as { message: string }).message).toMatch(/WEBHOOK_NOTIFY_SECRET is not set/);
  });

  it("takes notify from anyone with ALLOW_SECRET_WEBHOOKS=1, and http:// with ALLOW_HTTP_WEBHOOKS=1", async () => {
    const { answer } = await create(openToAll, { url: "http://hooks.example/dev", events: ["secret.viewed"] }, {});
    expect(answer.status).toBe(201);
  });

  it("documents notify in the OpenAPI document", async () => {
    const answer = await call(withNotify.url, "GET", "/api/openapi.json");
    const schema = JSON.stringify((answer.body as { components: { schemas: Record<string, unknown> } }).components.schemas.CreateSecretRequest);
    expect(schema).toContain("notify");
    expect(schema).toContain("secret.wrong_passphrase");
  });
});
