import { describe, expect, it } from "vitest";
import { ConfigError, parseServerConfig } from "@/lib/server/config";

describe("parseServerConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    expect(parseServerConfig({})).toEqual({
      storeKind: "memory",
      maxTtlSeconds: 604800,
      minTtlSeconds: 60,
      maxViews: 10,
      maxSecretBytes: 1048576,
      maxCiphertextBytes: 1048576 + 40,
      passphraseAttempts: 5,
      metaRetentionSeconds: 604800,
      auditIp: "masked",
      trustProxy: 0,
      keyPrefix: "burnlink",
      maxAllowedIps: 20,
      peerHeaderTrusted: false,
      rateLimits: { createPerMinute: 30, readPerMinute: 120, managePerMinute: 60, wrongPassphrasePerHour: 20 },
      idTombstoneSeconds: 90 * 24 * 3600,
      revealGraceSeconds: 120,
      redisWaitReplicas: 0,
      redisWaitTimeoutMs: 500,
    });
  });

  it("treats empty variables as unset, as .env files write them", () => {
    expect(parseServerConfig({ MAX_VIEWS: "", REDIS_URL: "", TRUST_PROXY: "" }).maxViews).toBe(10);
  });

  it("reads every setting", () => {
    const config = parseServerConfig({
      REDIS_URL: "redis://localhost:6380",
      MAX_TTL_SECONDS: "3600",
      MIN_TTL_SECONDS: "1",
      MAX_VIEWS: "3",
      MAX_SECRET_BYTES: "4096",
      PASSPHRASE_ATTEMPTS: "2",
      META_RETENTION_SECONDS: "0",
      AUDIT_IP: "full",
      TRUST_PROXY: "2",
      KEY_PREFIX: "bl-test",
      MAX_ALLOWED_IPS: "3",
      BURNLINK_CUSTOM_SERVER: "1",
      RATE_LIMIT_CREATE_PER_MINUTE: "0",
      RATE_LIMIT_READ_PER_MINUTE: "5",
      RATE_LIMIT_MANAGE_PER_MINUTE: "6",
      RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "7",
      ID_TOMBSTONE_SECONDS: "0",
      REVEAL_GRACE_SECONDS: "0",
      REDIS_WAIT_REPLICAS: "1",
      REDIS_WAIT_TIMEOUT_MS: "250",
    });
    expect(config).toEqual({
      storeKind: "redis",
      maxTtlSeconds: 3600,
      minTtlSeconds: 1,
      maxViews: 3,
      maxSecretBytes: 4096,
      maxCiphertextBytes: 4136,
      passphraseAttempts: 2,
      metaRetentionSeconds: 0,
      auditIp: "full",
      trustProxy: 2,
      keyPrefix: "bl-test",
      maxAllowedIps: 3,
      peerHeaderTrusted: true,
      rateLimits: { createPerMinute: 0, readPerMinute: 5, managePerMinute: 6, wrongPassphrasePerHour: 7 },
      idTombstoneSeconds: 0,
      revealGraceSeconds: 0,
      redisWaitReplicas: 1,
      redisWaitTimeoutMs: 250,
    });
    expect(parseServerConfig({ TRUST_PROXY: "vercel" }).trustProxy).toBe("vercel");
  });

  it("refuses REDIS_WAIT_REPLICAS without a Redis to WAIT on (Upstash, memory)", () => {
    expect(() => parseServerConfig({ REDIS_WAIT_REPLICAS: "1" })).toThrow(/REDIS_WAIT_REPLICAS needs REDIS_URL or REDIS_CLUSTER_NODES/);
    expect(() =>
      parseServerConfig({ REDIS_WAIT_REPLICAS: "1", UPSTASH_REDIS_REST_URL: "https://x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t" }),
    ).toThrow(/REDIS_WAIT_REPLICAS/);
    expect(parseServerConfig({ REDIS_WAIT_REPLICAS: "2", REDIS_CLUSTER_NODES: "10.0.0.1:6379" }).redisWaitReplicas).toBe(2);
  });

  it("trusts Vercel's edge by default on Vercel, unless TRUST_PROXY says otherwise", () => {
    expect(parseServerConfig({ VERCEL: "1" }).trustProxy).toBe("vercel");
    expect(parseServerConfig({ VERCEL: "1", TRUST_PROXY: "0" }).trustProxy).toBe(0);
  });

  it.each([
    [{ UPSTASH_REDIS_REST_URL: "https://x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t", REDIS_URL: "redis://h" }, "upstash"],
    [{ KV_REST_API_URL: "https://x.upstash.io", KV_REST_API_TOKEN: "t" }, "upstash"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1:6379,10.0.0.2:6379", REDIS_URL: "redis://h" }, "redis-cluster"],
    [{ REDIS_URL: "rediss://user:pw@h:6380/0" }, "redis"],
    [{}, "memory"],
  ] as const)("chooses the store with getStore's precedence: %j → %s", (env, kind) => {
    expect(parseServerConfig(env).storeKind).toBe(kind);
  });

  it.each([
    [{ MAX_TTL_SECONDS: "abc" }, "MAX_TTL_SECONDS must be a whole number of seconds (digits only)"],
    [{ MAX_TTL_SECONDS: "1e6" }, "MAX_TTL_SECONDS must be a whole number of seconds (digits only)"],
    [{ MIN_TTL_SECONDS: "0" }, "MIN_TTL_SECONDS must be between 1 and 31536000 seconds"],
    [{ MIN_TTL_SECONDS: "7200", MAX_TTL_SECONDS: "3600" }, "MIN_TTL_SECONDS must not exceed MAX_TTL_SECONDS"],
    [{ MAX_VIEWS: "-1" }, "MAX_VIEWS must be a whole number of views (digits only)"],
    [{ MAX_SECRET_BYTES: "1000" }, "MAX_SECRET_BYTES must be between 1024 and 67108864 bytes"],
    [{ PASSPHRASE_ATTEMPTS: "0" }, "PASSPHRASE_ATTEMPTS must be between 1 and 100 attempts"],
    [{ AUDIT_IP: "partial" }, "AUDIT_IP must be masked, full or none"],
    [
      { TRUST_PROXY: "yes" },
      "TRUST_PROXY must be a whole number of trusted proxies (0 when clients connect directly) or vercel",
    ],
    [{ KEY_PREFIX: "a:b" }, "KEY_PREFIX must be 1 to 64 of A-Z a-z 0-9 _ . -"],
    [{ MAX_ALLOWED_IPS: "0" }, "MAX_ALLOWED_IPS must be between 1 and 1000 entries"],
    [{ REDIS_URL: "http://h" }, "REDIS_URL must be a redis:// or rediss:// URL"],
    [{ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" }, "UPSTASH_REDIS_REST_TOKEN is required when UPSTASH_REDIS_REST_URL is set"],
    [{ KV_REST_API_TOKEN: "t" }, "KV_REST_API_URL is required when KV_REST_API_TOKEN is set"],
    [{ REDIS_CLUSTER_NODES: "a b" }, "REDIS_CLUSTER_NODES must be a comma-separated list of host:port or redis:// URLs"],
  ])("fails fast on %j, naming the variable", (env, problem) => {
    expect(() => parseServerConfig(env)).toThrow(new ConfigError(`burnlink: invalid configuration: ${problem}`));
  });

  it("names every bad variable at once and never repeats a URL that may hold a password", () => {
    let message = "";
    try {
      parseServerConfig({ REDIS_URL: "mysql://root:hunter2@db", MAX_VIEWS: "x" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("REDIS_URL");
    expect(message).toContain("MAX_VIEWS");
    expect(message).not.toContain("hunter2");
  });

  it("refuses a rate limit that is not a whole number, naming the variable", () => {
    expect(() => parseServerConfig({ RATE_LIMIT_READ_PER_MINUTE: "-1" })).toThrow(/RATE_LIMIT_READ_PER_MINUTE/);
    expect(() => parseServerConfig({ RATE_LIMIT_CREATE_PER_MINUTE: "ten" })).toThrow(/RATE_LIMIT_CREATE_PER_MINUTE/);
    expect(() => parseServerConfig({ RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "1.5" })).toThrow(/RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR/);
  });
});
