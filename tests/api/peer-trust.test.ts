/**
 * Trust in `x-burnlink-peer` rests on lib/server/start.mjs proving itself per boot (issue 10
 * item 7), not on an environment variable: the same build served by plain `next start`,
 * with the old `BURNLINK_CUSTOM_SERVER=1` copied into its environment, believes no
 * client-sent peer header, and an unknown client then matches no allowlist entry at all.
 * (start.mjs itself, believing the real socket address, is tested in http-network.test.ts.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof } from "@/lib/crypto";
import { freePort } from "../support/free-port";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "../support/global-setup";
import { RATE_LIMITS_OFF, SERVER_START_TIMEOUT_MS } from "../support/next-server";
import { call, eventually, makeSecret, rawRequest, type TestSecret } from "./support";

const IP_NOT_ALLOWED = { error: "ip_not_allowed", message: "This secret cannot be opened from your network address." };

let child: ChildProcess;
let output = "";
let base: string;

beforeAll(async () => {
  await ensureNextBuild();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // A clean environment: nothing of the outer one (no REDIS_URL) but what `next start` needs.
  child = spawn(process.execPath, [path.join(PROJECT_DIR, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: PROJECT_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: nextDistDir(),
      // The knob that used to make the peer header trusted, as a copied .env would set it.
      BURNLINK_CUSTOM_SERVER: "1",
      ...RATE_LIMITS_OFF,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
      try {
        return (await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) })).status === 200;
      } catch {
        return false;
      }
    },
    60_000,
    50,
  );
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});

async function create(allowedIps: string[]): Promise<TestSecret> {
  const secret = await makeSecret({ allowedIps, maxViews: 2 });
  const answer = await call(base, "POST", "/api/secrets", { json: secret.request });
  expect(answer.status).toBe(201);
  return secret;
}

function check(secret: TestSecret, headers: Record<string, string>) {
  return call(base, "POST", `/api/secrets/${secret.request.id}/check`, {
    json: { access: accessProof(secret.sealed.linkKey).access },
    headers,
  });
}

describe("plain `next start` with BURNLINK_CUSTOM_SERVER=1 in its environment", () => {
  it("believes no forged x-burnlink-peer header, with or without a guessed proof", async () => {
    const secret = await create(["203.0.113.0/24"]);
    const forgeries: Record<string, string>[] = [
      { "x-burnlink-peer": "203.0.113.7" },
      { "x-burnlink-peer": "203.0.113.7", "x-burnlink-peer-proof": "A".repeat(43) },
      { "x-burnlink-peer": "203.0.113.7", "x-burnlink-peer-proof": "" },
    ];
    for (const forged of forgeries) {
      const answer = await check(secret, forged);
      expect([answer.status, answer.body]).toEqual([403, IP_NOT_ALLOWED]);
    }
  });

  it("treats every client as unknown, so even ::/0 and the real socket address admit nobody", async () => {
    for (const entry of ["::/0", "127.0.0.1"]) {
      const secret = await create([entry]);
      const answer = await check(secret, { "x-burnlink-peer": "127.0.0.1" });
      expect([entry, answer.status, answer.body]).toEqual([entry, 403, IP_NOT_ALLOWED]);
    }
    const open = await makeSecret();
    expect((await call(base, "POST", "/api/secrets", { json: open.request })).status).toBe(201);
    expect((await check(open, {})).status).toBe(200);
  });

  it("still answers a body it will not read with Connection: close (the route's own header, without start.mjs)", async () => {
    const answer = await rawRequest(base, {
      method: "POST",
      path: "/api/secrets/AAAAAAAAAAAAAAAAAAAAAA/check",
      headers: { "content-type": "application/json", "content-length": "1048576" },
      chunks: ["{}"],
      endBody: false,
    });
    expect([answer.status, answer.headers.get("connection")]).toEqual([413, "close"]);
  });

  it("tells the operator that the socket address is unknown and that the old variable does nothing", () => {
    expect(output).toContain("not started by lib/server/start.mjs");
    expect(output).toContain("BURNLINK_CUSTOM_SERVER is no longer read");
  });
});
