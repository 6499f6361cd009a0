/**
 * PROTOCOL.md §8 for requests in Chromium: under CREATE_POLICY=token a browser without a
 * token is told clearly why it cannot make a request (and nothing is stored), while
 * answering a request made with a token stays open to whoever holds the link. With
 * SHOW_SENDER=1 the responder sees who asks before Submit, and the collect page shows the
 * creator (issue 13 §4). The app server is started here because it needs its own policy
 * and bootstrap token.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { formatCollectLink, formatRequestLink, sealRequest } from "../../lib/crypto";
import { expect, Guard, open, test } from "./fixtures";
import { answerRequest, fillRequestForm, forbidRequestLinks, recordCalls } from "./request-helpers";
import { freePort } from "../support/free-port";

let server: ChildProcess | undefined;
let app: string;
const token = `blt_${randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 8)}_${randomBytes(32).toString("base64url")}`;

/** `npm start`'s entry on the build the webServer step made; ready when /api/health answers (polled). */
async function startApp(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["lib/server/start.mjs"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR || ".next",
      HOSTNAME: "127.0.0.1",
      PORT: String(port),
      REDIS_URL: "",
      RATE_LIMIT_CREATE_PER_MINUTE: "0",
      ...env,
    },
    stdio: "ignore",
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return child;
    if (Date.now() > deadline) throw new Error("the app did not answer /api/health");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test.beforeAll(async () => {
  test.setTimeout(600_000);
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  server = await startApp(port, {
    CREATE_POLICY: "token",
    SHOW_SENDER: "1",
    API_TOKENS: `e2e-requester:requests:create:${createHash("sha256").update(token).digest("hex")}`,
  });
});

test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("under CREATE_POLICY=token the request form explains the refusal, and a request made with a token is answered without one", async ({ browser }) => {
  // This test's browsers talk to its own server: a guard of their own, checked at the end.
  const guard = new Guard(app);
  const requester = await browser.newContext({ baseURL: app });
  const answerer = await browser.newContext({ baseURL: app });
  guard.attach(requester);
  guard.attach(answerer);
  const page = await requester.newPage();
  const calls = recordCalls(page);

  const label = `token policy ${randomBytes(6).toString("hex")}`;
  await fillRequestForm(page, guard, { label });
  await page.getByTestId("request-create-button").click();
  await expect(page.getByTestId("request-create-error")).toContainText("only signed-in people or holders of an API token make requests");
  await expect(page.getByTestId("request-label")).toHaveValue(label);
  expect(calls.filter((call) => call === "POST /api/requests")).toHaveLength(1);
  expect(await page.evaluate(() => window.localStorage.getItem("burnlink.sent.v1"))).toBeNull();

  // A script with the token makes the request; a browser without one answers it.
  const sealed = sealRequest({ label });
  const created = await page.request.post("/api/requests", {
    headers: { authorization: `Bearer ${token}` },
    data: { id: sealed.id, writeVerifier: sealed.writeVerifier, collectVerifier: sealed.collectVerifier, label: sealed.label, ttlSeconds: 600, maxResponses: 1 },
  });
  expect(created.status()).toBe(201);
  const links = { requestLink: formatRequestLink(app, sealed.publicKey), collectLink: formatCollectLink(app, sealed.collectKey) };
  forbidRequestLinks(guard, links);
  const responder = await answerer.newPage();
  // The server's word about who asks, shown before anything is sent.
  await open(responder, links.requestLink);
  await expect(responder.getByTestId("respond-form")).toBeVisible();
  await expect(responder.getByTestId("request-sender")).toContainText("Requested by e2e-requester (verified by this server)");
  await expect(responder.getByTestId("request-sender-name")).toHaveText("e2e-requester");
  await answerRequest(responder, guard, links.requestLink, { text: `answer ${randomBytes(6).toString("hex")}` });
  await expect(responder.getByTestId("request-label-text")).toHaveCount(0);

  // The requester's collect page says which credential made the request.
  const collector = await requester.newPage();
  await open(collector, links.collectLink);
  await expect(collector.getByTestId("request-pending")).toHaveText("1 answer");
  await expect(collector.getByTestId("request-creator")).toHaveText('API token "e2e-requester"');

  await requester.close();
  await answerer.close();
  await guard.verify();
});
