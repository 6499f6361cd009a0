/**
 * `burnlink get` recovers from a lost reveal answer with its claim (PROTOCOL.md §6),
 * `burnlink collect` from a lost collect answer the same way (§7), and `burnlink status
 * --wait` waits for a state, all against the real server. A small node:http proxy between the
 * CLI and the server forwards the first reveal (or collect), waits for the server's whole
 * answer (so the store ran it), then destroys the CLI's socket: the answer is lost after the
 * view was consumed or the answers were handed over and deleted, which is exactly what a
 * retry with the same claim must survive.
 */
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "@/lib/api/client";
import { EXIT } from "@/lib/cli/exit-codes";
import { collectLinkProofs, collectToken, parseCollectLink } from "@/lib/crypto";
import { startNextServer, type NextServer } from "../support/next-server";
import { buildCli, runCli, type CliResult } from "./cli-harness";

const SHARE_LINK = /^http:\/\/127\.0\.0\.1:\d+\/s#[kp][A-Za-z0-9_-]{43}$/;
const MANAGE_LINK = /http:\/\/127\.0\.0\.1:\d+\/m#m[A-Za-z0-9_-]{65}/;
const REVEAL_PATH = /^\/api\/secrets\/[A-Za-z0-9_-]{22}\/reveal$/;
const COLLECT_PATH = /^\/api\/requests\/[A-Za-z0-9_-]{22}\/collect$/;
const REQUEST_LINK = /^http:\/\/127\.0\.0\.1:\d+\/r#r[A-Za-z0-9_-]{43}$/;
const COLLECT_LINK = /http:\/\/127\.0\.0\.1:\d+\/r#c[A-Za-z0-9_-]{43}/;

interface DroppingProxy {
  readonly url: string;
  /** Calls to the watched path (reveals, unless told otherwise) that reached the server. */
  reveals: number;
  /** Of those, the ones whose answer the proxy threw away after the server had sent it. */
  dropped: number;
  close(): Promise<void>;
}

interface ProxyBehaviour {
  /** Drop the answer of this many reveals (or calls to `path`), starting with the first. */
  dropReveals: number;
  /** The calls to watch and drop; reveals by default. */
  path?: RegExp;
  /** Remove revealGraceSeconds from /api/config, as a v1 server (or grace 0) would answer. */
  hideGrace?: boolean;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function startProxy(target: string, behaviour: ProxyBehaviour): Promise<DroppingProxy> {
  const targetUrl = new URL(target);
  const state = { reveals: 0, dropped: 0 };
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readAll(incoming);
      const isReveal =
        incoming.method === "POST" && (behaviour.path ?? REVEAL_PATH).test(incoming.url ?? "");
      if (isReveal) state.reveals += 1;
      const upstream = request({
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: targetUrl.host },
      });
      upstream.end(body);
      const [answer] = (await once(upstream, "response")) as [IncomingMessage];
      let answerBody = await readAll(answer);
      // The server has answered in full: the store ran the reveal. Now lose its answer.
      if (isReveal && state.dropped < behaviour.dropReveals) {
        state.dropped += 1;
        incoming.socket.destroy();
        return;
      }
      const headers = { ...answer.headers };
      if (behaviour.hideGrace === true && incoming.url === "/api/config") {
        const config = JSON.parse(answerBody.toString("utf8")) as Record<string, unknown>;
        delete config.revealGraceSeconds;
        answerBody = Buffer.from(JSON.stringify(config));
      }
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      outgoing.writeHead(answer.statusCode ?? 502, {
        ...headers,
        "content-length": answerBody.length,
      });
      outgoing.end(answerBody);
    })().catch(() => incoming.socket.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get reveals() {
      return state.reveals;
    },
    get dropped() {
      return state.dropped;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  } as DroppingProxy;
}

/** The same link, pointed at another origin (the fragment is what matters). */
function through(link: string, origin: string): string {
  return link.replace(/^http:\/\/127\.0\.0\.1:\d+/, origin);
}

function context(result: CliResult): string {
  return `exit ${result.code}, stderr: ${result.stderr}`;
}

let server: NextServer;

beforeAll(async () => {
  await buildCli();
  server = await startNextServer({ env: { PASSPHRASE_ATTEMPTS: "3" } });
});

afterAll(async () => {
  await server?.stop();
});

async function send(
  args: string[] = [],
  input = "the launch code",
  env: Record<string, string> = {},
) {
  const result = await runCli(["send", "--server", server.url, ...args], { input, env });
  expect(result.code, context(result)).toBe(0);
  const shareLink = result.stdout.trimEnd();
  expect(shareLink).toMatch(SHARE_LINK);
  const manageLink = MANAGE_LINK.exec(result.stderr)?.[0] ?? "";
  expect(manageLink, result.stderr).not.toBe("");
  return { shareLink, manageLink };
}

