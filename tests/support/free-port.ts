/**
 * Asks the operating system for a TCP port that is free right now on 127.0.0.1.
 * Another process may still take it before the caller binds it; callers that
 * start a server on it (tests/support/redis-server.ts) retry on a clash.
 */
import { createServer } from "node:net";

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close(() => reject(new Error("The OS gave no TCP port")));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
