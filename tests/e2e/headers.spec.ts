import { expect, open, test } from "./fixtures";

const PAGES = ["/", "/s", "/m", "/r", "/how-it-works", "/no-such-page"];

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")] as const;
      }),
  );
}

test("every page sends a strict nonce CSP and the other security headers", async ({ request }) => {
  const nonces = new Set<string>();
  for (const path of PAGES) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(path === "/no-such-page" ? 404 : 200);
    const headers = response.headers();
    const csp = directives(headers["content-security-policy"] ?? "");
    const script = csp.get("script-src") ?? "";
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(script)?.[1];
    expect(nonce, `${path} script-src has a nonce`).toBeTruthy();
    nonces.add(nonce ?? "");
    expect(script).toContain("'strict-dynamic'");
    expect(script).not.toContain("'unsafe-eval'");
    expect(script).not.toContain("'unsafe-inline'");
    expect(csp.get("style-src") ?? "").not.toContain("'unsafe-inline'");
    expect(csp.get("object-src")).toBe("'none'");
    expect(csp.get("base-uri")).toBe("'none'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.get("form-action")).toBe("'self'");
    expect(csp.get("connect-src")).toBe("'self'");
    expect(csp.get("default-src")).toBe("'self'");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(headers["permissions-policy"]).toContain("camera=()");
    expect(headers["x-powered-by"]).toBeUndefined();
    expect(headers["strict-transport-security"], "no HSTS over plain HTTP").toBeUndefined();
    const robots = headers["x-robots-tag"];
    if (path === "/s" || path === "/m" || path === "/r") expect(robots).toContain("noindex");
    else expect(robots).toBeUndefined();

    // Every script Next emits carries this response's nonce, or the page could not hydrate.
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
  }
  expect(nonces.size, "a fresh nonce per response").toBe(PAGES.length);
});

test("HSTS is sent when the page was requested over HTTPS", async ({ request }) => {
  const response = await request.get("/", { headers: { "x-forwarded-proto": "https" } });
  expect(response.headers()["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
  expect(response.headers()["content-security-policy"]).toContain("upgrade-insecure-requests");
});

test("API answers are never cached", async ({ request }) => {
  const response = await request.get("/api/config");
  expect(response.headers()["cache-control"]).toContain("no-store");
  expect(response.headers()["x-powered-by"]).toBeUndefined();
});

test("every page hydrates in Chromium with zero CSP violations and requests nothing from another origin", async ({ page, guard }) => {
  for (const path of PAGES) await open(page, path);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  expect(guard.requests.length).toBeGreaterThan(PAGES.length);
});
