import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
      guidelinesText: null,
      maxRequestResponses: 10,
      maxLabelBytes: 4096,
      collectWindowSeconds: 604800,
      revealGraceSeconds: 120,
      storeTimeoutMs: 1500,
      metricsHost: "127.0.0.1",
      shutdownDelaySeconds: 5,
      rateLimits: {
        createPerMinute: 30,
        readPerMinute: 120,
        managePerMinute: 60,
        wrongPassphrasePerHour: 20,
        networkMultiplier: 8,
        createBytesPerMinute: 64 * 1024 * 1024,
        tokenCreatePerMinute: 120,
      },
      idTombstoneSeconds: 90 * 24 * 3600,
      redisWaitReplicas: 0,
      redisWaitTimeoutMs: 500,
      auditLog: true,
      expirySweepSeconds: 30,
      eventPollMs: 500,
      auth: {
        createPolicy: "open",
        bootstrapTokens: [],
        sessionMaxAgeSeconds: 28800,
        allowedDomains: [],
        allowedTenants: [],
        allowedHd: [],
        requiredGroups: [],
        showSender: false,
      },
      webhooks: { endpoints: [], allowHttp: false, allowPrivate: false, allowSecretWebhooks: false, notifySecrets: [] },
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
      STORE_TIMEOUT_MS: "4000",
      RATE_LIMIT_CREATE_PER_MINUTE: "0",
      RATE_LIMIT_READ_PER_MINUTE: "5",
      RATE_LIMIT_MANAGE_PER_MINUTE: "6",
      RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "7",
      GUIDELINES_TEXT: "Share only with <b>named</b> people.",
      RATE_LIMIT_NETWORK_MULTIPLIER: "0",
      RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "1000",
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
      // An environment variable can no longer make the peer header trusted (issue 10 item 7).
      peerHeaderTrusted: false,
      guidelinesText: "Share only with <b>named</b> people.",
      maxRequestResponses: 10,
      maxLabelBytes: 4096,
      collectWindowSeconds: 604800,
      revealGraceSeconds: 0,
      storeTimeoutMs: 4000,
      metricsHost: "127.0.0.1",
      shutdownDelaySeconds: 5,
      rateLimits: {
        createPerMinute: 0,
        readPerMinute: 5,
        managePerMinute: 6,
        wrongPassphrasePerHour: 7,
        networkMultiplier: 0,
        createBytesPerMinute: 1000,
        tokenCreatePerMinute: 120,
      },
      idTombstoneSeconds: 0,
      redisWaitReplicas: 1,
      redisWaitTimeoutMs: 250,
      auditLog: true,
      expirySweepSeconds: 30,
      eventPollMs: 500,
      auth: expect.objectContaining({ createPolicy: "open" }),
      webhooks: expect.objectContaining({ endpoints: [] }),
    });
    expect(parseServerConfig({ TRUST_PROXY: "vercel" }).trustProxy).toBe("vercel");
  });

  it("reads the request settings of PROTOCOL.md §7 and refuses a label limit below one padded envelope", () => {
    expect(
      parseServerConfig({
        MAX_REQUEST_RESPONSES: "3",
        MAX_LABEL_BYTES: "1064",
        COLLECT_WINDOW_SECONDS: "0",
        REVEAL_GRACE_SECONDS: "0",
      }),
    ).toMatchObject({ maxRequestResponses: 3, maxLabelBytes: 1064, collectWindowSeconds: 0, revealGraceSeconds: 0 });
    expect(() => parseServerConfig({ MAX_LABEL_BYTES: "1063" })).toThrow(/MAX_LABEL_BYTES must be between 1064/);
    expect(() => parseServerConfig({ MAX_REQUEST_RESPONSES: "0" })).toThrow(/MAX_REQUEST_RESPONSES/);
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
    [{ UPSTASH_TRANSPORT: "http2" }, "UPSTASH_TRANSPORT must be pool or fetch"],
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
    [
      { REDIS_CLUSTER_NODES: "rediss://10.0.0.1:6380,10.0.0.2:6379" },
      "REDIS_CLUSTER_NODES must not mix rediss:// (TLS) seeds with redis:// or host:port ones: use rediss:// for every node, or for none",
    ],
    [{ STORE_TIMEOUT_MS: "10" }, "STORE_TIMEOUT_MS must be between 50 and 60000 milliseconds"],
    [{ STORE_TIMEOUT_MS: "1.5s" }, "STORE_TIMEOUT_MS must be a whole number of milliseconds (digits only)"],
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

  describe("who may create (PROTOCOL.md §8)", () => {
    const hash = "a".repeat(64);
    const oidc = {
      OIDC_ISSUER: "https://idp.example.com",
      OIDC_CLIENT_ID: "burnlink",
      OIDC_CLIENT_SECRET: "client-secret",
      AUTH_SECRET: "x".repeat(32),
      PUBLIC_URL: "https://burnlink.example.com/",
    };

    it("reads every auth setting", () => {
      const { auth, rateLimits } = parseServerConfig({
        ...oidc,
        CREATE_POLICY: "sso+token",
        API_TOKENS: `ci:secrets:create+requests:create:${hash}, ops:admin:${"b".repeat(64)}`,
        ADMIN_TOKEN_SHA256: "c".repeat(64),
        OIDC_SCOPES: "openid email",
        SESSION_MAX_AGE_SECONDS: "3600",
        OIDC_ALLOWED_DOMAINS: "Example.com, example.org",
        OIDC_ALLOWED_TENANTS: "tid-1",
        OIDC_ALLOWED_HD: "example.com",
        OIDC_REQUIRED_GROUPS: "eng,ops",
        SHOW_SENDER: "1",
        RATE_LIMIT_TOKEN_CREATE_PER_MINUTE: "9",
      });
      expect(rateLimits.tokenCreatePerMinute).toBe(9);
      expect(auth).toEqual({
        createPolicy: "sso+token",
        bootstrapTokens: [
          { name: "ci", scopes: ["secrets:create", "requests:create"], hashHex: hash },
          { name: "ops", scopes: ["admin"], hashHex: "b".repeat(64) },
        ],
        adminTokenSha256: "c".repeat(64),
        oidc: { issuer: "https://idp.example.com", clientId: "burnlink", clientSecret: "client-secret", scopes: "openid email" },
        authSecret: "x".repeat(32),
        publicOrigin: "https://burnlink.example.com",
        sessionMaxAgeSeconds: 3600,
        allowedDomains: ["example.com", "example.org"],
        allowedTenants: ["tid-1"],
        allowedHd: ["example.com"],
        requiredGroups: ["eng", "ops"],
        showSender: true,
      });
    });

    it("stops start-up under sso without a complete OIDC configuration, naming what is missing", () => {
      expect(() => parseServerConfig({ CREATE_POLICY: "sso" })).toThrow(
        "CREATE_POLICY=sso needs OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, AUTH_SECRET, PUBLIC_URL",
      );
      expect(() => parseServerConfig({ ...oidc, CREATE_POLICY: "sso+token", OIDC_CLIENT_SECRET: "" })).toThrow(
        "CREATE_POLICY=sso+token needs OIDC_CLIENT_SECRET",
      );
    });

    it("refuses an AUTH_SECRET under 32 bytes without repeating it, and reads AUTH_SECRET_FILE", () => {
      const short = () => parseServerConfig({ ...oidc, AUTH_SECRET: "short-secret-value" });
      expect(short).toThrow("AUTH_SECRET must be at least 32 bytes");
      expect(short).not.toThrow(/short-secret-value/);
      const file = path.join(mkdtempSync(path.join(tmpdir(), "burnlink-")), "auth-secret");
      writeFileSync(file, `${"s".repeat(40)}\n`);
      expect(parseServerConfig({ ...oidc, AUTH_SECRET: undefined, AUTH_SECRET_FILE: file }).auth.authSecret).toBe("s".repeat(40));
      expect(() => parseServerConfig({ ...oidc, AUTH_SECRET: undefined, AUTH_SECRET_FILE: `${file}.missing` })).toThrow(
        "AUTH_SECRET_FILE names a file that cannot be read",
      );
    });

    it("names a bad API_TOKENS entry by its position, never by its content", () => {
      const cases: [string, string][] = [
        [`ci:${hash}`, "entry 1 must be name:scopes:sha256hex"],
        [`ci:secrets:create:${hash},bad name:admin:${hash}`, "entry 2 has a name that is not 1 to 64 of A-Z a-z 0-9 . _ -"],
        [`ci:everything:${hash}`, "entry 1 has a scope other than secrets:create, requests:create or admin (join several with +)"],
        [`ci:admin:${hash.toUpperCase()}`, "entry 1 must end in the lowercase hex SHA-256 of the token (64 characters)"],
      ];
      for (const [value, message] of cases) {
        expect(() => parseServerConfig({ API_TOKENS: value })).toThrow(`API_TOKENS ${message}`);
      }
    });

    it("refuses an unknown CREATE_POLICY and SHOW_SENDER, naming the variable", () => {
      expect(() => parseServerConfig({ CREATE_POLICY: "closed" })).toThrow("CREATE_POLICY must be open, token, sso or sso+token");
      expect(() => parseServerConfig({ SHOW_SENDER: "yes" })).toThrow("SHOW_SENDER must be 0 or 1");
    });
  });
});

