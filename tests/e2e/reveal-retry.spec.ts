/**
 * Issue 11 §2 and PROTOCOL.md §6 in the browser: a reveal whose answer is lost after the
 * store ran it is retried with the same claim and still shows the secret, costing one view;
 * a store that stays unavailable ends, after the grace, in a message that does not pretend
 * nothing was opened. Also §8's sender line and the create page's Sharing safely hint.
 */
import { randomBytes } from "node:crypto";
import type { Request } from "@playwright/test";
import { createSecret, expect, open, test } from "./fixtures";

const REVEAL_URL = "**/api/secrets/*/reveal";

function uniqueText(label: string): string {
  return `${label} ${randomBytes(9).toString("base64url")}`;
}

function claimOf(request: Request): unknown {
  return (request.postDataJSON() as { claim?: unknown }).claim;
}

test("a reveal answer lost after the store ran it is retried with the same claim, shows the secret and costs one view", async ({
  page,
  guard,
  freshPage,
}) => {
  const text = uniqueText("lost answer");
  const { shareLink, manageLink } = await createSecret(page, guard, { text });

  const recipient = await freshPage();
  guard.expectConsoleError(/net::ERR_FAILED/);
  const reveals: Request[] = [];
  let firstAnswerStatus = 0;
  let releaseRetry = () => {};
  const retryReleased = new Promise<void>((resolve) => {
    releaseRetry = resolve;
  });
  await recipient.route(REVEAL_URL, async (route) => {
    reveals.push(route.request());
    if (reveals.length === 1) {
      // Let the server run the reveal (the view is consumed, the claim recorded), then lose the answer.
      const answer = await route.fetch();
      firstAnswerStatus = answer.status();
      await route.abort("failed");
      return;
    }
    // Hold the retry until the test has seen the page say it is retrying.
    await retryReleased;
    await route.continue();
  });

  await open(recipient, shareLink);
  await expect(recipient.getByTestId("reveal-sender")).toHaveCount(0);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("reveal-retrying")).toContainText("Retrying…");
  await expect(recipient.getByTestId("reveal-button")).toHaveText("Retrying…");
  expect(firstAnswerStatus).toBe(200);
  releaseRetry();

  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  await expect(recipient.getByTestId("revealed-notice")).toContainText(
    "The server copy is now deleted",
  );
  expect(reveals).toHaveLength(2);
  const [first, second] = reveals.map(claimOf);
  expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(second).toBe(first);

  await open(page, manageLink);
  await expect(page.getByTestId("manage-views")).toHaveText("1 of 1 used");
  await expect(page.getByTestId("event-viewed")).toHaveCount(1);
  // The claim lived in the tab's memory only.
  const stored = await recipient.evaluate(
    () =>
      JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
  );
  expect(stored).not.toContain(String(first));
});

test("a store that keeps answering 503 is retried for the grace, then the page says the view may have been used", async ({
  page,
  guard,
  freshPage,
}) => {
  const { shareLink, manageLink } = await createSecret(page, guard, {
    text: uniqueText("unavailable store"),
  });

  const recipient = await freshPage();
  await recipient.route("**/api/config", async (route) => {
    const answer = await route.fetch();
    await route.fulfill({
      response: answer,
      json: { ...(await answer.json()), revealGraceSeconds: 2 },
    });
  });
  const reveals: Request[] = [];
  await recipient.route(REVEAL_URL, async (route) => {
    reveals.push(route.request());
    await route.fulfill({
      status: 503,
      json: { error: "store_unavailable", message: "The store is not answering." },
    });
  });

  await open(recipient, shareLink);
  await recipient.getByTestId("reveal-button").click();
  const error = recipient.getByTestId("reveal-error");
  await expect(error).toContainText(
    "It may have used this view; if the link now says viewed, ask the sender",
    { timeout: 20_000 },
  );
  expect(reveals.length).toBeGreaterThanOrEqual(2);
  expect(new Set(reveals.map(claimOf)).size).toBe(1);

  // Nothing reached the server, so the secret is still unopened.
  await open(page, manageLink);
  await expect(page.getByTestId("manage-views")).toHaveText("0 of 1 used, 1 left");
});

test("a wrong passphrase is answered at once and never retried", async ({
  page,
  guard,
  freshPage,
}) => {
  const passphrase = `right ${randomBytes(6).toString("hex")}`;
  const { shareLink } = await createSecret(page, guard, {
    text: uniqueText("passphrase"),
    passphrase,
  });

  const recipient = await freshPage();
  const reveals: Request[] = [];
  recipient.on("request", (request) => {
    if (new URL(request.url()).pathname.endsWith("/reveal")) reveals.push(request);
  });
  await open(recipient, shareLink);
  await recipient.getByTestId("reveal-passphrase").fill("not the passphrase");
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("wrong-passphrase")).toBeVisible();
  await expect(recipient.getByTestId("reveal-button")).toBeEnabled();
  expect(reveals).toHaveLength(1);
});

test("a sender vouched for by the server is shown before Reveal, as text, with whose word it is", async ({
  page,
  guard,
  freshPage,
}) => {
  const { shareLink } = await createSecret(page, guard, { text: uniqueText("sender") });

  const recipient = await freshPage();
  await recipient.route("**/api/secrets/*/check", async (route) => {
    const answer = await route.fetch();
    await route.fulfill({
      response: answer,
      json: { ...(await answer.json()), sender: { name: "<b>Ops</b> team" } },
    });
  });
  await open(recipient, shareLink);
  const sender = recipient.getByTestId("reveal-sender");
  await expect(sender).toContainText("Sent by <b>Ops</b> team (verified by this server)");
  await expect(sender).toContainText("the server’s word");
  await expect(sender.locator("b")).toHaveCount(0);
  await expect(recipient.getByTestId("reveal-button")).toBeEnabled();
});

test("the create page points to Sharing safely", async ({ page }) => {
  await open(page, "/");
  const hint = page.getByTestId("sharing-safely-hint");
  await expect(hint).toHaveText("Sending something sensitive? Read Sharing safely.");
  await hint.getByRole("link", { name: "Sharing safely" }).click();
  await expect(page).toHaveURL(/\/sharing-safely$/);
});
