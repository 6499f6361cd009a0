/**
 * COMPRESS (start.mjs): on by default, Next gzips answers of 1 KiB and more when the
 * client asks, on both the direct /api path and the router; COMPRESS=0 turns that off
 * everywhere (for a proxy that compresses).
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";

/** The Content-Encoding of a gzip-accepting GET (undefined: sent as is). */
function encodingOf(port: number, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent: false, headers: { "accept-encoding": "gzip" } }, (response) => {
      response.resume();
      response.once("end", () => resolve(response.headers["content-encoding"]));
    });
    request.once("error", reject);
  });
}

describe("COMPRESS", () => {
  let on: NextServer;
  let off: NextServer;
  beforeAll(async () => {
    [on, off] = await Promise.all([startNextServer(), startNextServer({ env: { COMPRESS: "0" } })]);
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([on?.stop(), off?.stop()]);
  });

  it("gzips large answers by default, on the direct /api path and through the router", async () => {
    expect(await encodingOf(on.port, "/api/openapi.json")).toBe("gzip");
    expect(await encodingOf(on.port, "/")).toBe("gzip");
  });

  it("sends them as they are with COMPRESS=0", async () => {
    expect(await encodingOf(off.port, "/api/openapi.json")).toBeUndefined();
    expect(await encodingOf(off.port, "/")).toBeUndefined();
  });

  it("refuses a value other than 1 or 0, naming the variable", async () => {
    const failure = await startNextServer({ env: { COMPRESS: "yes" } }).then(
      async (started) => {
        await started.stop();
        return new Error("the server started");
      },
      (error: Error) => error,
    );
    expect(failure.message).toContain("burnlink: COMPRESS must be 1 or 0");
  }, SERVER_START_TIMEOUT_MS);
});
