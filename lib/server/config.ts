/**
 * Server configuration, read from the environment once and validated by zod.
 *
 * Guarantees: getServerConfig() either returns a complete, range-checked config or
 * throws ConfigError whose message names every bad variable (never its value when the
 * value may hold a credential). The result is cached, so a process sees one config for
 * its whole life. lib/server/start.mjs asks /api/config once at start-up, so a bad
 * environment stops `npm start` instead of failing the first real request.
 */
import "server-only";
import { z } from "zod";
import type { StoreKind } from "@/lib/store/types";
import type { AuditIpMode } from "@/lib/net/ip-address";
import { ConfigError } from "./config-error";
import { resolveFileVariables } from "./env-files";
import { processPeerSecret } from "./client-ip";
import { parseNotifySecrets, parseWebhookEndpoints, type WebhookConfig } from "./webhooks/endpoints-config";

/** Nonce and Poly1305 tag around every padded envelope (PROTOCOL.md §3). */
export const CIPHERTEXT_OVERHEAD_BYTES = 24 + 16;
/** The smallest padded envelope (PROTOCOL.md §3: max(1024, padme(L))). */
export const MIN_PADDED_ENVELOPE_BYTES = 1024;

const DAY_SECONDS = 24 * 60 * 60;

export interface ServerConfig {
  storeKind: StoreKind;
  maxTtlSeconds: number;
  minTtlSeconds: number;
  maxViews: number;
  /** Largest padded envelope accepted (MAX_SECRET_BYTES). */
  maxSecretBytes: number;
  /** maxSecretBytes + nonce + tag: the decoded ciphertext limit of /api/config. */
  maxCiphertextBytes: number;
  passphraseAttempts: number;
  metaRetentionSeconds: number;
  auditIp: AuditIpMode;
  /** Number of trusted reverse proxies in front of the server, or Vercel's edge. */
  trustProxy: number | "vercel";
  keyPrefix: string;
  maxAllowedIps: number;
  /**
   * True when lib/server/start.mjs runs this process, i.e. it left its per-boot peer
   * secret here (lib/server/client-ip.ts): only requests carrying that secret have their
   * `x-burnlink-peer` header believed. Not read from the environment, so a copied
   * environment cannot switch it on for plain `next start`.
   */
  peerHeaderTrusted: boolean;
  /** STORE_TIMEOUT_MS: the deadline of one store operation, connection wait included. */
  storeTimeoutMs: number;
  /** Requests per client address and window; 0 turns a limit off (lib/server/rate-limit.ts). */
  rateLimits: RateLimits;
  /** The operator's own sharing policy (GUIDELINES_TEXT or GUIDELINES_FILE), shown as plain text; null when unset. */
  guidelinesText: string | null;
  /** MAX_REQUEST_RESPONSES: most responses one request may allow (PROTOCOL.md §7). */
  maxRequestResponses: number;
  /** MAX_LABEL_BYTES: largest decoded label ciphertext of a request. */
  maxLabelBytes: number;
  /** COLLECT_WINDOW_SECONDS: how long responses outlive a request's expiresAt. */
  collectWindowSeconds: number;
  /** METRICS_TOKEN: the bearer /api/metrics asks for; unset = /api/metrics answers 404. */
  metricsToken?: string;
  /** METRICS_PORT: start.mjs's separate /metrics listener; unset = none. */
  metricsPort?: number;
  /** METRICS_HOST: the address that listener binds (default 127.0.0.1). */
  metricsHost: string;
  /** SHUTDOWN_DELAY_SECONDS: after SIGTERM, ready answers 503 but the server keeps accepting this long. */
  shutdownDelaySeconds: number;
  /** ID_TOMBSTONE_SECONDS: how long after expiresAt an id stays taken (id only, nothing else kept). */
  idTombstoneSeconds: number;
  /** REVEAL_GRACE_SECONDS (PROTOCOL.md §6): how long a claim's retry gets the first answer; 0 = claims off. */
  revealGraceSeconds: number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS (PROTOCOL.md §6, "Durability"); read by lib/store too. */
  redisWaitReplicas: number;
  redisWaitTimeoutMs: number;
  /** Who may create (PROTOCOL.md §8, lib/server/auth). */
  auth: AuthConfig;
  /** Signed webhooks (issue 14 §2, lib/server/webhooks). */
  webhooks: WebhookConfig;
  /** AUDIT_LOG: false with AUDIT_LOG=off (lib/server/audit.ts). */
  auditLog: boolean;
  /** AUDIT_LOG_FILE: audit lines are appended there instead of stdout. */
  auditLogFile?: string;
  /** AUDIT_HASH_KEY (or _FILE): the fingerprint key; unset = one kept in the store (lib/server/events/hash-key.ts). */
  auditHashKey?: string;
  /** EXPIRY_SWEEP_SECONDS: how often the expiry schedule is swept (issue 14 §1). */
  expirySweepSeconds: number;
  /** EVENT_POLL_MS: how often the dispatcher looks for undelivered events. */
  eventPollMs: number;
}

