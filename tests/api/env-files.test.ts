import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseServerConfig } from "@/lib/server/config";
import { FILE_VARIABLES, resolveFileVariables } from "@/lib/server/env-files";
import { storeOptionsFromEnv } from "@/lib/store";

const dir = mkdtempSync(path.join(tmpdir(), "burnlink-env-files-"));
function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe("_FILE variants of secret settings", () => {
  it("reads the setting from the named file and drops one trailing newline", () => {
    const file = secretFile("redis-url", "redis://:s3cret@127.0.0.1:6390/0\n");
    expect(resolveFileVariables({ REDIS_URL_FILE: file }).REDIS_URL).toBe(
      "redis://:s3cret@127.0.0.1:6390/0",
    );
    expect(storeOptionsFromEnv(resolveFileVariables({ REDIS_URL_FILE: file })).redisUrl).toBe(
      "redis://:s3cret@127.0.0.1:6390/0",
    );
    expect(parseServerConfig({ REDIS_URL_FILE: file }).storeKind).toBe("redis");
  });

  it("drops only one trailing newline, CRLF included, and keeps inner ones", () => {
    expect(
      resolveFileVariables({ GUIDELINES_FILE: secretFile("g1", "line one\nline two\n\n") })
        .GUIDELINES_TEXT,
    ).toBe("line one\nline two\n");
    expect(
      resolveFileVariables({ AUTH_SECRET_FILE: secretFile("a1", "abc\r\n") }).AUTH_SECRET,
    ).toBe("abc");
    expect(resolveFileVariables({ AUTH_SECRET_FILE: secretFile("a2", "abc") }).AUTH_SECRET).toBe(
      "abc",
    );
  });

  it("refuses a setting given both ways, naming both variables and not the value", () => {
    const file = secretFile("token", "from-file");
    expect(() =>
      parseServerConfig({
        UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
        UPSTASH_REDIS_REST_TOKEN: "in-env",
        UPSTASH_REDIS_REST_TOKEN_FILE: file,
      }),
    ).toThrow(/set either UPSTASH_REDIS_REST_TOKEN or UPSTASH_REDIS_REST_TOKEN_FILE, not both/);
    try {
      resolveFileVariables({ AUTH_SECRET: "in-env-secret", AUTH_SECRET_FILE: file });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).name).toBe("ConfigError");
      expect((error as Error).message).not.toMatch(/in-env-secret|from-file/);
    }
  });

  it("refuses a file that cannot be read, with the variable's name", () => {
    expect(() => resolveFileVariables({ REDIS_URL_FILE: path.join(dir, "missing") })).toThrow(
      /REDIS_URL_FILE names a file that cannot be read \(ENOENT\)/,
    );
  });

  it("leaves the source environment as it was", () => {
    const source = { AUTH_SECRET_FILE: secretFile("a3", "k") };
    resolveFileVariables(source);
    expect(source).toEqual({ AUTH_SECRET_FILE: path.join(dir, "a3") });
  });

  it("covers every setting that holds a credential", () => {
    for (const name of [
      "REDIS_URL",
      "UPSTASH_REDIS_REST_TOKEN",
      "KV_REST_API_TOKEN",
      "AUTH_SECRET",
      "OIDC_CLIENT_SECRET",
      "METRICS_TOKEN",
      "WEBHOOK_ENDPOINTS",
    ]) {
      expect(FILE_VARIABLES[name], name).toBeDefined();
    }
  });
});
