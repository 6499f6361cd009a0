/**
 * Helpers for the API tests: raw HTTP calls that check the rules every answer must keep
 * (Cache-Control: no-store, never a 500), and secrets made the way a client following
 * PROTOCOL.md makes them (lib/crypto).
 */
import http from "node:http";
import { expect } from "vitest";
import { sealSecret, type SealedSecret, type SecretContent } from "@/lib/crypto";
import type { CreateSecretRequest } from "@/lib/api/wire";

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface CallOptions {
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  /** Sent as is (no Content-Type unless given in headers). */
  raw?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

/** Asserts what PROTOCOL.md §4 promises of every answer. */
export function expectWellFormed(answer: { status: number; headers: Headers }, body: string): void {
  expect(answer.headers.get("cache-control"), "every answer must carry Cache-Control: no-store").toBe("no-store");
  expect(answer.status, `no answer may be a 500: ${body}`).not.toBe(500);
  // Redirects (Next drops a trailing slash) carry the target as text; everything else is JSON.
  const isRedirect = answer.status >= 300 && answer.status < 400;
  if (body !== "" && !isRedirect) expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
}

/** One HTTP call with fetch; the answer is checked by expectWellFormed. */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array<ArrayBuffer> | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  expectWellFormed(response, text);
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * A request with node:http, for what fetch cannot do: a Content-Length that does not
 * match the body, chunked uploads, and bodies still being sent when the answer comes.
 * `chunks` are written one by one; with `endBody: false` the request is never finished,
 * so an answer proves the server did not wait for the body.
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers: Record<string, string>; chunks: (string | Uint8Array)[]; endBody?: boolean },
): Promise<RawAnswer> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, method: options.method, path: url.pathname, headers: options.headers },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === "string") headers.set(name, value);
          }
          const answer = { status: response.statusCode ?? 0, headers };
          try {
            expectWellFormed(answer, text);
            const isJson = headers.get("content-type")?.startsWith("application/json") ?? false;
            resolve({ ...answer, body: text === "" ? undefined : isJson ? JSON.parse(text) : text });
          } catch (error) {
            reject(error);
          } finally {
            request.destroy();
          }
        });
      },
    );
    // The server may answer (and stop reading) before the upload is complete.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    for (const chunk of options.chunks) request.write(chunk);
    if (options.endBody !== false) request.end();
  });
}

export interface TestSecret {
  sealed: SealedSecret;
  request: CreateSecretRequest;
}

/** A sealed secret and its create body, as the browser or CLI would send it. */
export async function makeSecret(
  options: { content?: SecretContent; passphrase?: string; ttlSeconds?: number; maxViews?: number; allowedIps?: string[] } = {},
): Promise<TestSecret> {
  const sealed = await sealSecret(options.content ?? { text: "correct horse battery staple" }, {
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  });
  const request: CreateSecretRequest = {
    id: sealed.id,
    ciphertext: sealed.ciphertext,
    accessVerifier: sealed.accessVerifier,
    unlockVerifier: sealed.unlockVerifier,
    manageVerifier: sealed.manageVerifier,
    ttlSeconds: options.ttlSeconds ?? 3600,
    maxViews: options.maxViews ?? 1,
    ...(options.allowedIps === undefined ? {} : { allowedIps: options.allowedIps }),
  };
  return { sealed, request };
}

/** Polls `probe` until it returns true; for conditions only time can bring (expiry). */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 15_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A b64u string of `bytes` zero bytes (canonical: all "A"). */
export function zeroBase64url(bytes: number): string {
  return Buffer.alloc(bytes).toString("base64url");
}
