/**
 * Shared fixtures for the e2e suite. Every browser context a test opens is watched:
 * - every request is recorded, and after the test none may carry a plaintext, passphrase,
 *   link key K or manage key M the test registered (in its URL, headers or body), and
 *   every request must go to the app's own origin;
 * - CSP violations, uncaught page errors and React hydration errors fail the test.
 */
import { expect, test as base, type Browser, type BrowserContext, type Page } from "@playwright/test";

export { expect };

interface RecordedRequest {
  url: string;
  method: string;
  headers: Promise<Record<string, string>>;
  body: Buffer | null;
}

/** What a test must never see leave the browser. */
export class Guard {
  readonly requests: RecordedRequest[] = [];
  readonly problems: string[] = [];
  private readonly forbidden = new Map<string, string>();
  private readonly expectedErrors: RegExp[] = [];

  constructor(readonly origin: string) {}

  /** A console error the test provokes on purpose (for example an aborted request). */
  expectConsoleError(pattern: RegExp) {
    this.expectedErrors.push(pattern);
  }

  /** Registers a value that no request may contain, in any of the encodings a bug might use. */
  forbid(label: string, value: string | Uint8Array) {
    if (typeof value === "string") {
      if (value.length < 4) throw new Error(`Too short to search for reliably: ${label}`);
      this.forbidden.set(value, label);
      this.forbidden.set(encodeURIComponent(value), `${label} (URL-encoded)`);
      this.forbidden.set(JSON.stringify(value).slice(1, -1), `${label} (JSON-escaped)`);
      return;
    }
    const bytes = Buffer.from(value);
    this.forbidden.set(bytes.toString("base64url"), `${label} (base64url)`);
    this.forbidden.set(bytes.toString("base64").replace(/=+$/, ""), `${label} (base64)`);
    this.forbidden.set(bytes.toString("hex"), `${label} (hex)`);
  }

  /** K and M from the links, as raw bytes, so every encoding of them is searched for. */
  forbidLinks(shareLink: string, manageLink?: string) {
    const shareFragment = new URL(shareLink).hash.slice(1);
    this.forbid("link key K", Buffer.from(shareFragment.slice(1), "base64url"));
    this.forbid("share fragment", shareFragment);
    if (manageLink) {
      const manageFragment = new URL(manageLink).hash.slice(1);
      this.forbid("manage key M", Buffer.from(manageFragment.slice(23), "base64url"));
      this.forbid("manage fragment", manageFragment);
    }
  }

