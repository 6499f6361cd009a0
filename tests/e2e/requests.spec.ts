/**
 * Requests in the web app (PROTOCOL.md §7, issue 12 §3), in Chromium against the real
 * server: the requester and each responder are separate browser contexts, and the guard
 * checks that no request of any of them carries the instructions, an answer, R, sk or pk.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Request } from "@playwright/test";
import { requestLinkProofs } from "../../lib/crypto";
import { expect, open, test } from "./fixtures";
import { answerRequest, createRequestInForm, createRequestViaApi, recordCalls } from "./request-helpers";

/** Another tab of the same browser (the same storage), so the page under test keeps its state. */
async function freshPageOf(page: import("@playwright/test").Page) {
  return page.context().newPage();
}

const unique = (prefix: string) => `${prefix} ${randomBytes(6).toString("hex")}`;

test("a request made in one browser is answered with text and files in another, collected once with matching codes, and then says it is answered", async ({
  page,
  guard,
  freshPage,
}) => {
  test.setTimeout(120_000);
  const label = unique("Please send the staging DB password\nand <b>your</b> SSH key");
  const links = await createRequestInForm(page, guard, { label, answers: "Up to 2" });
  await expect(page.getByTestId("collect-keep")).toContainText("Keep this: it is the only way to read the answers.");
  await expect(page.getByTestId("request-summary")).toContainText("Up to 2 answers");
  await expect(page.getByTestId("share-qr")).toBeVisible();

  // Only the collect link is kept in this browser: not the request link, not the instructions.
  const stored = await page.evaluate(() => window.localStorage.getItem("burnlink.sent.v1") ?? "");
  expect(stored).toContain(new URL(links.collectLink).hash.slice(1));
  expect(stored).not.toContain(new URL(links.requestLink).hash.slice(2));
  expect(stored).not.toContain("staging");
  await expect(page.getByTestId("sent-entry").and(page.locator("[data-kind=request]"))).toHaveCount(1);
  await page.getByTestId("sent-list").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("sent-status")).toHaveText("Waiting for an answer");

  // The responder sees the instructions as text, and nothing that changes state leaves
  // their browser before Submit: the config and a check, which consumes nothing.
  const responder = await freshPage();
  const calls = recordCalls(responder);
  await open(responder, links.requestLink);
  await expect(responder.getByTestId("request-label-text")).toHaveText(label);
  await expect(responder.getByTestId("request-label-text").locator("b")).toHaveCount(0);
  await expect(responder.getByTestId("request-summary")).toContainText("takes 2 more answers");
  const text = unique("hunter2 password");
  const files = [
    { name: "id_ed25519.pub", mimeType: "text/plain", buffer: Buffer.from(`ssh-ed25519 AAAA${randomBytes(24).toString("base64")} me@host\n`) },
    { name: "blob.bin", mimeType: "application/octet-stream", buffer: randomBytes(70_000) },
  ];
  guard.forbid("answer file", files[0]!.buffer.toString("utf8").trim());
  guard.forbid("answer file bytes", files[1]!.buffer);
  await responder.getByTestId("respond-text").fill(text);
  guard.forbid("answer text", text);
  await responder.getByTestId("file-input").setInputFiles(files);
  await expect(responder.getByRole("list", { name: "Attached files" }).getByRole("listitem")).toHaveCount(2);
  await expect(responder.getByTestId("size-meter")).toContainText("once encrypted");
  expect(calls.filter((call) => !/^(GET \/api\/config|POST \/api\/requests\/[\w-]{22}\/check)$/.test(call)), "before Submit").toEqual([]);
  expect(calls.some((call) => call.endsWith("/check"))).toBe(true);
  await responder.getByTestId("respond-button").click();
  await expect(responder.getByTestId("respond-sent")).toContainText("The requester can now collect it; nothing else to send.");
  const firstCode = (await responder.getByTestId("respond-code").textContent()) ?? "";
  expect(firstCode).toMatch(/^\d{6}$/);
  expect(calls.filter((call) => call.endsWith("/responses"))).toHaveLength(1);

  // The requester's collect page: status first (a GET), answers only on a click.
  const collectCalls = recordCalls(page);
  await open(page, links.collectLink);
  await expect(page.getByTestId("request-state")).toHaveText("Open");
  await expect(page.getByTestId("request-pending")).toHaveText("1 answer");
  await expect(page.getByTestId("request-event-responded")).toHaveCount(1);
  expect(collectCalls.filter((call) => call.endsWith("/collect"))).toEqual([]);
  await page.getByTestId("collect-button").click();
  const answers = page.getByTestId("collected-answer");
  await expect(answers).toHaveCount(1);
  await expect(answers.first().getByTestId("answer-code")).toHaveText(firstCode);
  await expect(answers.first().getByTestId("revealed-text")).toHaveValue(text);
  const rows = answers.first().getByTestId("revealed-file");
  await expect(rows).toHaveCount(files.length);
  for (const [index, file] of files.entries()) {
    const row = rows.nth(index);
    await expect(row.getByTestId("revealed-file-name")).toHaveText(file.name);
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: /Download/ }).click()]);
    expect((await readFile(await download.path())).equals(file.buffer), `${file.name} differs after the round trip`).toBe(true);
  }
  // As on /s: once collected, the key is out of the address bar and this tab's history.
  expect(new URL(page.url()).hash).toBe("");
  await expect(page.getByTestId("collect-done")).toBeVisible();

  // A reload finds no key in the address bar, and says where the collect link is kept.
  const reloaded = await freshPageOf(page);
  await open(reloaded, "/r");
  await expect(reloaded.getByTestId("request-no-link")).toContainText("Sent from this browser");
  await reloaded.close();

  // A second collect hands over nothing new, and says so.
  await page.getByTestId("collect-button").click();
  await expect(page.getByTestId("collect-nothing-new")).toContainText("Nothing new since you last opened the answers");
  await expect(answers).toHaveCount(1);
  await expect(page.getByTestId("request-event-collected")).toHaveCount(1);

  // A second responder fills the inbox; the code is theirs, not the first one's.
  const second = await freshPage();
  const secondCode = await answerRequest(second, guard, links.requestLink, { text: unique("second answer") });
  await page.getByTestId("collect-button").click();
  await expect(answers).toHaveCount(2);
  await expect(answers.nth(1).getByTestId("answer-code")).toHaveText(secondCode);
  await expect(page.getByTestId("request-state")).toHaveText("Answered");

  // A third person with the link is told it is answered, before typing anything.
  const third = await freshPage();
  await open(third, links.requestLink);
  await expect(third.getByTestId("request-gone-answered")).toContainText("already been answered");
  await expect(third.getByTestId("respond-form")).toHaveCount(0);

  // The sent list follows: answered, nothing left to collect.
  await open(page, "/");
  await page.getByTestId("mode-request").click();
  await page.getByTestId("sent-list").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("sent-status")).toHaveText("Answered; nothing left to collect");
});

