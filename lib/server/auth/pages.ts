/**
 * The few HTML answers of the sign-in routes (a browser lands on them): plain text in a
 * fixed template, escaped, no script, no external resource, and a CSP that allows
 * nothing (/api is outside proxy.ts, which sets the pages' CSP).
 */
import "server-only";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function authPage(status: number, title: string, message: string, headers: Headers = new Headers()): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Burnlink</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to Burnlink</a></p></main></body></html>`;
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  headers.set("Referrer-Policy", "no-referrer");
  return new Response(html, { status, headers });
}