export type CreatePolicy = "open" | "token" | "sso" | "sso+token";
export type TokenScope = "secrets:create" | "requests:create" | "admin";
export const TOKEN_SCOPE_NAMES: readonly TokenScope[] = ["secrets:create", "requests:create", "admin"];

/** One API_TOKENS entry: only the hash of the token is ever in the environment. */
export interface BootstrapToken {
  name: string;
  scopes: TokenScope[];
  /** Lowercase hex SHA-256 of the whole token. */
  hashHex: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

export interface AuthConfig {
  createPolicy: CreatePolicy;
  bootstrapTokens: BootstrapToken[];
  /** ADMIN_TOKEN_SHA256: a bearer whose SHA-256 is this may manage tokens. */
  adminTokenSha256?: string;
  /** Complete OIDC settings (issuer, client, AUTH_SECRET, PUBLIC_URL), or undefined. */
  oidc?: OidcConfig;
  /** AUTH_SECRET (or the content of AUTH_SECRET_FILE, via env-files.ts): the session keys come from it. */
  authSecret?: string;
  /** The origin of PUBLIC_URL (no trailing slash). */
  publicOrigin?: string;
  sessionMaxAgeSeconds: number;
  allowedDomains: string[];
  allowedTenants: string[];
  allowedHd: string[];
  requiredGroups: string[];
  /** SHOW_SENDER=1: check answers carry `sender`. */
  showSender: boolean;
}

export interface RateLimits {
  /** RATE_LIMIT_CREATE_PER_MINUTE: POST /api/secrets. */
  createPerMinute: number;
  /** RATE_LIMIT_READ_PER_MINUTE: check and reveal together. */
  readPerMinute: number;
  /** RATE_LIMIT_MANAGE_PER_MINUTE: status and burn together. */
  managePerMinute: number;
  /** RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: wrong passphrases per client over all secrets. */
  wrongPassphrasePerHour: number;
  /** RATE_LIMIT_NETWORK_MULTIPLIER: each limit times this, per IPv4 /24 and IPv6 /48; 0 = off. */
  networkMultiplier: number;
  /** RATE_LIMIT_CREATE_BYTES_PER_MINUTE: create body bytes per minute over all clients; 0 = off. */
  createBytesPerMinute: number;
  /** RATE_LIMIT_TOKEN_CREATE_PER_MINUTE: creates per API token (keyed by its kid). */
  tokenCreatePerMinute: number;
}

export { ConfigError };

/** Unset and empty mean the same thing: `.env` files often carry `NAME=`. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

function wholeNumber(defaultValue: number, min: number, max: number, unit: string) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d{1,15}$/, { error: `must be a whole number of ${unit} (digits only)` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { error: `must be between ${min} and ${max} ${unit}` })
          .max(max, { error: `must be between ${min} and ${max} ${unit}` }),
      )
      .optional()
      .transform((value) => value ?? defaultValue),
  );
}

/** A URL is checked for shape only; the error never repeats it (it may embed a password). */
function url(protocols: string[]) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine(
        (value) => {
          try {
            return protocols.includes(new URL(value).protocol);
          } catch {
            return false;
          }
        },
        { error: `must be a ${protocols.map((p) => `${p}//`).join(" or ")} URL` },
      )
      .optional(),
  );
}