test("a revoked request explains itself to the responder, and an answer refused at Submit stays in the form", async ({ page, guard, freshPage }) => {
  const links = await createRequestInForm(page, guard, { label: unique("revoke me"), answers: "Up to 3" });

  // The responder opened the link while it was open and is typing...
  const responder = await freshPage();
  await open(responder, links.requestLink);
  await expect(responder.getByTestId("respond-form")).toBeVisible();
  const text = unique("too late answer");
  guard.forbid("answer text", text);
  await responder.getByTestId("respond-text").fill(text);

  // ...when the requester revokes it, after confirming.
  await open(page, links.collectLink);
  await page.getByTestId("revoke-button").click();
  await expect(page.getByRole("group", { name: "Confirm revoking" })).toBeVisible();
  await page.getByTestId("revoke-confirm").click();
  await expect(page.getByTestId("request-state")).toHaveText("Revoked");
  await expect(page.getByTestId("request-event-revoked")).toHaveCount(1);
  await expect(page.getByTestId("revoke-button")).toHaveCount(0);

  await responder.getByTestId("respond-button").click();
  await expect(responder.getByTestId("respond-error")).toContainText("not stored");
  await expect(responder.getByTestId("request-gone-revoked")).toBeVisible();
  await expect(responder.getByTestId("respond-text")).toHaveValue(text);

  // Anyone opening the link now is told at once.
  await responder.reload();
  await expect(responder.getByTestId("request-gone-revoked")).toContainText("The requester closed this request");
});

