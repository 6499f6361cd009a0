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
   * True when lib/server/start.mjs runs this process: only then is the
   * `x-burnlink-peer` header known to hold the socket address (it overwrites any
   * client-sent value). Under plain `next start` that header could be forged.
   */
  peerHeaderTrusted: boolean;
  /** Requests per client address and window; 0 turns a limit off (lib/server/rate-limit.ts). */
  rateLimits: RateLimits;
  /** ID_TOMBSTONE_SECONDS: how long after expiresAt an id stays taken (id only, nothing else kept). */
  idTombstoneSeconds: number;
  /** REVEAL_GRACE_SECONDS (PROTOCOL.md §6): how long a claim's retry gets the first answer; 0 = claims off. */
  revealGraceSeconds: number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS (PROTOCOL.md §6, "Durability"); read by lib/store too. */
  redisWaitReplicas: number;
  redisWaitTimeoutMs: number;
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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

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
    .optional(),
);

const envSchema = z
  .object({
    UPSTASH_REDIS_REST_URL: url(["https:", "http:"]),
    UPSTASH_REDIS_REST_TOKEN: secret,
    KV_REST_API_URL: url(["https:", "http:"]),
    KV_REST_API_TOKEN: secret,
    REDIS_URL: url(["redis:", "rediss:"]),
    REDIS_CLUSTER_NODES: clusterNodes,
    MAX_TTL_SECONDS: wholeNumber(7 * DAY_SECONDS, 1, 365 * DAY_SECONDS, "seconds"),
    MIN_TTL_SECONDS: wholeNumber(60, 1, 365 * DAY_SECONDS, "seconds"),
    MAX_VIEWS: wholeNumber(10, 1, 1000, "views"),
    MAX_SECRET_BYTES: wholeNumber(1024 * 1024, MIN_PADDED_ENVELOPE_BYTES, 64 * 1024 * 1024, "bytes"),
    PASSPHRASE_ATTEMPTS: wholeNumber(5, 1, 100, "attempts"),
    META_RETENTION_SECONDS: wholeNumber(7 * DAY_SECONDS, 0, 365 * DAY_SECONDS, "seconds"),
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
    BURNLINK_CUSTOM_SERVER: z.preprocess(unsetIfEmpty, z.enum(["1"]).optional()),
    // How long after expiresAt a secret's id stays taken, as an id-only key, so a link can
    // never be re-armed after its metadata is gone (issue 10 item 10); 0 = as long as the metadata.
    ID_TOMBSTONE_SECONDS: wholeNumber(90 * DAY_SECONDS, 0, 10 * 365 * DAY_SECONDS, "seconds"),
    // How long a reveal retried with the same claim gets the first answer (PROTOCOL.md §6); 0 = claims off.
    REVEAL_GRACE_SECONDS: wholeNumber(120, 0, DAY_SECONDS, "seconds"),
    // Replicas that must acknowledge (WAIT) a view, a counted failure or a burn before it is answered; 0 = don't wait.
    REDIS_WAIT_REPLICAS: wholeNumber(0, 0, 100, "replicas"),
    // How long WAIT may take before the answer is 503 store_unavailable.
    REDIS_WAIT_TIMEOUT_MS: wholeNumber(500, 1, 60_000, "milliseconds"),
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

/** The same precedence as lib/store's getStore(). */
function storeKindOf(env: Env): StoreKind {
  if (env.UPSTASH_REDIS_REST_URL || env.KV_REST_API_URL) return "upstash";
  if (env.REDIS_CLUSTER_NODES) return "redis-cluster";
  if (env.REDIS_URL) return "redis";
  return "memory";
}

/** Parses an environment; exported for tests. Throws ConfigError naming each bad variable. */
export function parseServerConfig(source: Record<string, string | undefined>): ServerConfig {
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
    peerHeaderTrusted: env.BURNLINK_CUSTOM_SERVER === "1",
    rateLimits: {
      createPerMinute: env.RATE_LIMIT_CREATE_PER_MINUTE,
      readPerMinute: env.RATE_LIMIT_READ_PER_MINUTE,
      managePerMinute: env.RATE_LIMIT_MANAGE_PER_MINUTE,
      wrongPassphrasePerHour: env.RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR,
    },
    idTombstoneSeconds: env.ID_TOMBSTONE_SECONDS,
    revealGraceSeconds: env.REVEAL_GRACE_SECONDS,
    redisWaitReplicas: env.REDIS_WAIT_REPLICAS,
    redisWaitTimeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
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
  }
  return cached;
}