const secret = z.preprocess(unsetIfEmpty, z.string().optional());

/** 0 or 1, default 0. */
const flag = z.preprocess(
  unsetIfEmpty,
  z
    .enum(["0", "1"], { error: "must be 0 or 1" })
    .default("0")
    .transform((value) => value === "1"),
);

/** A port number, or unset. */
const optionalPort = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .regex(/^\d{1,5}$/, { error: "must be a port number from 1 to 65535" })
    .transform(Number)
    .pipe(z.number().min(1, { error: "must be a port number from 1 to 65535" }).max(65535, { error: "must be a port number from 1 to 65535" }))
    .optional(),
);

/** A comma-separated list, trimmed, empty entries dropped; [] when unset. */
const list = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")),
);

const BOOTSTRAP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** PROTOCOL.md §8: `name:scopes:sha256hex`, comma-separated; errors name the entry's position only. */
const apiTokens = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .optional()
    .transform((value, ctx): BootstrapToken[] => {
      const entries = (value ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
      const tokens: BootstrapToken[] = [];
      entries.forEach((entry, index) => {
        const first = entry.indexOf(":");
        const last = entry.lastIndexOf(":");
        const name = entry.slice(0, first);
        const scopes = entry.slice(first + 1, last).split("+");
        const hashHex = entry.slice(last + 1);
        const problem =
          first < 0 || first === last
            ? "must be name:scopes:sha256hex"
            : !BOOTSTRAP_NAME.test(name)
              ? "has a name that is not 1 to 64 of A-Z a-z 0-9 . _ -"
              : !scopes.every((scope) => (TOKEN_SCOPE_NAMES as readonly string[]).includes(scope))
                ? "has a scope other than secrets:create, requests:create or admin (join several with +)"
                : !SHA256_HEX.test(hashHex)
                  ? "must end in the lowercase hex SHA-256 of the token (64 characters)"
                  : undefined;
        if (problem) ctx.addIssue({ code: "custom", message: `entry ${index + 1} ${problem}` });
        else tokens.push({ name, scopes: [...new Set(scopes)] as TokenScope[], hashHex });
      });
      return tokens;
    }),
);

const clusterNodes = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .refine(
      (value) =>
        value
          .split(",")
          .every((node) => /^(?:rediss?:\/\/\S+|[A-Za-z0-9.-]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5})$/.test(node.trim())),
      { error: "must be a comma-separated list of host:port or redis:// URLs" },
    )
    // One cleartext seed would carry data and AUTH in clear (lib/store/redis-cluster-store.ts).
    .refine(
      (value) => {
        const tls = value.split(",").map((node) => node.trim().startsWith("rediss://"));
        return tls.every(Boolean) || !tls.some(Boolean);
      },
      { error: "must not mix rediss:// (TLS) seeds with redis:// or host:port ones: use rediss:// for every node, or for none" },
    )
    .optional(),
);

