/**
 * The web app during a store outage, in Chromium against the production server and a
 * real redis-server that the test kills and starts again: the create form keeps what
 * the user typed and says the service is unavailable, the reveal page opens nothing and
 * says so, and both work again once Redis is back, without reloading the app server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { formatShareLink } from "@/lib/crypto";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { createSecret, makeSecret, request } from "./api";
import { startAppServer, type AppServer } from "./browser-support";

test.describe.configure({ mode: "serial" });

let dir: string;
let redis: RedisServer;
let server: AppServer;

test.beforeAll(async () => {
  // Persisted like the outage test's Redis: a secret stored before the kill is there after it.
  dir = await mkdtemp(join(tmpdir(), "burnlink-aof-"));
  redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always", "--dir", dir] });
  server = await startAppServer({ REDIS_URL: redis.url });
});

test.afterAll(async () => {
  await server?.stop();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Navigates and waits until React has hydrated (components/hydration-marker.tsx). */
async function open(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

async function storeAnswers(expected: number) {
  await expect.poll(async () => (await request(server.url, "GET", "/api/health")).status, { timeout: 20_000 }).toBe(expected);
}

test("the create form keeps the secret and the passphrase and says the service is unavailable while Redis is down, then creates the link once it is back", async ({ page, browser }) => {
  const text = `database password during an outage: ${crypto.randomUUID()}`;
  const passphrase = "purple monkey dishwasher";
  await open(page, `${server.url}/`);
  await page.getByTestId("secret-text").fill(text);
  await page.getByTestId("passphrase").fill(passphrase);

  await redis.kill();
  await storeAnswers(503);
  await page.getByTestId("create-button").click();
  await expect(page.getByTestId("create-error")).toContainText("cannot store secrets right now");
  await expect(page.getByTestId("create-error")).toContainText("your secret is still here");
  await expect(page.getByTestId("secret-text")).toHaveValue(text);
  await expect(page.getByTestId("passphrase")).toHaveValue(passphrase);
  await expect(page.getByTestId("create-button")).toBeEnabled();
  await expect(page.getByTestId("share-link")).toHaveCount(0);

  await redis.start();
  await storeAnswers(200);
  await page.getByTestId("create-button").click();
  const shareLink = await page.getByTestId("share-link").inputValue();

  // The link made after the outage opens, with the passphrase typed before it.
  const recipient = await browser.newPage();
  await open(recipient, shareLink);
  await recipient.getByTestId("reveal-passphrase").fill(passphrase);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toHaveText(text);
  await recipient.close();
});

test("the reveal page opens nothing and says the service is unavailable while Redis is down, then reveals once it is back", async ({ page }) => {
  const secret = await makeSecret(`opened after the outage ${crypto.randomUUID()}`, { maxViews: 1 });
  expect((await createSecret(server.url, secret)).status).toBe(201);
  const shareLink = formatShareLink(server.url, secret.sealed.linkKey, false);

  await redis.kill();
  await storeAnswers(503);
  await open(page, shareLink);
  await expect(page.getByTestId("reveal-error")).toContainText("cannot answer right now");
  await expect(page.getByTestId("reveal-error")).toContainText("Nothing has been opened");

  await redis.start();
  await storeAnswers(200);
  await page.getByRole("button", { name: "Try again" }).click();
  await page.getByTestId("reveal-button").click();
  await expect(page.getByTestId("revealed-text")).toHaveText(secret.text);
});
