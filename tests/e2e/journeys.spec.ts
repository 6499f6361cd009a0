import { randomBytes } from "node:crypto";
import { createSecret, expect, open, reveal, test } from "./fixtures";

/** A plaintext nobody else would send, so finding it in traffic can only be a leak. */
function uniqueText(label: string): string {
  return `${label} ${randomBytes(9).toString("base64url")}`;
}

async function passphraseAttempts(page: import("@playwright/test").Page): Promise<number> {
  const response = await page.request.get("/api/config");
  return (await response.json()).passphraseAttempts;
}

test("a text secret opens once in another browser, and reopening the link says it was viewed and when", async ({ page, guard, freshPage }) => {
  const text = uniqueText("db password: Tr0ub4dor&3\nsecond line");
  const { shareLink } = await createSecret(page, guard, { text, submitWithKeyboard: true });
  expect(shareLink).toMatch(/\/s#k[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("share-summary")).toContainText("1 view, then it is deleted");
  await expect(page.getByTestId("share-qr")).toBeVisible();

  const recipient = await freshPage();
  await open(recipient, shareLink);
  await expect(recipient.getByTestId("check-summary")).toContainText("It can be opened once more and expires in");
  // Loading and reloading never consume the secret: only the click does.
  await recipient.reload();
  await expect(recipient.locator("html[data-hydrated]")).toHaveCount(1);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  await expect(recipient.getByTestId("revealed-notice")).toContainText("The server copy is now deleted");
  expect(new URL(recipient.url()).hash).toBe("");
  expect(await recipient.evaluate(() => window.location.href)).not.toContain("#");

  await open(recipient, shareLink);
  await recipient.reload();
  const gone = recipient.getByTestId("gone-viewed");
  await expect(gone).toContainText("This secret has already been viewed");
  await expect(gone).toContainText(/It was opened at .*\d{1,2}:\d{2}/);
  await expect(gone).toContainText("If this was not you, assume the link was intercepted");
});

test("a passphrase counts wrong attempts down, opens with the right one, and the limit destroys the secret", async ({ page, guard, freshPage }) => {
  const limit = await passphraseAttempts(page);
  const passphrase = "correct horse battery staple";
  const text = uniqueText("behind a passphrase");
  const { shareLink } = await createSecret(page, guard, { text, passphrase });
  expect(shareLink).toMatch(/\/s#p/);
  await expect(page.getByTestId("share-summary")).toContainText("Send it through another channel");

  const recipient = await freshPage();
  await open(recipient, shareLink);
  for (let failed = 1; failed <= 2; failed++) {
    const wrong = `wrong guess number ${failed}`;
    guard.forbid("wrong passphrase", wrong);
    await recipient.getByTestId("reveal-passphrase").fill(wrong);
    await recipient.getByTestId("reveal-button").click();
    await expect(recipient.getByTestId("wrong-passphrase")).toContainText(`${limit - failed} attempts left`);
  }
  await recipient.getByTestId("reveal-passphrase").fill(passphrase);
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);

  const second = await createSecret(page, guard, { text: uniqueText("never read"), passphrase });
  await open(recipient, second.shareLink);
  // The revealed secret stays until the reader chooses to open the new link.
  await recipient.getByTestId("open-new-link").click();
  for (let failed = 1; failed <= limit; failed++) {
    await recipient.getByTestId("reveal-passphrase").fill(`not it ${failed}`);
    await recipient.getByTestId("reveal-button").click();
    if (failed < limit) {
      await expect(recipient.getByTestId("wrong-passphrase")).toContainText(`${limit - failed} attempt${limit - failed === 1 ? "" : "s"} left`);
    }
  }
  await expect(recipient.getByTestId("gone-attempts")).toContainText("too many");
  await open(recipient, second.shareLink);
  await recipient.reload();
  await expect(recipient.getByTestId("gone-attempts")).toBeVisible();
});

test("a multi-view secret counts down each view and the manage page shows every view with its time", async ({ page, guard, freshPage }) => {
  const text = uniqueText("three readers");
  const { shareLink, manageLink } = await createSecret(page, guard, { text, views: "3 times" });
  await expect(page.getByTestId("share-summary")).toContainText("3 views");

  const expected = ["It can be opened 2 more times", "It can be opened one more time", "The server copy is now deleted"];
  for (const notice of expected) {
    const reader = await freshPage();
    await reveal(reader, shareLink);
    await expect(reader.getByTestId("revealed-text")).toHaveValue(text);
    await expect(reader.getByTestId("revealed-notice")).toContainText(notice);
  }
  const late = await freshPage();
  await open(late, shareLink);
  await expect(late.getByTestId("gone-viewed")).toBeVisible();

  await open(page, manageLink);
  await expect(page.getByTestId("manage-state")).toHaveText("Viewed");
  await expect(page.getByTestId("manage-views")).toHaveText("3 of 3 used");
  await expect(page.getByTestId("event-viewed")).toHaveCount(3);
  await expect(page.getByTestId("event-viewed").first()).toContainText(/\d{1,2}:\d{2}/);
  await expect(page.getByTestId("event-viewed").first()).toContainText(/from \S+\/\d+/);
});

test("the manage page refreshes by itself when the secret is viewed", async ({ page, guard, freshPage }) => {
  const { shareLink, manageLink } = await createSecret(page, guard, { text: uniqueText("watched") });
  await open(page, manageLink);
  await expect(page.getByTestId("manage-state")).toHaveText("Waiting");
  await expect(page.getByTestId("event-created")).toBeVisible();
  await expect(page.getByTestId("event-viewed")).toHaveCount(0);

  const reader = await freshPage();
  await reveal(reader, shareLink);
  await expect(reader.getByTestId("revealed-text")).toBeVisible();
  await expect(page.getByTestId("manage-state")).toHaveText("Viewed", { timeout: 15_000 });
  await expect(page.getByTestId("event-viewed")).toContainText(/Viewed.*\d{1,2}:\d{2}/s);
});

test("burning from the manage page after confirmation leaves the recipient a burned message", async ({ page, guard, freshPage }) => {
  const { shareLink, manageLink } = await createSecret(page, guard, { text: uniqueText("to be burned") });
  const recipient = await freshPage();
  await open(recipient, shareLink);
  await expect(recipient.getByTestId("reveal-button")).toBeVisible();

  await open(page, manageLink);
  await expect(page.getByTestId("manage-views")).toHaveText("0 of 1 used, 1 left");
  await page.getByTestId("burn-button").click();
  await expect(page.getByTestId("manage-state")).toHaveText("Waiting");
  await page.getByTestId("burn-confirm").click();
  await expect(page.getByTestId("manage-state")).toHaveText("Burned");
  await expect(page.getByTestId("event-burned")).toBeVisible();
  await expect(page.getByTestId("burn-button")).toHaveCount(0);

  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("gone-burned")).toContainText("The sender burned this secret");
  await recipient.reload();
  await expect(recipient.getByTestId("gone-burned")).toBeVisible();
});

