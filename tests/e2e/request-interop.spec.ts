/**
 * Issue 12 §4's interop of requests between the web app in Chromium and the `burnlink` CLI
 * (PROTOCOL.md §7), byte for byte, on the same running server: a request made in the
 * browser is answered by the CLI and collected in the browser, and one made by the CLI is
 * answered in the browser and collected by the CLI. The CLI runs as its built bundle
 * (lib/cli/dist, made here when missing); BURNLINK_CLI may name another build of it.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, open, test } from "./fixtures";
import { createRequestInForm, forbidRequestLinks } from "./request-helpers";

const CLI = path.resolve(process.env.BURNLINK_CLI ?? "lib/cli/burnlink.mjs");

test.beforeAll(() => {
  if (process.env.BURNLINK_CLI === undefined && !existsSync(path.resolve("lib/cli/dist/burnlink.mjs"))) {
    execFileSync("npm", ["run", "--silent", "prepare"], { stdio: "inherit" });
  }
});

interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runCli(args: string[], options: { stdin?: string | Buffer; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: process.env, stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

test("a request made in the web app is answered by the CLI with text and files and collected in the browser, byte for byte", async ({ page, guard }) => {
  const label = `from the browser ${randomBytes(6).toString("hex")}`;
  const links = await createRequestInForm(page, guard, { label });

  const dir = await mkdtemp(path.join(tmpdir(), "burnlink-request-interop-"));
  try {
    const files = { "id_ed25519.pub": Buffer.from(`ssh-ed25519 AAAA${randomBytes(24).toString("base64")} cli@host\n`), "blob.bin": randomBytes(30_000) };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
    const note = `cli note ${randomBytes(6).toString("hex")}`;
    guard.forbid("note", note);
    const answered = await runCli(["respond", links.requestLink, ...Object.keys(files), "--text", note, "--json"], { cwd: dir });
    expect(answered.code, answered.stderr).toBe(0);
    // The CLI showed the browser's instructions.
    expect(answered.stderr).toContain(label);
    const { code } = JSON.parse(answered.stdout.toString()) as { code: string };
    expect(code).toMatch(/^\d{6}$/);

    await open(page, links.collectLink);
    await page.getByTestId("collect-button").click();
    const answer = page.getByTestId("collected-answer");
    await expect(answer).toHaveCount(1);
    await expect(answer.getByTestId("answer-code")).toHaveText(code);
    await expect(answer.getByTestId("revealed-text")).toHaveValue(note);
    const rows = answer.getByTestId("revealed-file");
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

test("a request made by the CLI is answered in the web app and collected by the CLI, byte for byte", async ({ page, baseURL, guard }) => {
  const label = `from the terminal ${randomBytes(6).toString("hex")}\nline two`;
  guard.forbid("instructions", label);
  const made = await runCli(["request", "--server", baseURL!, "--label", label, "--responses", "1", "--json"]);
  expect(made.code, made.stderr).toBe(0);
  const links = JSON.parse(made.stdout.toString()) as { requestLink: string; collectLink: string };
  forbidRequestLinks(guard, links);

  await open(page, links.requestLink);
  await expect(page.getByTestId("request-label-text")).toHaveText(label);
  const text = `browser answer ${randomBytes(8).toString("hex")}\nünïcödé ✓`;
  guard.forbid("answer text", text);
  const fileBytes = randomBytes(25_000);
  guard.forbid("answer file", fileBytes);
  await page.getByTestId("respond-text").fill(text);
  await page.getByTestId("file-input").setInputFiles([{ name: "report.bin", mimeType: "application/octet-stream", buffer: fileBytes }]);
  await page.getByTestId("respond-button").click();
  const code = (await page.getByTestId("respond-code").textContent()) ?? "";
  expect(code).toMatch(/^\d{6}$/);

  const dir = await mkdtemp(path.join(tmpdir(), "burnlink-request-interop-"));
  try {
    const collected = await runCli(["collect", links.collectLink, "-o", dir, "--only", "report.bin", "--json"]);
    expect(collected.code, collected.stderr).toBe(0);
    const result = JSON.parse(collected.stdout.toString()) as { responses: { n: number; code: string; text?: string }[] };
    expect(result.responses).toHaveLength(1);
    expect(result.responses[0]).toMatchObject({ n: 1, code, text });
    expect((await readFile(path.join(dir, "report.bin"))).equals(fileBytes)).toBe(true);

    // Each answer is delivered once: a second collect by the CLI finds nothing (exit 3).
    const again = await runCli(["collect", links.collectLink]);
    expect(again.code, again.stderr).toBe(3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
