/**
 * PROTOCOL.md §8 in Chromium: under CREATE_POLICY=sso a person signs in through a real
 * OpenID provider (oidc-provider, in this test's process), creates a secret on the create
 * page with the session cookie, and the link opens in another browser; after signing out
 * (a fetch from the page, as §8 asks) creating is refused again. The app server is started
 * here because its PUBLIC_URL and OIDC settings depend on the provider's port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
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
    SHOW_SENDER: "1",
  });
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await provider?.close();
});

test("a person signs in through the OpenID provider, creates a secret that opens elsewhere, and after signing out may not create", async ({
  page,
  browser,
}) => {
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  provider.nextUser = "alice";

  // Not signed in: the API refuses the create.
  const before = await page.request.post(`${app}/api/secrets`, {
    data: {},
    headers: { "content-type": "application/json" },
  });
  expect(before.status()).toBe(401);

  // A visitor sees "Sign in to share" instead of the form, and a Sign in link in the header.
  await page.goto(`${app}/`);
  await expect(page.getByTestId("secret-text")).toHaveCount(0);
  await expect(page.getByTestId("sign-in")).toBeVisible();
  await page.getByTestId("sign-in-to-share").click();
  await expect(page).toHaveURL(`${app}/`);
  const cookies = await page.context().cookies(app);
  const session = cookies.find((cookie) => cookie.name === "__Host-burnlink-session");
  expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  const me = await page.evaluate(async () => (await fetch("/api/auth/me")).json());
  expect(me).toMatchObject({ subject: "alice", email: "alice@example.com" });

  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
  const text = `signed-in secret ${randomBytes(6).toString("base64url")}`;
  await page.getByTestId("secret-text").fill(text);
  await page.getByTestId("create-button").click();
  const shareLink = await page.getByTestId("share-link").inputValue();
  expect(shareLink.startsWith(`${app}/s#`)).toBe(true);

  const recipientContext = await browser.newContext();
  const recipient = await recipientContext.newPage();
  // The recipient needs no account: check (with the verified sender) and reveal stay open.
  const check = recipient.waitForResponse((response) => response.url().endsWith("/check"));
  await recipient.goto(shareLink);
  expect(await (await check).json()).toMatchObject({ sender: { name: "alice@example.com" } });
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  await recipientContext.close();

  // The session makes requests too (issue 12 §3); answering one needs no account.
  await page.getByTestId("mode-request").click();
  await page.getByTestId("request-label").fill("signed-in request");
  await page.getByTestId("request-create-button").click();
  const requestLink = await page.getByTestId("request-link").inputValue();
  expect(requestLink.startsWith(`${app}/r#r`)).toBe(true);
  const responderContext = await browser.newContext();
  const responder = await responderContext.newPage();
  await responder.goto(requestLink);
  await expect(responder.getByTestId("request-label-text")).toHaveText("signed-in request");
  await responder.getByTestId("respond-text").fill(`answer ${randomBytes(6).toString("base64url")}`);
  await responder.getByTestId("respond-button").click();
  await expect(responder.getByTestId("respond-code")).toHaveText(/^\d{6}$/);
  await responderContext.close();
  await page.getByTestId("mode-share").click();

  await expect(page.getByTestId("signed-in-as")).toHaveText("alice@example.com");
  const logout = page.waitForResponse((response) => response.url().endsWith("/api/auth/logout"));
  await page.getByTestId("sign-out").click();
  expect((await logout).status()).toBe(204);
  await expect(page.getByTestId("sign-in-to-share")).toBeVisible();
  const after = await page.evaluate(async () => (await fetch("/api/auth/me")).status);
  expect(after).toBe(401);
  const createAfter = await page.evaluate(
    async () =>
      (
        await fetch("/api/secrets", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).status,
  );
  expect(createAfter).toBe(401);
  expect(pageErrors).toEqual([]);
});