test("the sent list keeps only manage links, follows the status live and can forget an entry", async ({ page, guard, freshPage }) => {
  const { shareLink, manageLink } = await createSecret(page, guard, { text: uniqueText("listed") });
  // Entries are polled only while on screen (issue 10 item 9).
  await page.getByTestId("sent-list").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("sent-status")).toHaveText("Waiting to be opened");
  const stored = await page.evaluate(() => JSON.stringify(window.localStorage));
  expect(stored).toContain(new URL(manageLink).hash.slice(1));
  expect(stored).not.toContain(new URL(shareLink).hash.slice(2));

  const reader = await freshPage();
  await reveal(reader, shareLink);
  await expect(reader.getByTestId("revealed-text")).toBeVisible();

  await open(page, "/");
  await page.getByTestId("sent-list").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("sent-status")).toContainText(/Viewed at .*\d{1,2}:\d{2}/);
  await page.getByTestId("sent-entry").getByRole("button", { name: /Remove/ }).click();
  await expect(page.getByTestId("sent-list")).toHaveCount(0);
  expect(await page.evaluate(() => window.localStorage.getItem("burnlink.sent.v1"))).toBe("[]");
});

test("malformed links get a clear message and send no request", async ({ page, guard }) => {
  const key = randomBytes(32).toString("base64url");
  const cases: [string, string][] = [
    ["/s", "This link has no key in it"],
    ["/s#", "This link has no key in it"],
    [`/s#k${key.slice(0, 20)}`, "This link is incomplete"],
    [`/s#k${key}extra`, "longer than a Burnlink link"],
    [`/s#x${key}`, "should start with k or p"],
    [`/s#k${key.slice(0, 40)}!@$`, "characters that never appear"],
    [`/s#m${"A".repeat(22)}${key}`, "This is a manage link, not a share link"],
    [`/m#k${key}`, "This is a share link for the recipient"],
    ["/m#m123", "This link is incomplete"],
  ];
  for (const [path, message] of cases) {
    await open(page, path);
    await expect(page.getByTestId("malformed-link"), path).toContainText(message);
  }
  expect(guard.apiCalls("/api/secrets")).toEqual([]);

  // Well-formed but unknown: one calm answer, and still nothing consumed anywhere.
  await open(page, `/s#k${key}`);
  await expect(page.getByTestId("not-found")).toContainText("does not match any secret");
});