const envSchema = z
  .object({
    UPSTASH_REDIS_REST_URL: url(["https:", "http:"]),
    UPSTASH_REDIS_REST_TOKEN: secret,
    KV_REST_API_URL: url(["https:", "http:"]),
    KV_REST_API_TOKEN: secret,
    // Read by lib/store/index.ts; validated here so a typo stops the start.
    UPSTASH_TRANSPORT: z.preprocess(unsetIfEmpty, z.enum(["pool", "fetch"], { error: "must be pool or fetch" }).default("pool")),
    REDIS_URL: url(["redis:", "rediss:"]),
    REDIS_CLUSTER_NODES: clusterNodes,
    MAX_TTL_SECONDS: wholeNumber(7 * DAY_SECONDS, 1, 365 * DAY_SECONDS, "seconds"),
    MIN_TTL_SECONDS: wholeNumber(60, 1, 365 * DAY_SECONDS, "seconds"),
    MAX_VIEWS: wholeNumber(10, 1, 1000, "views"),
    MAX_SECRET_BYTES: wholeNumber(1024 * 1024, MIN_PADDED_ENVELOPE_BYTES, 64 * 1024 * 1024, "bytes"),
    PASSPHRASE_ATTEMPTS: wholeNumber(5, 1, 100, "attempts"),
    META_RETENTION_SECONDS: wholeNumber(7 * DAY_SECONDS, 0, 365 * DAY_SECONDS, "seconds"),
    // Issue 14 §3: the audit log on stdout (default) or in AUDIT_LOG_FILE; off turns it off.
    AUDIT_LOG: z.preprocess(unsetIfEmpty, z.enum(["on", "off"], { error: "must be on or off" }).default("on")),
    AUDIT_LOG_FILE: z.preprocess(unsetIfEmpty, z.string().max(4096, { error: "must be a file path" }).optional()),
    // A key: the message never repeats it. Fingerprints are only as private as it is long.
    AUDIT_HASH_KEY: z.preprocess(
      unsetIfEmpty,
      z.string().refine((value) => Buffer.byteLength(value, "utf8") >= 16, { error: "must be at least 16 bytes" }).optional(),
    ),
    // Expiry events are late by at most this (issue 14 §1).
    EXPIRY_SWEEP_SECONDS: wholeNumber(30, 1, 3600, "seconds"),
    // How soon an event leaves the outbox for the audit log and webhooks.
    EVENT_POLL_MS: wholeNumber(500, 50, 60_000, "milliseconds"),
    AUDIT_IP: z.preprocess(
      unsetIfEmpty,
      z.enum(["masked", "full", "none"], { error: "must be masked, full or none" }).default("masked"),
    ),
    TRUST_PROXY: z.preprocess(
      unsetIfEmpty,
      z
        .union([z.literal("vercel"), z.string().regex(/^\d{1,2}$/).transform(Number)], {
          error: "must be a whole number of trusted proxies (0 when clients connect directly) or vercel",
        })
        .default(0),
    ),
    // The prefix goes into every key name around the {id} hash tag: no braces, colons or spaces.
    KEY_PREFIX: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "must be 1 to 64 of A-Z a-z 0-9 _ . -" })
        .default("burnlink"),
    ),
    MAX_ALLOWED_IPS: wholeNumber(20, 1, 1000, "entries"),
    RATE_LIMIT_CREATE_PER_MINUTE: wholeNumber(30, 0, 1_000_000, "requests"),
    RATE_LIMIT_READ_PER_MINUTE: wholeNumber(120, 0, 1_000_000, "requests"),
    RATE_LIMIT_MANAGE_PER_MINUTE: wholeNumber(60, 0, 1_000_000, "requests"),
    RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: wholeNumber(20, 0, 1_000_000, "attempts"),
    // Shown on /sharing-safely as text, never as HTML; a page of policy, not a document store.
    GUIDELINES_TEXT: z.preprocess(unsetIfEmpty, z.string().max(20_000, { error: "must be at most 20000 characters" }).optional()),
    // Most responses one request may allow (PROTOCOL.md §7 maxResponses ≤ this).
    MAX_REQUEST_RESPONSES: wholeNumber(10, 1, 1000, "responses"),
    // Largest decoded label ciphertext; at least one padded envelope (24 + 16 + 1024 bytes).
    MAX_LABEL_BYTES: wholeNumber(4096, CIPHERTEXT_OVERHEAD_BYTES + MIN_PADDED_ENVELOPE_BYTES, 1024 * 1024, "bytes"),
    // How long uncollected responses outlive a request's expiresAt.
    COLLECT_WINDOW_SECONDS: wholeNumber(7 * DAY_SECONDS, 0, 365 * DAY_SECONDS, "seconds"),
    // How long one store operation may take before it is abandoned (and aborted) with 503.
    STORE_TIMEOUT_MS: wholeNumber(1500, 50, 60_000, "milliseconds"),
    // A credential: the message never repeats it. Long enough that guessing it is hopeless.
    METRICS_TOKEN: z.preprocess(
      unsetIfEmpty,
      z.string().regex(/^[\x21-\x7e]{16,512}$/, { error: "must be 16 to 512 printable characters without spaces" }).optional(),
    ),
    METRICS_PORT: optionalPort,
    METRICS_HOST: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45})$/, { error: "must be a host name or an IP address" })
        .default("127.0.0.1"),
    ),
    SHUTDOWN_DELAY_SECONDS: wholeNumber(5, 0, 300, "seconds"),
    // Each limit again per IPv4 /24 and IPv6 /48, this many times larger: one /48 holds 65,536 /64s.
    RATE_LIMIT_NETWORK_MULTIPLIER: wholeNumber(8, 0, 1_000_000, "times"),
    // Create bodies over all clients and instances; caps how fast the store can be filled.
    RATE_LIMIT_CREATE_BYTES_PER_MINUTE: wholeNumber(64 * 1024 * 1024, 0, 1_000_000_000_000, "bytes"),
    // Who may create (PROTOCOL.md §8): open (default), token, sso or sso+token.
    CREATE_POLICY: z.preprocess(
      unsetIfEmpty,
      z.enum(["open", "token", "sso", "sso+token"], { error: "must be open, token, sso or sso+token" }).default("open"),
    ),
    // Bootstrap API tokens, name:scopes:sha256hex, comma-separated; never written to the store.
    API_TOKENS: apiTokens,
    // Lowercase hex SHA-256 of an operator bearer that may manage tokens through /api/admin/tokens.
    ADMIN_TOKEN_SHA256: z.preprocess(
      unsetIfEmpty,
      z.string().regex(SHA256_HEX, { error: "must be the lowercase hex SHA-256 of the admin token (64 characters)" }).optional(),
    ),
    // The OpenID provider's issuer URL; discovery reads <issuer>/.well-known/openid-configuration.
    OIDC_ISSUER: url(["https:", "http:"]),
    // The client id registered at the provider.
    OIDC_CLIENT_ID: secret,
    // The client secret registered at the provider (client_secret_basic).
    OIDC_CLIENT_SECRET: secret,
    // Scopes asked at sign-in.
    OIDC_SCOPES: z.preprocess(unsetIfEmpty, z.string().regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, { error: "must be space-separated scopes" }).default("openid email profile")),
    // At least 32 bytes; the session and sign-in cookie keys are derived from it.
    AUTH_SECRET: secret,
    // This server's public origin; the OIDC redirect URI is PUBLIC_URL + /api/auth/callback.
    PUBLIC_URL: url(["https:", "http:"]),
    // Longest life of a sign-in session.
    SESSION_MAX_AGE_SECONDS: wholeNumber(8 * 60 * 60, 60, 30 * DAY_SECONDS, "seconds"),
    // Email domains that may sign in (the email must be verified), comma-separated.
    OIDC_ALLOWED_DOMAINS: list,
    // Entra ID tenant ids (tid claim) that may sign in, comma-separated.
    OIDC_ALLOWED_TENANTS: list,
    // Google Workspace domains (hd claim) that may sign in, comma-separated.
    OIDC_ALLOWED_HD: list,
    // Groups (groups claim) of which a user must be in at least one, comma-separated.
    OIDC_REQUIRED_GROUPS: list,
    // 1: check answers carry the creator's name as `sender` (PROTOCOL.md §8).
    SHOW_SENDER: z.preprocess(unsetIfEmpty, z.enum(["0", "1"], { error: "must be 0 or 1" }).default("0")),
    // Creates per API token per minute, on top of the per-address limit; 0 turns it off.
    RATE_LIMIT_TOKEN_CREATE_PER_MINUTE: wholeNumber(120, 0, 1_000_000, "requests"),
    // How long after expiresAt a secret's id stays taken, as an id-only key, so a link can
    // never be re-armed after its metadata is gone (issue 10 item 10); 0 = as long as the metadata.
    ID_TOMBSTONE_SECONDS: wholeNumber(90 * DAY_SECONDS, 0, 10 * 365 * DAY_SECONDS, "seconds"),
    // How long a reveal or collect retried with the same claim gets the first answer (PROTOCOL.md §6, §7); 0 = claims off.
    REVEAL_GRACE_SECONDS: wholeNumber(120, 0, DAY_SECONDS, "seconds"),
    // Replicas that must acknowledge (WAIT) a view, a counted failure or a burn before it is answered; 0 = don't wait.
    REDIS_WAIT_REPLICAS: wholeNumber(0, 0, 100, "replicas"),
    // How long WAIT may take before the answer is 503 store_unavailable.
    REDIS_WAIT_TIMEOUT_MS: wholeNumber(500, 1, 60_000, "milliseconds"),
    // JSON array of {url, events, secret}; checked by lib/server/webhooks/endpoints-config.ts (messages never repeat a URL or secret).
    WEBHOOK_ENDPOINTS: secret,
    // 1: http:// webhook targets are accepted (development only).
    ALLOW_HTTP_WEBHOOKS: flag,
    // 1: the SSRF guard's address check is lifted (a receiver on the operator's own network, tests).
    ALLOW_PRIVATE_WEBHOOKS: flag,
    // Every webhook delivery goes through this HTTP(S) proxy.
    WEBHOOK_PROXY_URL: url(["http:", "https:"]),
    // 1: anonymous creators may ask for a per-secret notify webhook too.
    ALLOW_SECRET_WEBHOOKS: flag,
    // whsec_ secret(s), space-separated: signs per-secret notify deliveries; the first also seals their URLs at rest. Unset: notify is refused.
    WEBHOOK_NOTIFY_SECRET: secret,
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_WAIT_REPLICAS > 0 && (env.UPSTASH_REDIS_REST_URL || env.KV_REST_API_URL || !(env.REDIS_URL || env.REDIS_CLUSTER_NODES))) {
      ctx.addIssue({ code: "custom", path: ["REDIS_WAIT_REPLICAS"], message: "needs REDIS_URL or REDIS_CLUSTER_NODES (Upstash and the memory store have no WAIT)" });
    }
    if (env.MIN_TTL_SECONDS > env.MAX_TTL_SECONDS) {
      ctx.addIssue({ code: "custom", path: ["MIN_TTL_SECONDS"], message: "must not exceed MAX_TTL_SECONDS" });
    }
    for (const [urlName, tokenName] of [
      ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
      ["KV_REST_API_URL", "KV_REST_API_TOKEN"],
    ] as const) {
      if (env[urlName] !== undefined && env[tokenName] === undefined) {
        ctx.addIssue({ code: "custom", path: [tokenName], message: `is required when ${urlName} is set` });
      }
      if (env[urlName] === undefined && env[tokenName] !== undefined) {
        ctx.addIssue({ code: "custom", path: [urlName], message: `is required when ${tokenName} is set` });
      }
    }
  });

