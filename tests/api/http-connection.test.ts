/**
 * Keep-alive hygiene (issue 10 item 11): an answer given before the request's body has
 * arrived (413 from Content-Length, or while counting a chunked body) leaves the rest of
 * the upload on the connection, so it must say `Connection: close` and the server must
 * close after it, lingering long enough that the client reads the answer (no reset
 * first). Driven by a raw keep-alive client over node:net, so nothing (fetch's pool,
 * node:http's agent) hides what the server does with the socket.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMALL_BODY_MAX_BYTES } from "@/lib/server/http";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One keep-alive connection that reads answers as they come and records how it ended. */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  /** "end" (FIN from the server), or the error code (ECONNRESET, EPIPE) if one came first. */
  ending: string | undefined;
  /** Whether an answer had been read completely when the connection ended. */
  answersBeforeEnding = 0;
  private answers = 0;
  readonly closed: Promise<void>;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    const ended = (how: string) => {
      if (this.ending === undefined) {
        this.ending = how;
        this.answersBeforeEnding = this.answers;
      }
      this.wake();
    };
    this.socket.on("end", () => ended("end"));
    this.socket.on("error", (error: NodeJS.ErrnoException) => ended(error.code ?? "error"));
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once("connect", () => resolve()));
  }

  /** Writes as long as the socket takes it; a write refused after the server closed is not a failure. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || this.socket.writableEnded) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Parses one whole answer (Content-Length or chunked) off the front of the buffer. */
  private takeResponse(): RawResponse | undefined {
    const headEnd = this.buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) return undefined;
    const [statusLine = "", ...lines] = this.buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let offset = headEnd + 4;
    let body = Buffer.alloc(0);
    if (headers["transfer-encoding"] === "chunked") {
      for (;;) {
        const lineEnd = this.buffer.indexOf("\r\n", offset);
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(this.buffer.subarray(offset, lineEnd).toString("latin1"), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        body = Buffer.concat([body, this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size)]);
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const length = Number(headers["content-length"] ?? "0");
      if (this.buffer.length < offset + length) return undefined;
      body = this.buffer.subarray(offset, offset + length);
      offset += length;
    }
    this.buffer = this.buffer.subarray(offset);
    this.answers += 1;
    return { status: Number(statusLine.split(" ")[1]), headers, body: body.toString("utf8") };
  }

  /** The next whole answer; rejects if the connection ends first. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const response = this.takeResponse();
      if (response) return response;
      if (this.ending !== undefined) throw new Error(`the connection ended (${this.ending}) before a whole answer arrived`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

function requestHead(path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: "127.0.0.1", connection: "keep-alive", ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

const CHECK_PATH = "/api/secrets/AAAAAAAAAAAAAAAAAAAAAA/check";
const SMALL_BODY = JSON.stringify({ access: "A".repeat(43) });
const TOO_LARGE = { error: "too_large", message: `The body exceeds ${SMALL_BODY_MAX_BYTES} bytes.` };
const NOT_FOUND_CODE = "not_found";

/** Keeps uploading `chunk` until the server closes the connection (or `limitBytes`). */
async function uploadUntilClosed(connection: RawConnection, chunk: Buffer | string, limitBytes: number): Promise<void> {
  let sent = 0;
  while (connection.ending === undefined && sent < limitBytes) {
    await connection.write(chunk);
    sent += chunk.length;
  }
}

describe("an answer given before the body arrived", () => {
  let server: NextServer;
  beforeAll(async () => {
    server = await startNextServer();
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("says Connection: close for a declared Content-Length over the cap, closes after it, and a new connection works", async () => {
    const connection = new RawConnection(server.port);
    await connection.connected();
    const declared = 8 * 1024 * 1024;
    await connection.write(requestHead(CHECK_PATH, { "content-type": "application/json", "content-length": String(declared) }));
    // The client keeps sending, as a browser uploading a large file does.
    const uploading = uploadUntilClosed(connection, Buffer.alloc(64 * 1024, 0x61), declared);
    const answer = await connection.response();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    await uploading;
    await connection.closed;
    // The answer was read whole, then a FIN (not a reset) ended the connection.
    expect([connection.answersBeforeEnding, connection.ending]).toEqual([1, "end"]);

    const next = new RawConnection(server.port);
    await next.connected();
    await next.write(requestHead(CHECK_PATH, { "content-type": "application/json", "content-length": String(SMALL_BODY.length) }) + SMALL_BODY);
    const normal = await next.response();
    expect([normal.status, (JSON.parse(normal.body) as { error: string }).error]).toEqual([404, NOT_FOUND_CODE]);
    next.destroy();
  });

  it("says Connection: close for a chunked body that grows over the cap, and ends the connection without a reset first", async () => {
    const connection = new RawConnection(server.port);
    await connection.connected();
    await connection.write(requestHead(CHECK_PATH, { "content-type": "application/json", "transfer-encoding": "chunked" }));
    const piece = "a".repeat(1024);
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    const uploading = uploadUntilClosed(connection, chunk, 8 * 1024 * 1024);
    const answer = await connection.response();
    expect([answer.status, answer.headers.connection]).toEqual([413, "close"]);
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    await uploading;
    await connection.closed;
    // The server half-closed after its answer: a FIN, not a reset, ended the connection.
    expect([connection.answersBeforeEnding, connection.ending]).toEqual([1, "end"]);
  });

  it("logs no failure of its own while closing those connections", () => {
    expect(server.output()).not.toMatch(/failed to pipe|request handler failed|TypeError/);
  });

  it("keeps a connection alive after a body it read whole, so keep-alive still serves the next request", async () => {
    const connection = new RawConnection(server.port);
    await connection.connected();
    const request = requestHead(CHECK_PATH, { "content-type": "application/json", "content-length": String(SMALL_BODY.length) }) + SMALL_BODY;
    await connection.write(request);
    const first = await connection.response();
    expect([first.status, first.headers.connection]).toEqual([404, "keep-alive"]);
    await connection.write(request);
    const second = await connection.response();
    expect(second.status).toBe(404);
    expect(connection.ending).toBeUndefined();
    connection.destroy();
  });
});
