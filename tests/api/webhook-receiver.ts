/**
 * A real webhook receiver for the tests (node:http on a free port) that verifies every
 * delivery with `standardwebhooks`, the reference library of the Standard Webhooks spec,
 * not with Burnlink's own code. It can be told how to answer (status, headers, a body of
 * any size, no answer at all), taken down and brought back on the same port.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import { freePort } from "../support/free-port";

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the reference library returned for each secret (all must verify). */
  payload: unknown;
  atMs: number;
}

export type Answer =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Stream this many bytes of body (after a 200), or forever with Infinity. */
  | { status: number; streamBytes: number }
  /** Accept the request and never answer. */
  | { hang: true };

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Verified deliveries, in arrival order. */
  readonly deliveries: Delivery[];
  /** Requests whose signature did not verify with every secret. */
  readonly unverified: number;
  /** Every request seen, verified or not, by path. */
  readonly requests: { path: string; atMs: number }[];
  /** Bytes of answer body written before the client went away (streamBytes answers). */
  readonly streamedBytes: number;
  /** How the next request is answered (default 204). */
  answer: (request: { path: string; count: number }) => Answer;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(secrets: readonly string[]): Promise<Receiver> {
  const verifiers = secrets.map((secret) => new Webhook(secret));
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const state = {
    deliveries: [] as Delivery[],
    requests: [] as { path: string; atMs: number }[],
    unverified: 0,
    streamedBytes: 0,
  };

  const stream = (response: ServerResponse, total: number) => {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        state.streamedBytes += chunk.length;
        if (!response.write(chunk)) {
          response.once("drain", pump);
          return;
        }
      }
      response.end();
    };
    response.on("close", () => response.removeAllListeners("drain"));
    pump();
  };

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    get deliveries() {
      return state.deliveries;
    },
    get unverified() {
      return state.unverified;
    },
    get requests() {
      return state.requests;
    },
    get streamedBytes() {
      return state.streamedBytes;
    },
    answer: () => ({ status: 204 }),
    async up() {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const path = request.url ?? "/";
          state.requests.push({ path, atMs: Date.now() });
          const headers = request.headers as Record<string, string>;
          try {
            const payloads = verifiers.map((verifier) => verifier.verify(body, headers));
            state.deliveries.push({ path, headers: request.headers, body, payload: payloads[0], atMs: Date.now() });
          } catch {
            state.unverified++;
          }
          const answer = receiver.answer({ path, count: state.requests.length });
          if ("hang" in answer) return;
          if ("streamBytes" in answer) {
            response.writeHead(answer.status, { "content-type": "text/plain" });
            stream(response, answer.streamBytes);
            return;
          }
          response.writeHead(answer.status, answer.headers ?? {});
          response.end(answer.body ?? "");
        });
      });
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => resolve());
      });
    },
    async down() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    close() {
      return receiver.down();
    },
  };
  await receiver.up();
  return receiver;
}
