/**
 * The standalone bundle alone serves the app: `npm run build`'s `<distDir>/standalone`
 * folder, copied somewhere else with nothing beside it, runs `node lib/server/start.mjs`
 * as an unprivileged user (setpriv), answers the API and carries one browser journey in
 * Chromium. The Dockerfile copies the same folder and runs the same command.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSecret, revealProofs } from "@/lib/crypto/secret";
import { call, eventually, makeSecret } from "../api/support";
import { freePort } from "../support/free-port";
import { CHROMIUM_LAUNCH_OPTIONS } from "../support/chromium";
import { ensureNextBuild, nextDistDir, PROJECT_DIR } from "../support/global-setup";
import { SERVER_START_TIMEOUT_MS } from "../support/next-server";

/** `nobody`/`nogroup` on Debian. */
const UNPRIVILEGED_ID = "65534";

/** The processes `pid` started (start.mjs runs the server in a heap-capped worker). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** RSS of the process and everything it started: what the server costs. */
function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kilobytes = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return Math.round(kilobytes / 1024) + childrenOf(pid).reduce((sum, child) => sum + rssMegabytes(child), 0);
}

function uidOf(pid: number): string {
  return /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "";
}

describe("the standalone bundle", () => {
  let bundleDir: string;
  let server: ChildProcess;
  let baseUrl: string;
  let output = "";
  let browser: Browser | undefined;

  beforeAll(async () => {
    await ensureNextBuild();
    execFileSync(
      process.execPath,
      [path.join(PROJECT_DIR, "lib", "server", "assemble-standalone.mjs")],
      {
        cwd: PROJECT_DIR,
        env: { ...process.env, NEXT_DIST_DIR: nextDistDir() },
        stdio: "ignore",
      },
    );
    const parent = mkdtempSync(path.join(tmpdir(), "burnlink-standalone-"));
    chmodSync(parent, 0o755);
    bundleDir = path.join(parent, "burnlink");
    cpSync(path.join(PROJECT_DIR, nextDistDir(), "standalone"), bundleDir, {
      recursive: true,
      verbatimSymlinks: true,
    });
    execFileSync("chmod", ["-R", "a+rX", bundleDir]);

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(
      "setpriv",
      [
        `--reuid=${UNPRIVILEGED_ID}`,
        `--regid=${UNPRIVILEGED_ID}`,
        "--clear-groups",
        "--",
        process.execPath,
        "lib/server/start.mjs",
      ],
      {
        cwd: bundleDir,
        // Nothing of the test's environment: a store variable there must not leak in.
        env: {
          NODE_ENV: "production",
          PATH: process.env.PATH,
          HOME: "/nonexistent",
          PORT: String(port),
          HOSTNAME: "127.0.0.1",
          NEXT_DIST_DIR: nextDistDir(),
          NEXT_TELEMETRY_DISABLED: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    server.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => {
      if (server.exitCode !== null)
        throw new Error(`the bundle exited with ${server.exitCode}:\n${output}`);
      return fetch(`${baseUrl}/api/health`).then(
        (response) => response.ok,
        () => false,
      );
    }, 60_000);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
  });

  it("runs as an unprivileged user, from the copied folder alone", () => {
    expect(uidOf(server.pid!)).toBe(UNPRIVILEGED_ID);
    for (const worker of childrenOf(server.pid!)) expect(uidOf(worker)).toBe(UNPRIVILEGED_ID);
    expect(output).toContain("burnlink: listening");
    const sizeMegabytes = Number(
      execFileSync("du", ["-sm", bundleDir], { encoding: "utf8" }).split("\t")[0],
    );
    const idleRss = rssMegabytes(server.pid!);
    console.log(
      `[deploy] standalone ${JSON.stringify({ folderMegabytes: sizeMegabytes, idleRssMegabytes: idleRss })}`,
    );
    // Budgets with room: the folder is ~45 MB and an idle server ~100 MB on this machine.
    expect(sizeMegabytes).toBeLessThan(150);
    expect(idleRss).toBeLessThan(300);
  });

  it("answers the API: create, check, reveal once, then gone", async () => {
    const { sealed, request } = await makeSecret({ content: { text: "from the bundle" } });
    expect((await call(baseUrl, "POST", "/api/secrets", { json: request })).status).toBe(201);
    const proofs = await revealProofs(sealed.linkKey);
    expect(
      (
        await call(baseUrl, "POST", `/api/secrets/${sealed.id}/check`, {
          json: { access: proofs.access },
        })
      ).status,
    ).toBe(200);
    const revealed = await call(baseUrl, "POST", `/api/secrets/${sealed.id}/reveal`, {
      json: { access: proofs.access, unlock: proofs.unlock },
    });
    expect(revealed.status).toBe(200);
    expect(
      openSecret((revealed.body as { ciphertext: string }).ciphertext, proofs.encryptionKey).text,
    ).toBe("from the bundle");
    const again = await call(baseUrl, "POST", `/api/secrets/${sealed.id}/reveal`, {
      json: { access: proofs.access, unlock: proofs.unlock },
    });
    expect([again.status, (again.body as { reason?: string }).reason]).toEqual([410, "viewed"]);
  });

  it("carries a browser journey: create in one page, reveal in another", async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    const sender = await (await browser.newContext()).newPage();
    await sender.goto(`${baseUrl}/`);
    await sender.locator("html[data-hydrated]").waitFor({ state: "attached" });
    const text = `standalone journey ${Date.now()}`;
    await sender.getByTestId("secret-text").fill(text);
    await sender.getByTestId("create-button").click();
    const shareLink = await sender.getByTestId("share-link").inputValue();
    expect(shareLink).toMatch(/\/s#k[A-Za-z0-9_-]{43}$/);

    const recipient = await (await browser.newContext()).newPage();
    await recipient.goto(shareLink);
    await recipient.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await recipient.getByTestId("reveal-button").click();
    await recipient.getByTestId("revealed-text").waitFor();
    expect(await recipient.getByTestId("revealed-text").inputValue()).toBe(text);
  });
});