async function statusOf(manageLink: string) {
  const result = await runCli(["status", "--json", manageLink]);
  expect(result.code, context(result)).toBe(0);
  return JSON.parse(result.stdout) as {
    state: string;
    viewsLeft: number;
    events: { type: string }[];
  };
}

function views(status: { events: { type: string }[] }): number {
  return status.events.filter((event) => event.type === "viewed").length;
}

describe("burnlink get after a lost reveal answer", () => {
  it("retries with the same claim, prints the secret, and the server counts exactly one view", async () => {
    const { shareLink, manageLink } = await send();
    const proxy = await startProxy(server.url, { dropReveals: 1 });
    try {
      const result = await runCli(["get", through(shareLink, proxy.url)]);
      expect(result.code, context(result)).toBe(0);
      expect(result.stdout).toBe("the launch code");
      expect(result.stderr).toMatch(/retrying in \d+ s with the same claim…/);
      expect(proxy.dropped).toBe(1);
      expect(proxy.reveals).toBe(2);
    } finally {
      await proxy.close();
    }
    const status = await statusOf(manageLink);
    expect(status.state).toBe("viewed");
    expect(views(status)).toBe(1);
  });

  it("with --no-retry gives up after the lost answer and says the view may have been used", async () => {
    const { shareLink, manageLink } = await send();
    const proxy = await startProxy(server.url, { dropReveals: 1 });
    try {
      const result = await runCli(["get", "--no-retry", through(shareLink, proxy.url)]);
      expect(result.code, context(result)).toBe(EXIT.unavailable);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(
        /was lost .* and it was not retried\. The server may have used this view/,
      );
      expect(result.stderr).toMatch(/ask the sender/);
      expect(result.stderr).not.toMatch(/retrying/);
      expect(proxy.reveals).toBe(1);
    } finally {
      await proxy.close();
    }
    const status = await statusOf(manageLink);
    expect(status.state).toBe("viewed");
    expect(views(status)).toBe(1);
  });

  it("does not retry when the server announces no grace (a v1 server)", async () => {
    const { shareLink } = await send();
    const proxy = await startProxy(server.url, { dropReveals: 1, hideGrace: true });
    try {
      const result = await runCli(["get", through(shareLink, proxy.url)]);
      expect(result.code, context(result)).toBe(EXIT.unavailable);
      expect(result.stderr).toMatch(/it was not retried/);
      expect(proxy.reveals).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("never retries a 4xx: a wrong passphrase is one request and one failed attempt", async () => {
    const { shareLink, manageLink } = await send(["--passphrase"], "guarded", {
      BURNLINK_PASSPHRASE: "the passphrase",
    });
    const proxy = await startProxy(server.url, { dropReveals: 0 });
    try {
      const result = await runCli(["get", through(shareLink, proxy.url)], {
        env: { BURNLINK_PASSPHRASE: "not the passphrase" },
      });
      expect(result.code, context(result)).toBe(EXIT.wrongPassphrase);
      expect(result.stderr).not.toMatch(/retrying/);
      expect(proxy.reveals).toBe(1);
    } finally {
      await proxy.close();
    }
    const status = await runCli(["status", "--json", manageLink]);
    expect((JSON.parse(status.stdout) as { failedAttempts: number }).failedAttempts).toBe(1);
  });
});

describe("burnlink collect after a lost collect answer", () => {
  async function request() {
    const made = await runCli(["request", "--server", server.url, "--responses", "2"]);
    expect(made.code, context(made)).toBe(0);
    const requestLink = made.stdout.trimEnd();
    expect(requestLink).toMatch(REQUEST_LINK);
    const collectLink = COLLECT_LINK.exec(made.stderr)?.[0] ?? "";
    expect(collectLink, made.stderr).not.toBe("");
    return { requestLink, collectLink };
  }

  async function requestStatus(collectLink: string) {
    const { collectKey } = parseCollectLink(collectLink);
    return createApiClient(server.url).requestStatus(
      collectLinkProofs(collectKey).id,
      collectToken(collectKey),
    );
  }

  it("retries with the same claim and gets the answers the lost collect handed over", async () => {
    const { requestLink, collectLink } = await request();
    const first = await runCli(["respond", requestLink, "--text", "first"]);
    const second = await runCli(["respond", requestLink, "--text", "second"]);
    expect(first.code, context(first)).toBe(0);
    expect(second.code, context(second)).toBe(0);
    const proxy = await startProxy(server.url, { dropReveals: 1, path: COLLECT_PATH });
    try {
      const result = await runCli(["collect", "--json", through(collectLink, proxy.url)]);
      expect(result.code, context(result)).toBe(0);
      expect(result.stderr).toMatch(/retrying in \d+ s with the same claim…/);
      const report = JSON.parse(result.stdout) as { responses: { text: string; code: string }[] };
      expect(report.responses.map((answer) => answer.text)).toEqual(["first", "second"]);
      expect(report.responses.map((answer) => answer.code)).toEqual([
        first.stdout.trimEnd(),
        second.stdout.trimEnd(),
      ]);
      expect(proxy.dropped).toBe(1);
      expect(proxy.reveals).toBe(2);
    } finally {
      await proxy.close();
    }
    // The first collect delivered them (one event); the retry with the claim recorded nothing.
    const status = await requestStatus(collectLink);
    expect(status.pending).toBe(0);
    expect(status.events.filter((event) => event.type === "collected")).toHaveLength(1);
  });

  it("with --no-retry gives up after the lost answer and says what may have happened", async () => {
    const { requestLink, collectLink } = await request();
    expect((await runCli(["respond", requestLink, "--text", "lost"])).code).toBe(0);
    const proxy = await startProxy(server.url, { dropReveals: 1, path: COLLECT_PATH });
    try {
      const result = await runCli(["collect", "--no-retry", through(collectLink, proxy.url)]);
      expect(result.code, context(result)).toBe(EXIT.unavailable);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(
        /to the collect was lost .* and it was not retried\. The server may have handed the answers over/,
      );
      expect(proxy.reveals).toBe(1);
    } finally {
      await proxy.close();
    }
    expect((await requestStatus(collectLink)).pending).toBe(0);
  });
});

describe("burnlink status --wait", () => {
  it("waits until the secret is viewed, then shows it and exits 0", async () => {
    const { shareLink, manageLink } = await send();
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const waiter = runCli(["status", manageLink, "--wait", "viewed", "--timeout", "2m"], {
      timeoutMs: 150_000,
      onStderr: (text) => {
        if (text.includes("Waiting until the secret is viewed")) waiting();
      },
    });
    await isWaiting;
    const reveal = await runCli(["get", shareLink]);
    expect(reveal.code, context(reveal)).toBe(0);
    const result = await waiter;
    expect(result.code, context(result)).toBe(0);
    expect(result.stdout).toMatch(/^State: +viewed/);
  });

  it("exits 3 when the secret is burned while it waits for viewed, and 0 when it waits for gone", async () => {
    const { manageLink } = await send();
    const waits: Record<string, () => void> = {};
    const started = (name: string) => new Promise<void>((resolve) => (waits[name] = resolve));
    const viewedStarted = started("viewed");
    const goneStarted = started("gone");
    const run = (state: "viewed" | "gone") =>
      runCli(["status", manageLink, "--wait", state, "--timeout", "2m"], {
        timeoutMs: 150_000,
        onStderr: (text) => {
          if (text.includes(`Waiting until the secret is ${state}`)) waits[state]?.();
        },
      });
    const forViewed = run("viewed");
    const forGone = run("gone");
    await Promise.all([viewedStarted, goneStarted]);
    const burn = await runCli(["burn", manageLink]);
    expect(burn.code, context(burn)).toBe(0);
    const [viewed, gone] = await Promise.all([forViewed, forGone]);
    expect(viewed.code, context(viewed)).toBe(EXIT.notFound);
    expect(viewed.stderr).toMatch(/ended without being viewed: it is burned/);
    expect(gone.code, context(gone)).toBe(0);
    expect(gone.stdout).toMatch(/^State: +burned/);
  });

  it("exits 3 when the timeout passes while the secret is still active", async () => {
    const { manageLink } = await send();
    const result = await runCli(["status", manageLink, "--wait", "viewed", "--timeout", "3s"], {
      timeoutMs: 60_000,
    });
    expect(result.code, context(result)).toBe(EXIT.notFound);
    expect(result.stderr).toMatch(/waited 3s and the secret is active, not viewed/);
    expect(result.stdout).toBe("");
  });

  it("refuses a --wait state it does not know, and --timeout without --wait", async () => {
    const { manageLink } = await send();
    const bad = await runCli(["status", manageLink, "--wait", "read"]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--wait takes viewed or gone/);
    const lone = await runCli(["status", manageLink, "--timeout", "5m"]);
    expect(lone.code).toBe(EXIT.usage);
    expect(lone.stderr).toMatch(/--timeout works with --wait only/);
  });
});
