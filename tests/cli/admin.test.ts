/**
 * `burnlink admin token …` and `burnlink send` with a token (PROTOCOL.md §8), through the
 * real CLI bundle against the real server under CREATE_POLICY=token.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { buildCli, runCli } from "./cli-harness";

const ADMIN_TOKEN = `operator-${randomBytes(24).toString("base64url")}`;
let server: NextServer;
let dir: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(path.join(tmpdir(), "burnlink-admin-"));
  server = await startNextServer({
    env: { CREATE_POLICY: "token", ADMIN_TOKEN_SHA256: createHash("sha256").update(ADMIN_TOKEN).digest("hex") },
  });
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
});

const asAdmin = () => ({ BURNLINK_SERVER: server.url, BURNLINK_TOKEN: ADMIN_TOKEN });

describe("burnlink admin token", () => {
  it("creates a token printed once, lists it, lets send use it from BURNLINK_TOKEN or --token-file, and revokes it", async () => {
    const created = await runCli(["admin", "token", "create", "--name", "ci", "--scope", "secrets:create", "--expires", "90d"], { env: asAdmin() });
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^blt_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("shown only this once");
    expect(created.stderr).not.toContain(token);
    const kid = token.slice(4, 12);

    const listed = await runCli(["admin", "token", "list"], { env: asAdmin() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(kid);
    expect(listed.stdout).toContain("ci");
    expect(listed.stdout).not.toContain(token.slice(13));

    const refused = await runCli(["send"], { input: "no token", env: { BURNLINK_SERVER: server.url } });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("lets only authorised senders create secrets; set BURNLINK_TOKEN or use --token-file");

    const sent = await runCli(["send"], { input: "with a token", env: { BURNLINK_SERVER: server.url, BURNLINK_TOKEN: token } });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s#/);

    const file = path.join(dir, "token");
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const fromFile = await runCli(["send", "--token-file", file], { input: "from a file", env: { BURNLINK_SERVER: server.url } });
    expect(fromFile.code, fromFile.stderr).toBe(0);

    const revoked = await runCli(["admin", "token", "revoke", kid], { env: asAdmin() });
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await runCli(["send"], { input: "revoked", env: { BURNLINK_SERVER: server.url, BURNLINK_TOKEN: token } });
    expect(after.code).toBe(5);
    const again = await runCli(["admin", "token", "revoke", kid], { env: asAdmin() });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("has no live token with this id");
  });

  it("revoke --burn-secrets burns every active secret that token created, says how many, and leaves other tokens' secrets alone", async () => {
    const makeToken = async (name: string) => {
      const created = await runCli(["admin", "token", "create", "--name", name, "--scope", "secrets:create"], { env: asAdmin() });
      expect(created.code, created.stderr).toBe(0);
      return created.stdout.trim();
    };
    const leaked = await makeToken("leaked");
    const other = await makeToken("other");
    const send = async (token: string, text: string) => {
      const sent = await runCli(["send", "--json"], { input: text, env: { BURNLINK_SERVER: server.url, BURNLINK_TOKEN: token } });
      expect(sent.code, sent.stderr).toBe(0);
      return JSON.parse(sent.stdout) as { shareLink: string; manageLink: string };
    };
    const mine = [await send(leaked, "first"), await send(leaked, "second")];
    const theirs = await send(other, "not leaked");

    const revoked = await runCli(["admin", "token", "revoke", leaked.slice(4, 12), "--burn-secrets"], { env: asAdmin() });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain(`Token ${leaked.slice(4, 12)} revoked; burned 2 active secrets it created.`);
    for (const { shareLink } of mine) {
      const gone = await runCli(["get", shareLink], { env: { BURNLINK_SERVER: server.url } });
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain("the sender burned this secret");
    }
    expect((await runCli(["send"], { input: "after", env: { BURNLINK_SERVER: server.url, BURNLINK_TOKEN: leaked } })).code).toBe(5);
    const untouched = await runCli(["get", theirs.shareLink], { env: { BURNLINK_SERVER: server.url } });
    expect(untouched.code, untouched.stderr).toBe(0);
    expect(untouched.stdout).toContain("not leaked");

    // Again: the token is gone and nothing is left to burn, which is a not-found.
    const again = await runCli(["admin", "token", "revoke", leaked.slice(4, 12), "--burn-secrets", "--json"], { env: asAdmin() });
    expect(again.code).toBe(3);
  });

  it("never takes a token from the command line, and refuses without an admin token", async () => {
    const argv = await runCli(["admin", "token", "list", "--token", ADMIN_TOKEN], { env: { BURNLINK_SERVER: server.url } });
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain("tokens are never taken from the command line");
    expect(argv.stderr).not.toContain(ADMIN_TOKEN);
    const misplaced = await runCli(["admin", "token", "list", "--burn-secrets"], { env: asAdmin() });
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--burn-secrets goes with burnlink admin token revoke only.");
    const none = await runCli(["admin", "token", "list"], { env: { BURNLINK_SERVER: server.url } });
    expect(none.code).toBe(2);
    const wrong = await runCli(["admin", "token", "list"], { env: { BURNLINK_SERVER: server.url, BURNLINK_TOKEN: "not-the-admin-token" } });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain("did not accept the admin token");
  });
});

describe("burnlink request under CREATE_POLICY=token", () => {
  async function tokenWith(scope: string): Promise<string> {
    const created = await runCli(["admin", "token", "create", "--name", `requests-${scope.replace(":", "-")}`, "--scope", scope], { env: asAdmin() });
    expect(created.code, created.stderr).toBe(0);
    return created.stdout.trim();
  }

  it("sends the token from BURNLINK_TOKEN or --token-file; respond and collect need none", async () => {
    const token = await tokenWith("requests:create");
    const refused = await runCli(["request", "--server", server.url]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("lets only authorised senders create requests; set BURNLINK_TOKEN or use --token-file");

    const file = path.join(dir, "request-token");
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const fromFile = await runCli(["request", "--server", server.url, "--token-file", file]);
    expect(fromFile.code, fromFile.stderr).toBe(0);

    const made = await runCli(["request", "--server", server.url, "--json"], { env: { BURNLINK_TOKEN: token } });
    expect(made.code, made.stderr).toBe(0);
    const { requestLink, collectLink } = JSON.parse(made.stdout) as { requestLink: string; collectLink: string };
    expect(made.stdout).not.toContain(token);
    const answered = await runCli(["respond", requestLink, "--text", "no token needed"]);
    expect(answered.code, answered.stderr).toBe(0);
    const collected = await runCli(["collect", collectLink]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toBe("no token needed");
  });

  it("refuses a token without the requests:create scope with exit 5", async () => {
    const token = await tokenWith("secrets:create");
    const refused = await runCli(["request", "--server", server.url], { env: { BURNLINK_TOKEN: token } });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^burnlink: refused by http:\/\/127\.0\.0\.1:\d+: /);
  });
});