test("an expired request explains itself to the responder", async ({ page, guard, request, baseURL }) => {
  const config = await (await request.get("/api/config")).json();
  const ttlSeconds = 2;
  expect(config.minTtlSeconds, "playwright.config.ts lowers MIN_TTL_SECONDS for this test").toBeLessThanOrEqual(ttlSeconds);
  const links = await createRequestViaApi(request, new URL(baseURL ?? "").origin, guard, { label: unique("expires soon"), ttlSeconds, maxResponses: 1 });
  const { id, write } = requestLinkProofs(Buffer.from(new URL(links.requestLink).hash.slice(2), "base64url"));
  await expect
    .poll(async () => (await request.post(`/api/requests/${id}/check`, { data: { write } })).status(), { timeout: (ttlSeconds + 10) * 1000 })
    .toBe(410);
  await open(page, links.requestLink);
  await expect(page.getByTestId("request-gone-expired")).toContainText(/stopped taking answers at .*\d{1,2}:\d{2}/);
});

test("any other fragment on /r is refused with a message and sends no request", async ({ page, guard }) => {
  const calls = recordCalls(page);
  const key = randomBytes(32).toString("base64url");
  const cases: [string, RegExp][] = [
    [`/r#k${key}`, /share or manage link/],
    [`/r#x${key}`, /should start with r \(request\) or c \(collect\)/],
    [`/r#r${key.slice(0, 20)}`, /./],
    [`/r#c${key}AA`, /./],
  ];
  for (const [path, message] of cases) {
    guard.forbid("fragment under test", path.slice(3));
    await open(page, path);
    await expect(page.getByTestId("malformed-link")).toContainText(message);
  }
  expect(calls).toEqual([]);
});

test("an unknown request link says so; the home page's tabs work with the keyboard", async ({ page }) => {
  await open(page, `/r#r${randomBytes(32).toString("base64url")}`);
  await expect(page.getByTestId("request-not-found")).toBeVisible();
  await open(page, `/r#c${randomBytes(32).toString("base64url")}`);
  await expect(page.getByTestId("request-not-found")).toContainText("no request for this collect link");

  await open(page, "/");
  await expect(page.getByTestId("mode-share")).toHaveAttribute("aria-selected", "true");
  await page.getByTestId("mode-share").focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("mode-request")).toBeFocused();
  await expect(page.getByTestId("mode-request")).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("request-form")).toBeVisible();
  await expect(page.getByTestId("create-form")).toHaveCount(0);
  await page.keyboard.press("Home");
  await expect(page.getByTestId("create-form")).toBeVisible();
});

test("a collect reply lost after the store handed the answers over is retried with the same claim and still shows them", async ({ page, guard, freshPage }) => {
  const links = await createRequestInForm(page, guard, { label: unique("lost collect"), answers: "Up to 2" });
  const responder = await freshPage();
  const text = unique("answer worth keeping");
  const code = await answerRequest(responder, guard, links.requestLink, { text });

  guard.expectConsoleError(/net::ERR_FAILED/);
  const collects: Request[] = [];
  let firstStatus = 0;
  let releaseRetry = () => {};
  const retryReleased = new Promise<void>((resolve) => {
    releaseRetry = resolve;
  });
  await page.route("**/api/requests/*/collect", async (route) => {
    collects.push(route.request());
    if (collects.length === 1) {
      // The store runs the collect (the answers are handed over and deleted), then the reply is lost.
      const answer = await route.fetch();
      firstStatus = answer.status();
      await route.abort("failed");
      return;
    }
    await retryReleased;
    await route.continue();
  });

  await open(page, links.collectLink);
  await expect(page.getByTestId("request-pending")).toHaveText("1 answer");
  await page.getByTestId("collect-button").click();
  await expect(page.getByTestId("collect-retrying")).toContainText("Retrying…");
  expect(firstStatus).toBe(200);
  releaseRetry();

  const answers = page.getByTestId("collected-answer");
  await expect(answers).toHaveCount(1);
  await expect(answers.first().getByTestId("answer-code")).toHaveText(code);
  await expect(answers.first().getByTestId("revealed-text")).toHaveValue(text);
  expect(collects).toHaveLength(2);
  const [first, second] = collects.map((request) => (request.postDataJSON() as { claim?: unknown }).claim);
  expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(second).toBe(first);
  await expect(page.getByTestId("request-pending")).toHaveText("0 answers");
  // The claim lived in the tab's memory only.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(stored).not.toContain(String(first));
});