  attach(context: BrowserContext) {
    context.on("request", (request) => {
      this.requests.push({
        url: request.url(),
        method: request.method(),
        headers: request.allHeaders().catch(() => request.headers()),
        body: request.postDataBuffer(),
      });
    });
    context.on("console", (message) => {
      const text = message.text();
      if (/Content.Security.Policy|CSP-VIOLATION/i.test(text)) this.problems.push(`CSP: ${text}`);
      else if (/hydrat/i.test(text) && message.type() === "error") this.problems.push(`Hydration: ${text}`);
      else if (
        message.type() === "error" &&
        !/^Failed to load resource: the server responded with a status of \d+/.test(text) &&
        !this.expectedErrors.some((pattern) => pattern.test(text))
      ) {
        this.problems.push(`console.error: ${text}`);
      }
    });
    context.on("weberror", (error) => this.problems.push(`Page error: ${error.error().message}`));
    // Reports violations that Chromium would only count, with the directive that fired.
    void context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`CSP-VIOLATION ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
  }

  /** Requests whose URL path starts with `prefix` (e.g. "/api/secrets"). */
  apiCalls(prefix: string): RecordedRequest[] {
    return this.requests.filter((request) => {
      try {
        return new URL(request.url).pathname.startsWith(prefix);
      } catch {
        return false;
      }
    });
  }

  async verify() {
    expect(this.problems, "CSP violations, page errors or hydration errors").toEqual([]);
    for (const request of this.requests) {
      const url = new URL(request.url);
      const origin = url.protocol === "blob:" ? new URL(request.url.slice("blob:".length)).origin : url.origin;
      if (url.protocol !== "data:") expect(origin, `request to another origin: ${request.url}`).toBe(this.origin);
      const headers = JSON.stringify(await request.headers);
      const body = request.body ? request.body.toString("latin1") + request.body.toString("utf8") : "";
      // The page URL itself carries the fragment, but browsers never send it: check what went out.
      const sentUrl = request.url.split("#")[0] ?? "";
      for (const [needle, label] of this.forbidden) {
        for (const [part, text] of [
          ["URL", sentUrl],
          ["headers", headers],
          ["body", body],
        ] as const) {
          expect(text.includes(needle), `${label} found in the ${part} of ${request.method} ${sentUrl}`).toBe(false);
        }
      }
    }
  }
}

export interface AppFixtures {
  guard: Guard;
  /** A new, isolated browser context (another person's browser), watched by the guard. */
  freshPage: () => Promise<Page>;
}

export const test = base.extend<AppFixtures>({
  guard: async ({ baseURL }, provide) => {
    const guard = new Guard(new URL(baseURL ?? "http://127.0.0.1").origin);
    await provide(guard);
    await guard.verify();
  },
  context: async ({ context, guard }, provide) => {
    guard.attach(context);
    await provide(context);
  },
  freshPage: async ({ browser, baseURL, guard, colorScheme, viewport }, provide) => {
    const contexts: BrowserContext[] = [];
    await provide(async () => {
      const context = await newWatchedContext(browser, guard, { baseURL, colorScheme, viewport });
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
  },
});

async function newWatchedContext(
  browser: Browser,
  guard: Guard,
  options: Parameters<Browser["newContext"]>[0],
): Promise<BrowserContext> {
  const context = await browser.newContext({ ...options, acceptDownloads: true });
  guard.attach(context);
  return context;
}

/** Navigates and waits until React has hydrated (see components/hydration-marker.tsx). */
export async function open(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

export interface CreateOptions {
  text?: string;
  files?: { name: string; mimeType: string; buffer: Buffer }[];
  passphrase?: string;
  views?: "Once" | "2 times" | "3 times" | "5 times" | "10 times";
  expiry?: "5 minutes" | "1 hour" | "1 day" | "7 days";
  allowlist?: string;
  submitWithKeyboard?: boolean;
}

export interface CreatedLinks {
  shareLink: string;
  manageLink: string;
}

/** Fills the create form and submits it. Does not wait for the result. */
export async function fillCreateForm(page: Page, guard: Guard, options: CreateOptions) {
  if (options.text !== undefined) {
    if (options.text.length >= 4) guard.forbid("plaintext", options.text);
    await page.getByTestId("secret-text").fill(options.text);
  }
  if (options.files) await page.getByTestId("file-input").setInputFiles(options.files);
  if (options.passphrase) {
    guard.forbid("passphrase", options.passphrase);
    await page.getByTestId("passphrase").fill(options.passphrase);
  }
  if (options.views) await page.getByText(options.views, { exact: true }).click();
  if (options.expiry) await page.getByText(options.expiry, { exact: true }).click();
  if (options.allowlist) {
    await page.getByText("Advanced: restrict by IP address").click();
    await page.getByLabel("Only these IP addresses may open it").fill(options.allowlist);
  }
}

/** Creates a secret through the form and returns both links (whose keys the guard then watches for). */
export async function createSecret(page: Page, guard: Guard, options: CreateOptions): Promise<CreatedLinks> {
  await open(page, "/");
  await fillCreateForm(page, guard, options);
  if (options.submitWithKeyboard) {
    await page.getByTestId("secret-text").focus();
    await page.keyboard.press("Control+Enter");
  } else {
    await page.getByTestId("create-button").click();
  }
  const shareLink = await page.getByTestId("share-link").inputValue();
  const manageLink = await page.getByTestId("manage-link").inputValue();
  guard.forbidLinks(shareLink, manageLink);
  return { shareLink, manageLink };
}

/** Opens a share link and presses Reveal (entering the passphrase first, if given). */
export async function reveal(page: Page, shareLink: string, passphrase?: string) {
  await open(page, shareLink);
  if (passphrase !== undefined) await page.getByTestId("reveal-passphrase").fill(passphrase);
  await page.getByTestId("reveal-button").click();
}
