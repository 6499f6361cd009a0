/**
 * One delivery attempt: POST the signed body, classify the answer.
 *
 * Guarantees: redirects are never followed (a 3xx is a failure: a redirect to an internal
 * address must not be a way around the guard, and the receiver is configured, not
 * discovered); the whole attempt, connection included, ends after `timeoutMs`; at most
 * `maxResponseBytes` of the answer are read, then the connection is dropped, so a receiver
 * cannot keep a worker busy or its memory full. The answer's body is never kept or logged.
 */
import "server-only";
import { request } from "undici";
import { retryAfterMs } from "./backoff";
import { refusalIn, type WebhookHttp } from "./guarded-dispatcher";
import type { SignedHeaders } from "./signature";

export const DELIVERY_TIMEOUT_MS = 15_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;

export type AttemptResult =
  | { kind: "delivered"; status: number }
  | { kind: "gone" }
  | { kind: "failed"; reason: string; retryAfterMs?: number }
  | { kind: "refused"; reason: string };

export interface AttemptOptions {
  http: WebhookHttp;
  timeoutMs?: number;
  maxResponseBytes?: number;
  nowMs: number;
}

/** Reads at most `limit` bytes of the answer and drops the rest with the connection. */
async function drain(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }, limit: number): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (read > limit) {
      body.destroy();
      return;
    }
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export async function attemptDelivery(url: string, body: string, signed: SignedHeaders, options: AttemptOptions): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await options.http.preflight(new URL(url));
    const response = await request(url, {
      method: "POST",
      dispatcher: options.http.dispatcher,
      headers: { "content-type": "application/json", "user-agent": "Burnlink-Webhooks/1", ...signed },
      body,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await drain(response.body, options.maxResponseBytes ?? MAX_RESPONSE_BYTES).catch(() => undefined);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    if (status === 410) return { kind: "gone" };
    const retryAfter = retryAfterMs(header(response.headers["retry-after"]), options.nowMs);
    const reason = status >= 300 && status < 400 ? `redirect ${status} (not followed)` : `HTTP ${status}`;
    return retryAfter === undefined ? { kind: "failed", reason } : { kind: "failed", reason, retryAfterMs: retryAfter };
  } catch (error) {
    const refusal = refusalIn(error);
    if (refusal) return { kind: "refused", reason: refusal.reason };
    if (signal.aborted) return { kind: "failed", reason: `no answer within ${timeoutMs} ms` };
    const code = (error as { code?: unknown }).code;
    return { kind: "failed", reason: typeof code === "string" ? code : "connection failed" };
  }
}
