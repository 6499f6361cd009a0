/**
 * Every page and state, in light and dark, at a phone's and a desktop's width: a
 * screenshot of each (kept under test-results/screenshots as CI artifacts) and an axe
 * scan that must find no serious or critical violation.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { Page, TestInfo } from "@playwright/test";
import { createSecret, expect, open, test, type Guard } from "./fixtures";
import { checkPage, SCREENSHOT_DIR } from "./page-check";

async function walkEveryPage(page: Page, guard: Guard, freshPage: () => Promise<Page>, testInfo: TestInfo) {
  await open(page, "/");
  await checkPage(page, testInfo, "create");

  await page.getByRole("button", { name: "Generate a strong secret" }).click();
  await page.getByText("Advanced: restrict by IP address").click();
  await page.getByLabel("Only these IP addresses may open it").fill("203.0.113.7, 10.0.0.300");
  await expect(page.getByTestId("allowlist-error")).toBeVisible();
  await checkPage(page, testInfo, "create-options");
  await page.getByLabel("Only these IP addresses may open it").fill("");

  const passphrase = `pass ${randomBytes(6).toString("hex")}`;
  const links = await createSecret(page, guard, {
    text: `screenshot secret ${randomBytes(6).toString("hex")}\nline two`,
    files: [{ name: "report-2026.pdf", mimeType: "application/pdf", buffer: randomBytes(2048) }],
    passphrase,
    views: "2 times",
  });
  await checkPage(page, testInfo, "share");

  const recipient = await freshPage();
  await recipient.setViewportSize(page.viewportSize() ?? { width: 1280, height: 800 });
  await open(recipient, links.shareLink);
  await expect(recipient.getByTestId("reveal-passphrase")).toBeVisible();
  await checkPage(recipient, testInfo, "reveal");

  await recipient.getByTestId("reveal-passphrase").fill("not the passphrase");
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("wrong-passphrase")).toBeVisible();
  await checkPage(recipient, testInfo, "reveal-wrong-passphrase");

  await recipient.getByTestId("reveal-passphrase").fill(passphrase);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toBeVisible();
  await checkPage(recipient, testInfo, "revealed");

  // The same link opened again over a revealed secret is offered, not forced on it.
  await open(recipient, links.shareLink);
  await expect(recipient.getByTestId("new-link-pending")).toBeVisible();
  await checkPage(recipient, testInfo, "revealed-new-link");
  await recipient.getByTestId("open-new-link").click();
  await recipient.getByTestId("reveal-passphrase").fill(passphrase);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-notice")).toContainText("server copy is now deleted");
  await open(recipient, links.shareLink);
  await recipient.reload();
  await expect(recipient.getByTestId("gone-viewed")).toBeVisible();
  await checkPage(recipient, testInfo, "gone-viewed");

  await open(recipient, `/s#k${"A".repeat(20)}`);
  await expect(recipient.getByTestId("malformed-link")).toBeVisible();
  await checkPage(recipient, testInfo, "malformed-link");

  await open(recipient, `/s#k${randomBytes(32).toString("base64url")}`);
  await expect(recipient.getByTestId("not-found")).toBeVisible();
  await checkPage(recipient, testInfo, "not-found-secret");

  const active = await createSecret(page, guard, { text: `manage me ${randomBytes(6).toString("hex")}`, allowlist: "127.0.0.1, ::1, 10.0.0.0/8" });
  await open(page, active.manageLink);
  await page.getByTestId("burn-button").click();
  await checkPage(page, testInfo, "manage-confirm-burn");

  await open(page, links.manageLink);
  await expect(page.getByTestId("manage-state")).toHaveText("Viewed");
  await checkPage(page, testInfo, "manage-viewed");

  await open(page, "/");
  await expect(page.getByTestId("sent-entry")).toHaveCount(2);
  await checkPage(page, testInfo, "create-with-sent-list");

  await open(page, "/how-it-works");
  // Issue 10 item 15: as SECURITY.md says, a sandbox that clicks can burn a link.
  await expect(page.locator("main")).toContainText("can press Reveal and burn it");
  await expect(page.locator("main")).not.toContainText("cannot burn");
  await checkPage(page, testInfo, "how-it-works");

  await open(page, "/no-such-page");
  await checkPage(page, testInfo, "page-not-found");
}

// Four independent walks: let both workers take them.
test.describe.configure({ mode: "parallel" });

test.beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
});

for (const colorScheme of ["light", "dark"] as const) {
  for (const width of [390, 1280]) {
    test.describe(`${colorScheme} at ${width}px`, () => {
      test.use({ colorScheme, viewport: { width, height: width < 600 ? 844 : 900 } });
      test(`every page in ${colorScheme} at ${width}px has a screenshot and no serious axe violation`, async ({ page, guard, freshPage }, testInfo) => {
        // Fourteen axe scans and full-page screenshots; generous for a loaded 2-core CI machine.
        test.setTimeout(360_000);
        await walkEveryPage(page, guard, freshPage, testInfo);
      });
    });
  }
}
