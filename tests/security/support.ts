/**
 * Helpers for the security tests: raw requests over a plain TCP socket (for what neither
 * fetch nor node:http will send: lying Content-Length, broken framing, raw bytes in the
 * request line), a keep-alive HTTP client for the property runs, and a status snapshot
 * to prove that a hostile request changed nothing.
 */
import http from "node:http";
import { connect } from "node:net";
import { expect } from "vitest";
import { isErrorCode } from "@/lib/api/errors";

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

function parseReply(raw: Buffer): RawReply {
  const text = raw.toString("latin1");
  const headEnd = text.indexOf("\r\n\r\n");
  const head = headEnd >= 0 ? text.slice(0, headEnd) : text;
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let payload = headEnd >= 0 ? raw.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), "latin1")) : Buffer.alloc(0);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const parts: Buffer[] = [];
    let rest = payload;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n");
      if (lineEnd < 0) break;
      const size = parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
      if (!Number.isFinite(size) || size === 0) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    payload = Buffer.concat(parts);
  } else if (headers["content-length"] !== undefined) {
    payload = payload.subarray(0, Number(headers["content-length"]));
  }
  const bodyText = payload.toString("utf8");
  let body: unknown;
  try {
    body = bodyText === "" ? undefined : JSON.parse(bodyText);
  } catch {
    body = bodyText;
  }
  return { status, headers, text: bodyText, body };
}

/**
 * Writes `request` bytes as they are to a fresh socket (`Connection: close` is the
 * caller's business) and reads one answer: it is complete once its declared length
 * arrived, the final chunk arrived, or the server closed the socket.
 */
export function rawSocketRequest(baseUrl: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const parts: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(parts);
      if (raw.length === 0) reject(new Error("the server closed the connection without an answer"));
      else resolve(parseReply(raw));
    };
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        socket.destroy();
        reject(new Error(`no complete answer within ${timeoutMs} ms: ${Buffer.concat(parts).toString("latin1").slice(0, 300)}`));
      }
    }, timeoutMs);
    const complete = () => {
      const raw = Buffer.concat(parts);
      const headEnd = raw.indexOf("\r\n\r\n");
      if (headEnd < 0) return false;
      const head = raw.subarray(0, headEnd).toString("latin1").toLowerCase();
      const body = raw.subarray(headEnd + 4);
      const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
      if (length !== undefined) return body.length >= Number(length);
      if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return body.includes(Buffer.from("\r\n0\r\n\r\n")) || body.subarray(0, 5).toString() === "0\r\n\r\n";
      return /^http\/1\.[01] (1\d\d|204|304)/.test(head);
    };
    socket.on("data", (chunk: Buffer) => {
      parts.push(chunk);
      if (complete()) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") finish();
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.write(request);
  });
}

/** Asserts the wire shape of an error answer: a protocol code and a message. */
export function expectErrorBody(body: unknown): asserts body is { error: string; message: string } {
  expect(body).toBeTypeOf("object");
  const { error, message } = body as { error?: unknown; message?: unknown };
  expect(isErrorCode(error), `a protocol error code, got ${JSON.stringify(body)}`).toBe(true);
  expect(message).toBeTypeOf("string");
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export interface AgentReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request over a shared keep-alive agent: fast enough for thousands of generated bodies. */
export function keepAliveRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<AgentReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers ?? {}, agent },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(parts).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

export function closeKeepAliveAgent(): void {
  agent.destroy();
}
