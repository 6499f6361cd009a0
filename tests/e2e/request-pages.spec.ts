/**
 * Every state of the request pages (issue 12 §3), in light and dark, at a phone's and a
 * desktop's width: a screenshot of each (test-results/screenshots) and an axe scan that
 * must find no serious or critical violation. The guard watches every browser as usual.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { Page, TestInfo } from "@playwright/test";
import { expect, open, test, type Guard } from "./fixtures";
import { checkPage, SCREENSHOT_DIR } from "./page-check";
import { answerRequest, createRequestInForm, createRequestViaApi, fillRequestForm } from "./request-helpers";

const unique = (prefix: string) => `${prefix} ${randomBytes(6).toString("hex")}`;

async function walkRequestPages(page: Page, guard: Guard, freshPage: () => Promise<Page>, testInfo: TestInfo, origin: string) {
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const another = async () => {
    const other = await freshPage();
    await other.setViewportSize(viewport);
    return other;
  };

  await fillRequestForm(page, guard, {});
  await checkPage(page, testInfo, "request-create");

  await page.getByTestId("request-label").fill("x".repeat(5_000));
  await expect(page.getByTestId("label-meter")).toContainText("over this server’s limit");
  await page.getByTestId("request-create-button").click();
  await expect(page.getByTestId("request-create-error")).toContainText("nothing was sent");
  await checkPage(page, testInfo, "request-create-too-long");

  const links = await createRequestInForm(page, guard, {
    label: unique("Please send the API key for the partner portal.\nThanks!"),
    answers: "Up to 2",
  });
  await checkPage(page, testInfo, "request-created");

  const responder = await another();
  await open(responder, links.requestLink);
  const text = unique("sk_live answer");
  guard.forbid("answer text", text);
  await responder.getByTestId("respond-text").fill(text);
  await responder.getByTestId("file-input").setInputFiles([{ name: "credentials.json", mimeType: "application/json", buffer: randomBytes(1_500) }]);
  await expect(responder.getByRole("list", { name: "Attached files" }).getByRole("listitem")).toHaveCount(1);
  await checkPage(responder, testInfo, "respond");

  await responder.getByTestId("respond-button").click();
  await expect(responder.getByTestId("respond-code")).toHaveText(/^\d{6}$/);
  await checkPage(responder, testInfo, "respond-sent");

  await open(page, links.collectLink);
  await expect(page.getByTestId("request-pending")).toHaveText("1 answer");
  await checkPage(page, testInfo, "collect-status");

  await page.getByTestId("collect-button").click();
  await expect(page.getByTestId("collected-answer")).toHaveCount(1);
  await checkPage(page, testInfo, "collect-answers");

  await page.getByTestId("collect-button").click();
  await expect(page.getByTestId("collect-nothing-new")).toBeVisible();
  await checkPage(page, testInfo, "collect-nothing-new");

  // A second responder is typing when the requester revokes.
  const late = await another();
  await open(late, links.requestLink);
  await late.getByTestId("respond-text").fill(unique("late answer"));
  await page.getByTestId("revoke-button").click();
  await checkPage(page, testInfo, "collect-confirm-revoke");
  await page.getByTestId("revoke-confirm").click();
  await expect(page.getByTestId("request-state")).toHaveText("Revoked");
  await checkPage(page, testInfo, "collect-revoked");

  await late.getByTestId("respond-button").click();
  await expect(late.getByTestId("respond-error")).toBeVisible();
  await checkPage(late, testInfo, "respond-refused-revoked");
  await late.reload();
  await expect(late.getByTestId("request-gone-revoked")).toBeVisible();
  await checkPage(late, testInfo, "request-gone-revoked");

  const oneShot = await createRequestViaApi(page.request, origin, guard, { ttlSeconds: 3_600, maxResponses: 1 });
  await answerRequest(late, guard, oneShot.requestLink, { text: unique("one-shot answer") });
  // Someone else opening the answered link (this tab keeps showing the code it was given).
  const latecomer = await another();
  await open(latecomer, oneShot.requestLink);
  await expect(latecomer.getByTestId("request-gone-answered")).toBeVisible();
  await checkPage(latecomer, testInfo, "request-gone-answered");

  await open(latecomer, `/r#r${"A".repeat(20)}`);
  await expect(latecomer.getByTestId("malformed-link")).toBeVisible();
  await checkPage(latecomer, testInfo, "request-malformed-link");

  await open(latecomer, `/r#r${randomBytes(32).toString("base64url")}`);
  await expect(latecomer.getByTestId("request-not-found")).toBeVisible();
  await checkPage(latecomer, testInfo, "request-not-found");

  await open(page, "/");
  await page.getByTestId("mode-request").click();
  await expect(page.getByTestId("sent-entry")).toHaveCount(1);
  await page.getByTestId("sent-list").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("sent-status")).toHaveText("Revoked");
  await checkPage(page, testInfo, "request-with-sent-list");
}

test.describe.configure({ mode: "parallel" });

test.beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
});

for (const colorScheme of ["light", "dark"] as const) {
  for (const width of [390, 1280]) {
    test.describe(`${colorScheme} at ${width}px`, () => {
      test.use({ colorScheme, viewport: { width, height: width < 600 ? 844 : 900 } });
      test(`every request page state in ${colorScheme} at ${width}px has a screenshot and no serious axe violation`, async ({
        page,
        guard,
        freshPage,
        baseURL,
      }, testInfo) => {
        // Fifteen axe scans and full-page screenshots; generous for a loaded 2-core machine.
        test.setTimeout(360_000);
        await walkRequestPages(page, guard, freshPage, testInfo, new URL(baseURL ?? "").origin);
      });
    });
  }
}