test("HTML, script and right-to-left overrides in a secret and a file name show literally", async ({ page, guard, freshPage }) => {
  const text = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> \u202Egnp.exe ${randomBytes(6).toString("hex")}`;
  const fileName = `<svg onload=window.__xss=3>\u202Efdp.exe`;
  const { shareLink } = await createSecret(page, guard, {
    text,
    files: [{ name: fileName, mimeType: "text/html", buffer: Buffer.from("<script>window.__xss=4</script>") }],
  });

  const recipient = await freshPage();
  let dialogs = 0;
  recipient.on("dialog", (dialog) => {
    dialogs++;
    void dialog.dismiss();
  });
  await reveal(recipient, shareLink);
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  const shownName = recipient.getByTestId("revealed-file-name");
  await expect(shownName).toHaveText("<svg onload=window.__xss=3>⟨U+202E⟩fdp.exe");
  expect(await recipient.locator("main img, main script, main svg[onload]").count()).toBe(0);
  expect(await recipient.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

  const [download] = await Promise.all([
    recipient.waitForEvent("download"),
    recipient.getByTestId("revealed-file").getByRole("button", { name: /Download/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("_svg onload=window.__xss=3_fdp.exe");
  expect(await recipient.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(dialogs).toBe(0);
});

test("creating and revealing work from the keyboard alone, with a visible focus ring", async ({ page, guard, freshPage }) => {
  const text = uniqueText("typed, never clicked");
  guard.forbid("plaintext", text);
  await open(page, "/");
  await expect(page.getByTestId("secret-text")).toBeFocused();
  await page.keyboard.type(text);
  await page.keyboard.press("Control+Enter");
  const shareLink = await page.getByTestId("share-link").inputValue();
  guard.forbidLinks(shareLink, await page.getByTestId("manage-link").inputValue());
  await page.keyboard.press("Tab");
  await expect(page.getByTestId("share-link")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Copy share link" })).toBeFocused();
  const ring = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement as Element);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(ring.style).not.toBe("none");
  expect(ring.width).toBeGreaterThanOrEqual(2);

  const recipient = await freshPage();
  await open(recipient, shareLink);
  await expect(recipient.getByTestId("reveal-button")).toBeVisible();
  for (let presses = 0; presses < 10; presses++) {
    if (await recipient.getByTestId("reveal-button").evaluate((button) => button === document.activeElement)) break;
    await recipient.keyboard.press("Tab");
  }
  await expect(recipient.getByTestId("reveal-button")).toBeFocused();
  await recipient.keyboard.press("Enter");
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
});

test("an IP allowlist is checked as typed and keeps out other addresses, which the manage page records", async ({ page, guard, freshPage }) => {
  await open(page, "/");
  await page.getByText("Advanced: restrict by IP address").click();
  const field = page.getByLabel("Only these IP addresses may open it");
  await field.fill("203.0.113.7, 10.0.0.300, fe80::1%eth0");
  await expect(page.getByTestId("allowlist-error")).toContainText("“10.0.0.300”, “fe80::1%eth0”");
  await expect(field).toHaveAttribute("aria-invalid", "true");

  const { shareLink, manageLink } = await createSecret(page, guard, {
    text: uniqueText("only for the office"),
    allowlist: "203.0.113.0/24 2001:db8::/32",
  });
  await expect(page.getByTestId("share-summary")).toContainText("203.0.113.0/24, 2001:db8::/32");

  const outsider = await freshPage();
  await open(outsider, shareLink);
  await expect(outsider.getByTestId("ip-not-allowed")).toContainText("Not available from your network");
  await expect(outsider.getByTestId("reveal-button")).toHaveCount(0);

  await open(page, manageLink);
  await expect(page.getByTestId("manage-state")).toHaveText("Waiting");
  await expect(page.getByTestId("event-ip_blocked")).toContainText(/Refused: address not on the allowlist.*from \S+\/\d+/s);
});

test("the copy buttons put the links on the clipboard", async ({ page, guard, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(baseURL ?? "").origin });
  const { shareLink, manageLink } = await createSecret(page, guard, { text: uniqueText("copied") });
  await page.getByRole("button", { name: "Copy share link" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareLink);
  await page.getByRole("button", { name: "Copy manage link" }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(manageLink);
});

// Issue 10 item 12: the skip link used to set the fragment to #main, which started a new
// visit, remounted the reveal view and lost the plaintext for good.
test("the skip link, used from the keyboard after revealing, moves focus to the content and keeps the secret shown", async ({ page, guard, freshPage }) => {
  const text = uniqueText("still here after skipping");
  const { shareLink } = await createSecret(page, guard, { text });
  const recipient = await freshPage();
  await reveal(recipient, shareLink);
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);

  // The skip link is the first stop of the tab order, just before the site name.
  await recipient.getByRole("link", { name: "Burnlink" }).focus();
  await recipient.keyboard.press("Shift+Tab");
  const skip = recipient.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await recipient.keyboard.press("Enter");
  await expect(recipient.locator("main")).toBeFocused();
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  expect(await recipient.evaluate(() => window.location.hash)).toBe("");

  // Even a non-Burnlink fragment set by hand (an old bookmark of #main) leaves it alone.
  await recipient.evaluate(() => {
    window.location.hash = "main";
  });
  await expect.poll(() => recipient.evaluate(() => window.location.hash)).toBe("#main");
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  await expect(recipient.getByTestId("new-link-pending")).toHaveCount(0);

  // A real link pasted into the address bar is offered, never forced on the revealed view.
  const next = await createSecret(page, guard, { text: uniqueText("the next one") });
  await recipient.evaluate((hash) => {
    window.location.hash = hash;
  }, new URL(next.shareLink).hash);
  await expect(recipient.getByTestId("new-link-pending")).toContainText("Another link is in the address bar");
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  await recipient.getByTestId("open-new-link").click();
  await expect(recipient.getByTestId("check-summary")).toContainText("It can be opened once more");
  await expect(recipient.getByTestId("revealed-text")).toHaveCount(0);
});

// Issue 10 item 13: the fragment was wiped with history.replaceState(history.state, …), which
// Next's router does not follow: its canonical URL kept /s#k…, and the next router update
// wrote the key back into the address bar.
test("after revealing, neither a router refresh nor a navigation there and back puts the key back in the address bar", async ({ page, guard, freshPage }) => {
  const text = uniqueText("key stays out");
  const { shareLink } = await createSecret(page, guard, { text });
  const recipient = await freshPage();
  await reveal(recipient, shareLink);
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);
  expect(await recipient.evaluate(() => window.location.href)).not.toContain("#");

  // A router update rewrites history with the router's canonical URL; wait until it has.
  await recipient.evaluate(() => {
    const win = window as unknown as { next: { router: { refresh(): void } }; __stateBefore?: unknown };
    win.__stateBefore = window.history.state;
    win.next.router.refresh();
  });
  await expect.poll(() => recipient.evaluate(() => window.history.state !== (window as unknown as { __stateBefore?: unknown }).__stateBefore)).toBe(true);
  expect(await recipient.evaluate(() => window.location.href)).not.toContain("#");
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(text);

  await recipient.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "How it works" }).click();
  await expect(recipient).toHaveURL(/\/how-it-works$/);
  await recipient.goBack();
  await expect(recipient).toHaveURL(/\/s$/);
  expect(await recipient.evaluate(() => window.location.href)).not.toContain("#");
  const history = await recipient.evaluate(() => JSON.stringify(window.history.state));
  expect(history).not.toContain(new URL(shareLink).hash.slice(2));
});

// Issue 10 item 15: browsers' page translation must not rewrite a secret, and a secret
// whose text hides characters is flagged as file names already are.
test("revealed text is never machine-translated, and hidden or direction-changing characters in it are flagged", async ({ page, guard, freshPage }) => {
  const plain = uniqueText("plain words");
  const tricky = `pay to account 12\u202E34 ${randomBytes(4).toString("hex")}\u200B`;
  const first = await createSecret(page, guard, { text: plain });
  const second = await createSecret(page, guard, { text: tricky });
  const recipient = await freshPage();

  await reveal(recipient, first.shareLink);
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(plain);
  await expect(recipient.getByTestId("revealed-text")).toHaveAttribute("translate", "no");
  await expect(recipient.getByTestId("revealed-text-warning")).toHaveCount(0);

  await open(recipient, second.shareLink);
  await recipient.getByTestId("open-new-link").click();
  await recipient.getByTestId("reveal-button").click();
  await expect(recipient.getByTestId("revealed-text")).toHaveValue(tricky);
  await expect(recipient.getByTestId("revealed-text")).toHaveAttribute("translate", "no");
  const warning = recipient.getByTestId("revealed-text-warning");
  await expect(warning).toContainText("invisible or direction-changing characters");
  await expect(warning).toContainText("U+202E");
  await expect(warning).toContainText("U+200B");
});
