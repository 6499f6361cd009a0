/**
 * Interop between the two clients of PROTOCOL.md (issue 6): a secret made by the
 * `burnlink` CLI opens in the web app in Chromium, and one made in the web app opens
 * in the CLI, byte for byte, on the same running server. The CLI runs as its built
 * bundle (lib/cli/dist, made by `npm install`'s prepare step, or here when missing).
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSecret, expect, open, reveal, test } from "./fixtures";

const CLI = path.resolve("lib/cli/burnlink.mjs");

test.beforeAll(() => {
  if (!existsSync(path.resolve("lib/cli/dist/burnlink.mjs"))) {
    execFileSync("npm", ["run", "--silent", "prepare"], { stdio: "inherit" });
  }
});

interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runCli(args: string[], options: { stdin?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

test("a text secret sent by the CLI with a passphrase opens in the web app", async ({ page, baseURL, guard }) => {
  const text = `from the terminal ${randomBytes(8).toString("hex")}\nline two ✓`;
  const passphrase = `cli pass ${randomBytes(4).toString("hex")}`;
  guard.forbid("plaintext", text);
  guard.forbid("passphrase", passphrase);
  const sent = await runCli(["send", "--server", baseURL!, "--passphrase", "--views", "1"], {
    stdin: text,
    env: { BURNLINK_PASSPHRASE: passphrase },
  });
  expect(sent.stderr, "CLI stderr").not.toContain(passphrase);
  expect(sent.code, sent.stderr).toBe(0);
  const shareLink = sent.stdout.toString().trim();
  expect(shareLink).toMatch(/\/s#p[A-Za-z0-9_-]{43}$/);
  guard.forbidLinks(shareLink);

  await reveal(page, shareLink, passphrase);
  await expect(page.getByTestId("revealed-text")).toHaveValue(text);
});

test("files sent by the CLI download from the web app byte for byte", async ({ page, baseURL, guard }) => {
  const dir = await mkdtemp(path.join(tmpdir(), "burnlink-interop-"));
  try {
    const files = { "id_ed25519": randomBytes(3_000), "config.env": Buffer.from(`TOKEN=${randomBytes(12).toString("hex")}\n`) };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
    const note = `a note ${randomBytes(6).toString("hex")}`;
    guard.forbid("note", note);
    const sent = await runCli(["send", "--server", baseURL!, "--json", "--text", note, ...Object.keys(files)], { cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
    const { shareLink, manageLink } = JSON.parse(sent.stdout.toString()) as { shareLink: string; manageLink: string };
    guard.forbidLinks(shareLink, manageLink);

    await reveal(page, shareLink);
    await expect(page.getByTestId("revealed-text")).toHaveValue(note);
    const rows = page.getByTestId("revealed-file");
    await expect(rows).toHaveCount(2);
    for (const [index, [name, bytes]] of Object.entries(files).entries()) {
      const row = rows.nth(index);
      await expect(row.getByTestId("revealed-file-name")).toHaveText(name);
      const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: /Download/ }).click()]);
      expect((await readFile(await download.path())).equals(bytes), `${name} differs`).toBe(true);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a secret made in the web app opens in the CLI, text and files byte for byte", async ({ page, guard }) => {
  const text = `from the browser ${randomBytes(8).toString("hex")}\nünïcödé ✓`;
  const passphrase = `web pass ${randomBytes(4).toString("hex")}`;
  const fileBytes = randomBytes(20_000);
  const { shareLink, manageLink } = await createSecret(page, guard, {
    text,
    passphrase,
    views: "2 times",
    files: [{ name: "report.bin", mimeType: "application/octet-stream", buffer: fileBytes }],
  });

  const checked = await runCli(["get", "--check", shareLink]);
  expect(checked.code, checked.stderr).toBe(0);
  expect(checked.stdout.toString() + checked.stderr).toMatch(/2/);

  const dir = await mkdtemp(path.join(tmpdir(), "burnlink-interop-"));
  try {
    // --only: the file the recipient expects goes into dir itself, not a fresh sub-folder (issue 10 item 17).
    const got = await runCli(["get", shareLink, "-o", dir, "--only", "report.bin"], { env: { BURNLINK_PASSPHRASE: passphrase } });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.toString()).toBe(text);
    expect(await readdir(dir)).toEqual(["report.bin"]);
    expect((await readFile(path.join(dir, "report.bin"))).equals(fileBytes)).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // The CLI's view shows on the web app's manage page, and the web app's burn ends it for the CLI.
  await open(page, manageLink);
  await expect(page.getByText("Viewed", { exact: false }).first()).toBeVisible();
  const status = await runCli(["status", "--json", manageLink]);
  expect(status.code, status.stderr).toBe(0);
  expect(JSON.parse(status.stdout.toString())).toMatchObject({ state: "active", viewsLeft: 1 });
  const burned = await runCli(["burn", manageLink]);
  expect(burned.code, burned.stderr).toBe(0);
  const after = await runCli(["get", shareLink], { env: { BURNLINK_PASSPHRASE: passphrase } });
  expect(after.code).toBe(3);
  expect(after.stderr).toMatch(/burn/i);
});
