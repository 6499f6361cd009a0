/**
 * Status polling (issue 10 item 9): the home page used to poll every active sent link
 * every 15 s and the manage page every 5 s, against the same per-address limit a burn
 * needs. Now only what is on screen in a visible tab is polled, less often while nothing
 * changes. Playwright's fake clock moves time; each sent entry and the manage page expose
 * how many polls completed (data-polls), and the next poll is scheduled before that count
 * changes, so the test knows when it may move the clock on.
 */
import { randomBytes } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { formatManageLink, sealSecret } from "../../lib/crypto";
import { expect, open, test, type Guard } from "./fixtures";

/** Creates secrets straight through the API and returns their manage links. */
async function createManageLinks(
  request: APIRequestContext,
  origin: string,
  guard: Guard,
  count: number,
): Promise<string[]> {
  const links: string[] = [];
  for (let index = 0; index < count; index++) {
    const sealed = await sealSecret({ text: `polled ${index} ${randomBytes(6).toString("hex")}` });
    const response = await request.post("/api/secrets", {
      data: {
        id: sealed.id,
        ciphertext: sealed.ciphertext,
        accessVerifier: sealed.accessVerifier,
        unlockVerifier: sealed.unlockVerifier,
        manageVerifier: sealed.manageVerifier,
        ttlSeconds: 3_600,
        maxViews: 1,
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    guard.forbid(`manage key ${index}`, sealed.manageKey);
    links.push(formatManageLink(origin, sealed.id, sealed.manageKey));
  }
  return links;
}

/** Counts status requests (GET /api/secrets/{id}) as the page sends them, synchronously. */
async function countStatusRequests(page: Page) {
  await page.addInitScript(() => {
    const counter = window as unknown as { __statusRequests: number };
    counter.__statusRequests = 0;
    const original = window.fetch;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(
        typeof input === "string" || input instanceof URL ? input : input.url,
        window.location.href,
      );
      if ((init?.method ?? "GET") === "GET" && /^\/api\/secrets\/[^/]+$/.test(url.pathname))
        counter.__statusRequests++;
      return original.call(window, input, init);
    };
  });
}

function statusRequests(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __statusRequests: number }).__statusRequests);
}

async function setTabVisible(page: Page, visible: boolean) {
  await page.evaluate(
    (state) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
      Object.defineProperty(document, "hidden", {
        configurable: true,
        get: () => state === "hidden",
      });
      document.dispatchEvent(new Event("visibilitychange"));
    },
    visible ? "visible" : "hidden",
  );
}

/** Stops the fake clock, so only runFor moves it. */
async function pauseClock(page: Page) {
  const now = await page.evaluate(() => Date.now());
  await page.clock.pauseAt(now + 1_000);
}

test("the sent list polls only the entries on screen, less often while nothing changes, and not at all in a hidden tab", async ({
  page,
  guard,
  request,
  baseURL,
}) => {
  const links = await createManageLinks(request, new URL(baseURL ?? "").origin, guard, 12);
  const saved = links.map((manageLink, index) => ({
    manageLink,
    savedAt: new Date(Date.UTC(2026, 0, 1, 12, index)).toISOString(),
  }));
  await page.addInitScript(
    (value) => window.localStorage.setItem("burnlink.sent.v1", value),
    JSON.stringify(saved),
  );
  await countStatusRequests(page);
  // A short window: a few entries fit on screen, the rest are below it.
  await page.setViewportSize({ width: 1280, height: 260 });
  await page.clock.install();
  await open(page, "/");
  await pauseClock(page);

  const entries = page.getByTestId("sent-entry");
  await expect(entries).toHaveCount(12);
  await entries.first().evaluate((entry) => entry.scrollIntoView({ block: "start" }));
  const onScreen = await entries.evaluateAll((rows) =>
    rows.map((row) => {
      const box = row.getBoundingClientRect();
      return box.bottom > 0 && box.top < window.innerHeight;
    }),
  );
  const shown = onScreen.filter(Boolean).length;
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(6);

  async function expectPolls(count: number) {
    for (const [index, visible] of onScreen.entries()) {
      if (visible) await expect(entries.nth(index)).toHaveAttribute("data-polls", String(count));
    }
    expect(await statusRequests(page)).toBe(count * shown);
  }

  await expectPolls(1);
  for (const [index, visible] of onScreen.entries()) {
    if (!visible) await expect(entries.nth(index)).toHaveAttribute("data-polls", "0");
  }

  // Every 15 s for a minute while nothing changes…
  for (let polls = 2; polls <= 5; polls++) {
    await page.clock.runFor(15_000);
    await expectPolls(polls);
  }
  // …then once a minute.
  await page.clock.runFor(59_000);
  expect(await statusRequests(page)).toBe(5 * shown);
  await page.clock.runFor(1_000);
  await expectPolls(6);

  // A hidden tab asks nothing, however long; coming back asks at once for what is due.
  await setTabVisible(page, false);
  await page.clock.runFor(10 * 60_000);
  expect(await statusRequests(page)).toBe(6 * shown);
  await setTabVisible(page, true);
  await expectPolls(7);

  // Scrolling to the end polls the entries that come into view, and only those.
  await entries.last().evaluate((entry) => entry.scrollIntoView({ block: "end" }));
  await expect(entries.last()).toHaveAttribute("data-polls", "1");
  await expect(page.getByTestId("sent-status").last()).toHaveText("Waiting to be opened");
});

test("the manage page polls only while its tab is visible and backs off while nothing changes", async ({
  page,
  guard,
  request,
  baseURL,
}) => {
  const [manageLink] = await createManageLinks(request, new URL(baseURL ?? "").origin, guard, 1);
  await countStatusRequests(page);
  // The tab starts in the background: nothing is asked until it is shown, so the first
  // poll happens on the stopped clock and every later one on a known tick.
  await page.addInitScript(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  });
  await page.clock.install();
  await open(page, manageLink!);
  await expect(page.getByText("Loading the status…")).toBeVisible();
  await pauseClock(page);
  await page.clock.runFor(60_000);
  expect(await statusRequests(page)).toBe(0);
  await setTabVisible(page, true);
  const refresh = page.getByTestId("manage-refresh");
  await expect(refresh).toHaveAttribute("data-polls", "1");
  await expect(page.getByTestId("manage-state")).toHaveText("Waiting");

  // Every 5 s for half a minute, then every 15 s.
  for (let polls = 2; polls <= 7; polls++) {
    await page.clock.runFor(5_000);
    await expect(refresh).toHaveAttribute("data-polls", String(polls));
  }
  await page.clock.runFor(14_000);
  expect(await statusRequests(page)).toBe(7);
  await page.clock.runFor(1_000);
  await expect(refresh).toHaveAttribute("data-polls", "8");

  await setTabVisible(page, false);
  await page.clock.runFor(30 * 60_000);
  expect(await statusRequests(page)).toBe(8);
  await setTabVisible(page, true);
  await expect(refresh).toHaveAttribute("data-polls", "9");
  expect(await statusRequests(page)).toBe(9);

  // The burn itself is a request of its own, never held back by polling.
  await page.getByTestId("burn-button").click();
  await page.getByTestId("burn-confirm").click();
  await expect(page.getByTestId("manage-state")).toHaveText("Burned");
});
