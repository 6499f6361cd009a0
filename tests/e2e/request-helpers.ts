/**
 * Helpers for the request specs (PROTOCOL.md §7, issue 12 §3): make a request through the
 * home page's "Request a secret" form or straight through the API, and register every key
 * of its links with the guard, so no request of any browser may carry R, sk, pk, the
 * fragments or the instructions.
 */
import type { APIRequestContext, Page } from "@playwright/test";
import { formatCollectLink, formatRequestLink, requestSecretKeyFromCollectKey, sealRequest } from "../../lib/crypto";
import { expect, open, type Guard } from "./fixtures";

export interface RequestLinks {
  requestLink: string;
  collectLink: string;
}

/** Forbids R, sk and pk (every encoding) and both fragments in anything a browser sends. */
export function forbidRequestLinks(guard: Guard, links: RequestLinks) {
  const requestFragment = new URL(links.requestLink).hash.slice(1);
  const collectFragment = new URL(links.collectLink).hash.slice(1);
  const collectKey = Buffer.from(collectFragment.slice(1), "base64url");
  // The server must never learn the public key either: it could then forge answers' codes.
  guard.forbid("request public key pk", Buffer.from(requestFragment.slice(1), "base64url"));
  guard.forbid("request fragment", requestFragment);
  guard.forbid("collect key R", collectKey);
  guard.forbid("collect fragment", collectFragment);
  guard.forbid("request secret key sk", requestSecretKeyFromCollectKey(collectKey));
}

export interface RequestFormOptions {
  label?: string;
  answers?: "One" | "Up to 2" | "Up to 3" | "Up to 5" | "Up to 10";
  expiry?: "5 minutes" | "1 hour" | "1 day" | "7 days";
}

/** Opens the home page, switches to "Request a secret" and fills the form (without submitting). */
export async function fillRequestForm(page: Page, guard: Guard, options: RequestFormOptions) {
  await open(page, "/");
  await page.getByTestId("mode-request").click();
  await expect(page.getByTestId("request-form")).toBeVisible();
  if (options.label !== undefined) {
    if (options.label.length >= 4) guard.forbid("instructions", options.label);
    await page.getByTestId("request-label").fill(options.label);
  }
  if (options.answers) await page.getByText(options.answers, { exact: true }).click();
  if (options.expiry) await page.getByText(options.expiry, { exact: true }).click();
}

/** Makes a request through the form and returns both links (whose keys the guard then watches for). */
export async function createRequestInForm(page: Page, guard: Guard, options: RequestFormOptions): Promise<RequestLinks> {
  await fillRequestForm(page, guard, options);
  await page.getByTestId("request-create-button").click();
  const requestLink = await page.getByTestId("request-link").inputValue();
  const collectLink = await page.getByTestId("collect-link").inputValue();
  const links = { requestLink, collectLink };
  forbidRequestLinks(guard, links);
  return links;
}

/** Makes a request through the API, for lifetimes the form does not offer (an expiry test). */
export async function createRequestViaApi(
  request: APIRequestContext,
  origin: string,
  guard: Guard,
  options: { label?: string; ttlSeconds: number; maxResponses: number },
): Promise<RequestLinks> {
  if (options.label !== undefined && options.label.length >= 4) guard.forbid("instructions", options.label);
  const sealed = sealRequest(options.label === undefined ? {} : { label: options.label });
  const created = await request.post("/api/requests", {
    data: {
      id: sealed.id,
      writeVerifier: sealed.writeVerifier,
      collectVerifier: sealed.collectVerifier,
      ...(sealed.label === undefined ? {} : { label: sealed.label }),
      ttlSeconds: options.ttlSeconds,
      maxResponses: options.maxResponses,
    },
  });
  expect(created.status()).toBe(201);
  const links = {
    requestLink: formatRequestLink(origin, sealed.publicKey),
    collectLink: formatCollectLink(origin, sealed.collectKey),
  };
  forbidRequestLinks(guard, links);
  return links;
}

/** Every request a page sends, as "METHOD /path", in order. */
export function recordCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/api/")) calls.push(`${request.method()} ${url.pathname}`);
  });
  return calls;
}

/** Answers a request in the responder's browser: text and files, then Submit; returns the code shown. */
export async function answerRequest(
  page: Page,
  guard: Guard,
  requestLink: string,
  answer: { text?: string; files?: { name: string; mimeType: string; buffer: Buffer }[] },
): Promise<string> {
  await open(page, requestLink);
  await expect(page.getByTestId("respond-form")).toBeVisible();
  if (answer.text !== undefined) {
    if (answer.text.length >= 4) guard.forbid("answer text", answer.text);
    await page.getByTestId("respond-text").fill(answer.text);
  }
  if (answer.files) await page.getByTestId("file-input").setInputFiles(answer.files);
  await page.getByTestId("respond-button").click();
  await expect(page.getByTestId("respond-sent")).toContainText(/the requester can now collect it; nothing else to send/i);
  const code = (await page.getByTestId("respond-code").textContent()) ?? "";
  expect(code).toMatch(/^\d{6}$/);
  return code;
}
