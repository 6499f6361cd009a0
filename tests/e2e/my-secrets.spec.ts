/**
 * Issue 13 §4-5 in Chromium: a person signs in through a real OpenID provider
 * (oidc-provider, in this test's process), creates two secrets, finds them under
 * My secrets (linked in the header), sees themselves as the creator on the manage page,
 * burns all with one confirmed call, and the links then say the sender burned them.
 * The page passes axe. The app server is started here: its PUBLIC_URL and OIDC settings
 * depend on the provider's port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { freePort } from "../support/free-port";
import { startTestProvider, type TestProvider } from "../support/oidc-provider";

let provider: TestProvider;
let server: ChildProcess | undefined;
let app: string;

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
  provider = await startTestProvider({ redirectUris: [`${app}/api/auth/callback`] });
  server = await startApp(port, {
    CREATE_POLICY: "sso",
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    PUBLIC_URL: app,
    OIDC_ALLOWED_DOMAINS: "example.com",
  });
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await provider?.close();
});

async function createSecret(page: Page, text: string): Promise<{ shareLink: string; manageLink: string }> {
  await page.goto(`${app}/`);
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
  await page.getByTestId("secret-text").fill(text);
  await page.getByTestId("create-button").click();
  return { shareLink: await page.getByTestId("share-link").inputValue(), manageLink: await page.getByTestId("manage-link").inputValue() };
}

async function expectNoSevereAxeFindings(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const severe = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
  expect(severe, `axe on ${what}`).toEqual([]);
}

test("a signed-in person sees their secrets under My secrets, themselves as creator on the manage page, and burns all with one call", async ({
  page,
  browser,
}) => {
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  provider.nextUser = "alice";

  await page.goto(`${app}/my`);
  await expect(page.getByTestId("my-secrets-sign-in")).toBeVisible();
  await expect(page.getByTestId("my-secrets-link")).toHaveCount(0);
  await page.getByTestId("sign-in").click();
  await expect(page.getByTestId("signed-in-as")).toHaveText("alice@example.com");

  const first = await createSecret(page, `first ${randomBytes(6).toString("base64url")}`);
  const second = await createSecret(page, `second ${randomBytes(6).toString("base64url")}`);
  const third = await createSecret(page, `third ${randomBytes(6).toString("base64url")}`);

  await page.getByTestId("my-secrets-link").click();
  await expect(page).toHaveURL(`${app}/my`);
  await expect(page.getByTestId("my-secret-row")).toHaveCount(3);
  await expect(page.getByTestId("my-secret-state")).toHaveText(["Waiting", "Waiting", "Waiting"]);

  // One row's burn: the newest (listed first) goes, the others wait.
  const thirdId = new URL(third.manageLink).hash.slice(2, 10);
  await page.getByRole("button", { name: `Burn secret ${thirdId}` }).click();
  await expect(page.getByTestId("burn-outcome")).toHaveText("Burned. That link no longer opens.");
  await expect(page.getByTestId("my-secret-state")).toHaveText(["Burned", "Waiting", "Waiting"]);
  await expect(page.locator("body")).not.toContainText(first.shareLink.split("#")[1] ?? "unreachable");
  await expectNoSevereAxeFindings(page, "My secrets");

  // The manage page names the creator this server recorded.
  await page.goto(first.manageLink);
  await expect(page.getByTestId("manage-creator")).toHaveText("alice@example.com (signed in)");
  await expectNoSevereAxeFindings(page, "the manage page with a creator");

  await page.goto(`${app}/my`);
  await page.getByTestId("burn-all").click();
  await expect(page.getByRole("group", { name: "Confirm burning all" })).toContainText("Burn all 2 active secrets now?");
  const burnCalls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/me/secrets/")) burnCalls.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  const burned = page.waitForResponse((response) => response.url().endsWith("/api/me/secrets/burn"));
  await page.getByTestId("burn-all-confirm").click();
  expect(await (await burned).json()).toEqual({ burned: 2 });
  await expect(page.getByTestId("burn-outcome")).toHaveText("Burned 2 active secrets.");
  await expect(page.getByTestId("my-secret-state")).toHaveText(["Burned", "Burned", "Burned"]);
  expect(burnCalls).toEqual(["POST /api/me/secrets/burn"]);
  await expectNoSevereAxeFindings(page, "My secrets after burning");

  const recipientContext = await browser.newContext();
  const recipient = await recipientContext.newPage();
  for (const { shareLink } of [first, second, third]) {
    await recipient.goto(shareLink);
    await expect(recipient.getByTestId("gone-burned")).toBeVisible();
  }
  await recipientContext.close();
  expect(pageErrors).toEqual([]);
});
