/**
 * `_FILE` variants of the settings that hold a secret (the Docker and Kubernetes
 * convention: mount the secret as a file, name the file in the environment).
 *
 * Guarantees: `NAME_FILE=/run/secrets/x` sets NAME to the file's content with one
 * trailing newline (LF or CRLF) removed; setting both NAME and NAME_FILE, or naming a file
 * that cannot be read, is a ConfigError naming the variables and never the content. The
 * resolved environment is a copy: process.env is left as it is, so a child process or a
 * log of the environment does not receive the secret twice.
 */
import "server-only";
import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error";

/** Settings that may hold a credential or a key, and the variable naming their file. */
export const FILE_VARIABLES: Readonly<Record<string, string>> = {
  REDIS_URL: "REDIS_URL_FILE",
  REDIS_CLUSTER_NODES: "REDIS_CLUSTER_NODES_FILE",
  UPSTASH_REDIS_REST_URL: "UPSTASH_REDIS_REST_URL_FILE",
  UPSTASH_REDIS_REST_TOKEN: "UPSTASH_REDIS_REST_TOKEN_FILE",
  KV_REST_API_URL: "KV_REST_API_URL_FILE",
  KV_REST_API_TOKEN: "KV_REST_API_TOKEN_FILE",
  AUTH_SECRET: "AUTH_SECRET_FILE",
  OIDC_CLIENT_SECRET: "OIDC_CLIENT_SECRET_FILE",
  API_TOKENS: "API_TOKENS_FILE",
  ADMIN_TOKEN_SHA256: "ADMIN_TOKEN_SHA256_FILE",
  METRICS_TOKEN: "METRICS_TOKEN_FILE",
  AUDIT_HASH_KEY: "AUDIT_HASH_KEY_FILE",
  WEBHOOK_ENDPOINTS: "WEBHOOK_ENDPOINTS_FILE",
  WEBHOOK_NOTIFY_SECRET: "WEBHOOK_NOTIFY_SECRET_FILE",
  GUIDELINES_TEXT: "GUIDELINES_FILE",
};

const isSet = (value: string | undefined): value is string => value !== undefined && value !== "";

/** One trailing newline is the editor's, not the secret's. */
function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

/**
 * A copy of `source` where each NAME with a NAME_FILE partner holds the file's content.
 * @throws ConfigError listing every conflict or unreadable file
 */
export function resolveFileVariables(
  source: Record<string, string | undefined>,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...source };
  const problems: string[] = [];
  for (const [name, fileName] of Object.entries(FILE_VARIABLES)) {
    const path = source[fileName];
    if (!isSet(path)) continue;
    if (isSet(source[name])) {
      problems.push(`set either ${name} or ${fileName}, not both`);
      continue;
    }
    try {
      resolved[name] = withoutTrailingNewline(readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(`${fileName} names a file that cannot be read${code ? ` (${code})` : ""}`);
    }
  }
  if (problems.length > 0)
    throw new ConfigError(`burnlink: invalid configuration: ${problems.join("; ")}`);
  return resolved;
}

let cached: Record<string, string | undefined> | undefined;

/** process.env with the `_FILE` variants resolved, once per process. */
export function serverEnvironment(): Record<string, string | undefined> {
  cached ??= resolveFileVariables(process.env);
  return cached;
}