describe("the operations settings (issue 14 §4, §5)", () => {
  it("reads the metrics token, port and host and the shutdown delay", () => {
    const config = parseServerConfig({
      METRICS_TOKEN: "a-token-of-24-characters",
      METRICS_PORT: "9464",
      METRICS_HOST: "0.0.0.0",
      SHUTDOWN_DELAY_SECONDS: "0",
    });
    expect([config.metricsToken, config.metricsPort, config.metricsHost, config.shutdownDelaySeconds]).toEqual([
      "a-token-of-24-characters",
      9464,
      "0.0.0.0",
      0,
    ]);
  });

  it.each([
    [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN"],
    [{ METRICS_TOKEN: "has a space in the middle" }, "METRICS_TOKEN"],
    [{ METRICS_PORT: "0" }, "METRICS_PORT"],
    [{ METRICS_PORT: "70000" }, "METRICS_PORT"],
    [{ METRICS_HOST: "not a host!" }, "METRICS_HOST"],
    [{ SHUTDOWN_DELAY_SECONDS: "-1" }, "SHUTDOWN_DELAY_SECONDS"],
    [{ SHUTDOWN_DELAY_SECONDS: "301" }, "SHUTDOWN_DELAY_SECONDS"],
  ])("refuses %j and names %s", (env, name) => {
    expect(() => parseServerConfig(env)).toThrow(new RegExp(name));
  });

  it("reads the audit log, its fingerprint key and the event timings (issue 14 §1, §3)", () => {
    const defaults = parseServerConfig({});
    expect([defaults.auditLog, defaults.auditLogFile, defaults.auditHashKey, defaults.expirySweepSeconds, defaults.eventPollMs]).toEqual([
      true,
      undefined,
      undefined,
      30,
      500,
    ]);
    const config = parseServerConfig({
      AUDIT_LOG: "off",
      AUDIT_LOG_FILE: "/var/log/burnlink/audit.ndjson",
      AUDIT_HASH_KEY: "a-fingerprint-key-of-32-bytes!!!",
      EXPIRY_SWEEP_SECONDS: "5",
      EVENT_POLL_MS: "100",
    });
    expect([config.auditLog, config.auditLogFile, config.auditHashKey, config.expirySweepSeconds, config.eventPollMs]).toEqual([
      false,
      "/var/log/burnlink/audit.ndjson",
      "a-fingerprint-key-of-32-bytes!!!",
      5,
      100,
    ]);
  });

  it.each([
    [{ AUDIT_LOG: "yes" }, "AUDIT_LOG must be on or off"],
    [{ AUDIT_HASH_KEY: "short" }, "AUDIT_HASH_KEY must be at least 16 bytes"],
    [{ EXPIRY_SWEEP_SECONDS: "0" }, "EXPIRY_SWEEP_SECONDS"],
    [{ EVENT_POLL_MS: "10" }, "EVENT_POLL_MS"],
  ])("refuses %j with %s", (env, message) => {
    expect(() => parseServerConfig(env)).toThrow(message);
  });

  it("never repeats a short AUDIT_HASH_KEY in its message", () => {
    expect(() => parseServerConfig({ AUDIT_HASH_KEY: "tiny-key-zz" })).toThrow(/^(?!.*tiny-key-zz).*AUDIT_HASH_KEY/);
  });

  it("never repeats a bad METRICS_TOKEN in its message", () => {
    const token = "short\u0001secret";
    let message = "";
    try {
      parseServerConfig({ METRICS_TOKEN: token });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/METRICS_TOKEN/);
    expect(message).not.toContain("secret");
  });
});

describe("the webhook settings (issue 14 §2)", () => {
  const whsec = (bytes: number, fill = 7) => `whsec_${Buffer.alloc(bytes, fill).toString("base64")}`;
  const endpoints = (value: unknown) => ({ WEBHOOK_ENDPOINTS: JSON.stringify(value) });
  const problemOf = (env: Record<string, string>) => {
    try {
      parseServerConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error("expected a ConfigError");
  };

  it("reads endpoints with one secret, a list of secrets, or `secrets`, and the switches", () => {
    const config = parseServerConfig({
      ...endpoints([
        { url: "https://siem.example/hook", events: ["*"], secret: whsec(24) },
        { url: "https://chat.example/a?b=c", events: ["secret.viewed", "secret.burned"], secret: [whsec(32, 1), whsec(64, 2)] },
        { url: "http://dev.example/", events: ["request.created"], secrets: [whsec(40)] },
      ]),
      ALLOW_HTTP_WEBHOOKS: "1",
      ALLOW_PRIVATE_WEBHOOKS: "1",
      ALLOW_SECRET_WEBHOOKS: "1",
      WEBHOOK_PROXY_URL: "http://proxy.internal:3128",
      WEBHOOK_NOTIFY_SECRET: `${whsec(32, 3)} ${whsec(32, 4)}`,
    }).webhooks;
    expect(config).toMatchObject({
      allowHttp: true,
      allowPrivate: true,
      allowSecretWebhooks: true,
      proxyUrl: "http://proxy.internal:3128",
      notifySecrets: [whsec(32, 3), whsec(32, 4)],
    });
    expect(config.endpoints.map(({ url, events, secrets }) => ({ url, events, secrets }))).toEqual([
      { url: "https://siem.example/hook", events: "*", secrets: [whsec(24)] },
      { url: "https://chat.example/a?b=c", events: ["secret.viewed", "secret.burned"], secrets: [whsec(32, 1), whsec(64, 2)] },
      { url: "http://dev.example/", events: ["request.created"], secrets: [whsec(40)] },
    ]);
    // A rotation (new secret list) changes the disabled-state key but not the key queued jobs carry.
    const rotated = parseServerConfig(endpoints([{ url: "https://siem.example/hook", events: ["*"], secret: [whsec(24), whsec(24, 9)] }])).webhooks;
    expect(rotated.endpoints[0]!.urlKey).toBe(config.endpoints[0]!.urlKey);
    expect(rotated.endpoints[0]!.stateKey).not.toBe(config.endpoints[0]!.stateKey);
  });

  it("refuses each bad endpoint naming the entry and field, never the URL or the secret", () => {
    const leaked = "https://hooks.example/T0KEN-in-path";
    const cases: [unknown, RegExp][] = [
      [{ url: leaked, events: ["*"], secret: whsec(16) }, /entry 1 secret must be whsec_ followed by the base64 of 24 to 64/],
      [{ url: leaked, events: ["*"], secret: whsec(65) }, /entry 1 secret must be whsec_/],
      [{ url: leaked, events: ["*"], secret: "whsec_not base64!" }, /entry 1 secret must be whsec_/],
      [{ url: leaked, events: ["*"], secret: Buffer.alloc(32).toString("base64") }, /entry 1 secret must be whsec_/],
      [{ url: leaked, events: ["*"] }, /entry 1 needs a secret/],
      [{ url: leaked, events: ["secret.seen"], secret: whsec(32) }, /entry 1 events must hold only secret.created/],
      [{ url: leaked, events: [], secret: whsec(32) }, /entry 1 events must be a non-empty array/],
      [{ url: "http://hooks.example/T0KEN-in-path", events: ["*"], secret: whsec(32) }, /entry 1 url must be an https:\/\/ URL \(http:\/\/ needs ALLOW_HTTP_WEBHOOKS=1\)/],
      [{ url: "https://user:T0KEN-in-path@hooks.example/", events: ["*"], secret: whsec(32) }, /entry 1 url must not hold user:password@/],
      [{ url: leaked, events: ["*"], secret: whsec(32), event: "x" }, /entry 1 has unknown fields/],
    ];
    for (const [entry, expected] of cases) {
      const message = problemOf(endpoints([entry]));
      expect(message).toMatch(expected);
      expect(message).not.toContain("T0KEN");
      const given = (entry as { secret?: unknown }).secret;
      if (typeof given === "string") expect(message).not.toContain(given.replace("whsec_", ""));
    }
    expect(problemOf({ WEBHOOK_ENDPOINTS: `[{"url": "${leaked}", "secret": "${whsec(32)}"` })).toBe(
      "burnlink: invalid configuration: WEBHOOK_ENDPOINTS must be a JSON array (it is not valid JSON)",
    );
    expect(problemOf(endpoints({ url: leaked }))).toMatch(/WEBHOOK_ENDPOINTS must be a JSON array/);
    expect(
      problemOf(endpoints([{ url: leaked, events: ["*"], secret: whsec(32) }, { url: leaked, events: ["secret.viewed"], secret: whsec(32) }])),
    ).toMatch(/entry 2 repeats the url of entry 1/);
  });

  it("reads WEBHOOK_ENDPOINTS from WEBHOOK_ENDPOINTS_FILE", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "burnlink-webhooks-"));
    const file = path.join(dir, "endpoints.json");
    writeFileSync(file, JSON.stringify([{ url: "https://siem.example/", events: ["*"], secret: whsec(32) }]) + "\n");
    expect(parseServerConfig({ WEBHOOK_ENDPOINTS_FILE: file }).webhooks.endpoints).toHaveLength(1);
  });

  it("refuses bad switches, a proxy with a path and a bad notify secret without echoing it", () => {
    expect(problemOf({ ALLOW_PRIVATE_WEBHOOKS: "yes" })).toMatch(/ALLOW_PRIVATE_WEBHOOKS must be 0 or 1/);
    expect(problemOf({ ALLOW_HTTP_WEBHOOKS: "true" })).toMatch(/ALLOW_HTTP_WEBHOOKS must be 0 or 1/);
    expect(problemOf({ ALLOW_SECRET_WEBHOOKS: "2" })).toMatch(/ALLOW_SECRET_WEBHOOKS must be 0 or 1/);
    expect(problemOf({ WEBHOOK_PROXY_URL: "socks5://proxy:1080" })).toMatch(/WEBHOOK_PROXY_URL must be a http:\/\/ or https:\/\/ URL/);
    expect(problemOf({ WEBHOOK_PROXY_URL: "http://proxy:3128/path" })).toMatch(/WEBHOOK_PROXY_URL must be a proxy origin/);
    const message = problemOf({ WEBHOOK_NOTIFY_SECRET: "whsec_c2hvcnQ=" });
    expect(message).toMatch(/WEBHOOK_NOTIFY_SECRET must be up to 5 whsec_ secrets/);
    expect(message).not.toContain("c2hvcnQ");
  });
});