type Env = z.output<typeof envSchema>;

/** Every variable this schema reads (tests keep them out of the servers they start; the README documents each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
const MIN_AUTH_SECRET_BYTES = 32;

/** AUTH_SECRET (AUTH_SECRET_FILE is read into it by env-files.ts); problems name the variable, never the value. */
function authSecretOf(env: Env, problems: string[]): string | undefined {
  const value = env.AUTH_SECRET;
  if (value !== undefined && Buffer.byteLength(value, "utf8") < MIN_AUTH_SECRET_BYTES) {
    problems.push(`AUTH_SECRET must be at least ${MIN_AUTH_SECRET_BYTES} bytes`);
    return undefined;
  }
  return value;
}

function authConfigOf(env: Env): AuthConfig {
  const problems: string[] = [];
  const authSecret = authSecretOf(env, problems);
  const publicOrigin = env.PUBLIC_URL === undefined ? undefined : new URL(env.PUBLIC_URL).origin;
  const oidcSettings = {
    OIDC_ISSUER: env.OIDC_ISSUER,
    OIDC_CLIENT_ID: env.OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET: env.OIDC_CLIENT_SECRET,
    AUTH_SECRET: authSecret ?? (problems.length > 0 ? "(invalid)" : undefined),
    PUBLIC_URL: publicOrigin,
  };
  const missing = Object.entries(oidcSettings)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  const anyOidc = env.OIDC_ISSUER !== undefined || env.OIDC_CLIENT_ID !== undefined || env.OIDC_CLIENT_SECRET !== undefined;
  // Sign-in needs all five; sso without them could never let anyone create.
  if (env.CREATE_POLICY === "sso" || env.CREATE_POLICY === "sso+token" || anyOidc) {
    if (missing.length > 0) {
      const why = env.CREATE_POLICY.startsWith("sso") ? `CREATE_POLICY=${env.CREATE_POLICY}` : "OpenID Connect sign-in";
      problems.push(`${why} needs ${missing.join(", ")}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`burnlink: invalid configuration: ${problems.join("; ")}`);
  const config: AuthConfig = {
    createPolicy: env.CREATE_POLICY,
    bootstrapTokens: env.API_TOKENS,
    sessionMaxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
    allowedDomains: env.OIDC_ALLOWED_DOMAINS.map((domain) => domain.toLowerCase()),
    allowedTenants: env.OIDC_ALLOWED_TENANTS,
    allowedHd: env.OIDC_ALLOWED_HD.map((domain) => domain.toLowerCase()),
    requiredGroups: env.OIDC_REQUIRED_GROUPS,
    showSender: env.SHOW_SENDER === "1",
  };
  if (env.ADMIN_TOKEN_SHA256 !== undefined) config.adminTokenSha256 = env.ADMIN_TOKEN_SHA256;
  if (authSecret !== undefined) config.authSecret = authSecret;
  if (publicOrigin !== undefined) config.publicOrigin = publicOrigin;
  if (missing.length === 0 && env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET) {
    config.oidc = { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, scopes: env.OIDC_SCOPES };
  }
  return config;
}

/** The webhook settings; problems name the entry and field, never a URL or a secret. */
function webhookConfigOf(env: Env): WebhookConfig {
  const endpoints = parseWebhookEndpoints(env.WEBHOOK_ENDPOINTS, env.ALLOW_HTTP_WEBHOOKS);
  const notify = parseNotifySecrets(env.WEBHOOK_NOTIFY_SECRET);
  const problems = [...endpoints.problems, ...notify.problems];
  if (env.WEBHOOK_PROXY_URL !== undefined && new URL(env.WEBHOOK_PROXY_URL).pathname !== "/") {
    problems.push("WEBHOOK_PROXY_URL must be a proxy origin such as http://proxy.internal:3128 (no path)");
  }
  if (problems.length > 0) throw new ConfigError(`burnlink: invalid configuration: ${problems.join("; ")}`);
  const config: WebhookConfig = {
    endpoints: endpoints.endpoints,
    allowHttp: env.ALLOW_HTTP_WEBHOOKS,
    allowPrivate: env.ALLOW_PRIVATE_WEBHOOKS,
    allowSecretWebhooks: env.ALLOW_SECRET_WEBHOOKS,
    notifySecrets: notify.secrets,
  };
  if (env.WEBHOOK_PROXY_URL !== undefined) config.proxyUrl = env.WEBHOOK_PROXY_URL;
  return config;
}

/** The same precedence as lib/store's getStore(). */
function storeKindOf(env: Env): StoreKind {
  if (env.UPSTASH_REDIS_REST_URL || env.KV_REST_API_URL) return "upstash";
  if (env.REDIS_CLUSTER_NODES) return "redis-cluster";
  if (env.REDIS_URL) return "redis";
  return "memory";
}

/** Parses an environment; exported for tests. Throws ConfigError naming each bad variable. */
export function parseServerConfig(raw: Record<string, string | undefined>): ServerConfig {
  const source = resolveFileVariables(raw);
  // On Vercel there is no custom server and the edge sets x-real-ip: trust it by default.
  const trustProxyUnset = source.TRUST_PROXY === undefined || source.TRUST_PROXY === "";
  const withDefaults = trustProxyUnset && source.VERCEL === "1" ? { ...source, TRUST_PROXY: "vercel" } : source;
  const parsed = envSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`);
    throw new ConfigError(`burnlink: invalid configuration: ${problems.join("; ")}`);
  }
  const env = parsed.data;
  return {
    storeKind: storeKindOf(env),
    maxTtlSeconds: env.MAX_TTL_SECONDS,
    minTtlSeconds: env.MIN_TTL_SECONDS,
    maxViews: env.MAX_VIEWS,
    maxSecretBytes: env.MAX_SECRET_BYTES,
    maxCiphertextBytes: env.MAX_SECRET_BYTES + CIPHERTEXT_OVERHEAD_BYTES,
    passphraseAttempts: env.PASSPHRASE_ATTEMPTS,
    metaRetentionSeconds: env.META_RETENTION_SECONDS,
    auditIp: env.AUDIT_IP,
    trustProxy: env.TRUST_PROXY,
    keyPrefix: env.KEY_PREFIX,
    maxAllowedIps: env.MAX_ALLOWED_IPS,
    peerHeaderTrusted: processPeerSecret() !== null,
    rateLimits: {
      createPerMinute: env.RATE_LIMIT_CREATE_PER_MINUTE,
      readPerMinute: env.RATE_LIMIT_READ_PER_MINUTE,
      managePerMinute: env.RATE_LIMIT_MANAGE_PER_MINUTE,
      wrongPassphrasePerHour: env.RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR,
      networkMultiplier: env.RATE_LIMIT_NETWORK_MULTIPLIER,
      createBytesPerMinute: env.RATE_LIMIT_CREATE_BYTES_PER_MINUTE,
      tokenCreatePerMinute: env.RATE_LIMIT_TOKEN_CREATE_PER_MINUTE,
    },
    guidelinesText: env.GUIDELINES_TEXT ?? null,
    maxRequestResponses: env.MAX_REQUEST_RESPONSES,
    maxLabelBytes: env.MAX_LABEL_BYTES,
    collectWindowSeconds: env.COLLECT_WINDOW_SECONDS,
    storeTimeoutMs: env.STORE_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    metricsPort: env.METRICS_PORT,
    metricsHost: env.METRICS_HOST,
    shutdownDelaySeconds: env.SHUTDOWN_DELAY_SECONDS,
    auth: authConfigOf(env),
    idTombstoneSeconds: env.ID_TOMBSTONE_SECONDS,
    revealGraceSeconds: env.REVEAL_GRACE_SECONDS,
    redisWaitReplicas: env.REDIS_WAIT_REPLICAS,
    redisWaitTimeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
    webhooks: webhookConfigOf(env),
    auditLog: env.AUDIT_LOG === "on",
    ...(env.AUDIT_LOG_FILE === undefined ? {} : { auditLogFile: env.AUDIT_LOG_FILE }),
    ...(env.AUDIT_HASH_KEY === undefined ? {} : { auditHashKey: env.AUDIT_HASH_KEY }),
    expirySweepSeconds: env.EXPIRY_SWEEP_SECONDS,
    eventPollMs: env.EVENT_POLL_MS,
  };
}

let cached: ServerConfig | undefined;

/** The process's config, parsed on first use and then fixed. */
export function getServerConfig(): ServerConfig {
  if (!cached) {
    cached = parseServerConfig(process.env);
    if (!cached.peerHeaderTrusted && cached.trustProxy !== "vercel") {
      console.warn(
        "burnlink: not started by lib/server/start.mjs, so the client's socket address is unknown: IP allowlists will refuse everyone and events record no IP. Use `npm start`, or set TRUST_PROXY for your proxy.",
      );
    }
    if (process.env.BURNLINK_CUSTOM_SERVER !== undefined) {
      console.warn(
        "burnlink: BURNLINK_CUSTOM_SERVER is no longer read: start.mjs proves itself with a per-boot secret instead; remove the variable.",
      );
    }
  }
  return cached;
}
