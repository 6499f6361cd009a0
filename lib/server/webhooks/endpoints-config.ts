/**
 * The webhook settings (issue 14 §2): WEBHOOK_ENDPOINTS (or WEBHOOK_ENDPOINTS_FILE), the
 * SSRF switches, the proxy and the per-secret notify secret, parsed by lib/server/config.ts.
 *
 * Guarantees: a bad value is a list of problems that name the entry and the field, never a
 * URL or a secret (a URL may hold a token in its path, a secret is a secret). Every
 * endpoint that parses has https (or http with ALLOW_HTTP_WEBHOOKS=1), no user:password@,
 * known event names and at least one whsec_ secret of 24 to 64 bytes. Addresses are NOT
 * checked here: the server starts whatever the configuration names, and the SSRF guard
 * refuses forbidden addresses at each connection (./address-policy.ts).
 */
import "server-only";
import { createHash } from "node:crypto";
import { REQUEST_EVENT_NAMES, SECRET_EVENT_NAMES } from "@/lib/api/wire";
import type { EventName } from "@/lib/server/events/types";

/** Every §9 event name, from the HTTP contract's list (a missing or extra one fails to compile). */
export const EVENT_NAMES = [...SECRET_EVENT_NAMES, ...REQUEST_EVENT_NAMES] as const satisfies readonly EventName[];
type Exhaustive = EventName extends (typeof EVENT_NAMES)[number] ? true : never;
const exhaustive: Exhaustive = true;
void exhaustive;

export const MIN_WEBHOOK_SECRET_BYTES = 24;
export const MAX_WEBHOOK_SECRET_BYTES = 64;
/** More endpoints than this is a configuration mistake, not a deployment. */
export const MAX_WEBHOOK_ENDPOINTS = 50;

export interface WebhookEndpoint {
  url: string;
  /** The names it receives; "*" = all. */
  events: readonly EventName[] | "*";
  /** whsec_ secrets; every delivery is signed with each (rotation: old and new side by side). */
  secrets: readonly string[];
  /** sha256(url): what a queued job names, so a rotation keeps the endpoint's pending jobs. */
  urlKey: string;
  /** sha256(url + secrets): the disabled state is keyed by it, so changing either re-enables. */
  stateKey: string;
}

export interface WebhookConfig {
  endpoints: readonly WebhookEndpoint[];
  /** ALLOW_HTTP_WEBHOOKS=1: http:// targets accepted (development). */
  allowHttp: boolean;
  /** ALLOW_PRIVATE_WEBHOOKS=1: the address check is lifted (receiver on the operator's network, tests). */
  allowPrivate: boolean;
  /** WEBHOOK_PROXY_URL: every delivery goes through this HTTP(S) proxy. */
  proxyUrl?: string;
  /** ALLOW_SECRET_WEBHOOKS=1: anonymous creators may ask for a per-secret notify too. */
  allowSecretWebhooks: boolean;
  /** WEBHOOK_NOTIFY_SECRET: signs per-secret deliveries; the first one also seals their URLs. Empty = notify refused. */
  notifySecrets: readonly string[];
}

const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** The key bytes of a whsec_ secret, or null when it is not base64 of 24 to 64 bytes. */
export function webhookSecretBytes(secret: string): Buffer | null {
  const match = WHSEC.exec(secret);
  if (!match?.[1] || match[1].length % 4 !== 0) return null;
  const bytes = Buffer.from(match[1], "base64");
  if (bytes.toString("base64") !== match[1]) return null;
  return bytes.length >= MIN_WEBHOOK_SECRET_BYTES && bytes.length <= MAX_WEBHOOK_SECRET_BYTES ? bytes : null;
}

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * A problem with a webhook URL, or undefined. Never repeats the URL.
 * @param what how the message names it ("entry 2 url", "notify.url")
 */
export function webhookUrlProblem(value: unknown, allowHttp: boolean, what: string): string | undefined {
  if (typeof value !== "string" || value.length > 2048) return `${what} must be a URL of at most 2048 characters`;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `${what} must be an absolute https:// URL`;
  }
  if (parsed.protocol !== "https:" && !(allowHttp && parsed.protocol === "http:")) {
    return allowHttp ? `${what} must be an http:// or https:// URL` : `${what} must be an https:// URL (http:// needs ALLOW_HTTP_WEBHOOKS=1)`;
  }
  if (parsed.username !== "" || parsed.password !== "") return `${what} must not hold user:password@ (receivers verify the signature instead)`;
  if (parsed.hash !== "") return `${what} must not have a #fragment`;
  return undefined;
}

/** The event list of an endpoint or a notify, or a problem. */
export function parseEventList(value: unknown, what: string): { events: readonly EventName[] | "*" } | { problem: string } {
  if (!Array.isArray(value) || value.length === 0 || value.length > EVENT_NAMES.length + 1) {
    return { problem: `${what} must be a non-empty array of event names, or ["*"]` };
  }
  if (value.length === 1 && value[0] === "*") return { events: "*" };
  const names = new Set<EventName>();
  for (const name of value) {
    if (typeof name !== "string" || !(EVENT_NAMES as readonly string[]).includes(name)) {
      return { problem: `${what} must hold only ${EVENT_NAMES.join(", ")} (or be ["*"])` };
    }
    names.add(name as EventName);
  }
  return { events: [...names] };
}

export function wantsEvent(events: readonly EventName[] | "*", type: EventName): boolean {
  return events === "*" || events.includes(type);
}

/**
 * WEBHOOK_ENDPOINTS: a JSON array of {url, events, secret} where `secret` may be one
 * whsec_ string, a list of them, or given as `secrets` (a list). Unknown fields are refused,
 * so a typo (`event`) cannot silently subscribe to nothing.
 */
export function parseWebhookEndpoints(raw: string | undefined, allowHttp: boolean): { endpoints: WebhookEndpoint[]; problems: string[] } {
  const problems: string[] = [];
  const endpoints: WebhookEndpoint[] = [];
  if (raw === undefined || raw.trim() === "") return { endpoints, problems };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret.
    return { endpoints, problems: ["WEBHOOK_ENDPOINTS must be a JSON array (it is not valid JSON)"] };
  }
  if (!Array.isArray(parsed)) return { endpoints, problems: ["WEBHOOK_ENDPOINTS must be a JSON array of {url, events, secret}"] };
  if (parsed.length > MAX_WEBHOOK_ENDPOINTS) problems.push(`WEBHOOK_ENDPOINTS must list at most ${MAX_WEBHOOK_ENDPOINTS} endpoints`);
  const seen = new Map<string, number>();
  parsed.slice(0, MAX_WEBHOOK_ENDPOINTS).forEach((entry: unknown, index) => {
    const where = `WEBHOOK_ENDPOINTS entry ${index + 1}`;
    const problemsBefore = problems.length;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object {url, events, secret}`);
      return;
    }
    const record = entry as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !["url", "events", "secret", "secrets"].includes(key));
    if (unknown.length > 0) problems.push(`${where} has unknown fields (only url, events, secret or secrets)`);
    const urlProblem = webhookUrlProblem(record.url, allowHttp, `${where} url`);
    if (urlProblem) problems.push(urlProblem);
    const eventList = parseEventList(record.events, `${where} events`);
    if ("problem" in eventList) problems.push(eventList.problem);
    if (record.secret !== undefined && record.secrets !== undefined) problems.push(`${where} must have secret or secrets, not both`);
    const given = record.secrets ?? record.secret;
    const secrets = typeof given === "string" ? [given] : Array.isArray(given) ? given : [];
    if (secrets.length === 0 || secrets.length > 5) {
      problems.push(`${where} needs a secret: "whsec_<base64 of ${MIN_WEBHOOK_SECRET_BYTES} to ${MAX_WEBHOOK_SECRET_BYTES} bytes>" (or a list of up to 5 during a rotation)`);
    } else if (!secrets.every((secret) => typeof secret === "string" && webhookSecretBytes(secret) !== null)) {
      problems.push(`${where} secret must be whsec_ followed by the base64 of ${MIN_WEBHOOK_SECRET_BYTES} to ${MAX_WEBHOOK_SECRET_BYTES} random bytes`);
    }
    if ("problem" in eventList || problems.length > problemsBefore) return;
    const url = record.url as string;
    const first = seen.get(url);
    if (first !== undefined) {
      problems.push(`${where} repeats the url of entry ${first} (give one entry several events instead)`);
      return;
    }
    seen.set(url, index + 1);
    const typedSecrets = secrets as string[];
    endpoints.push({
      url,
      events: eventList.events,
      secrets: typedSecrets,
      urlKey: sha256Hex(`burnlink/webhook-url\0${url}`),
      stateKey: sha256Hex(`burnlink/webhook-state\0${url}\0${typedSecrets.join(" ")}`),
    });
  });
  return { endpoints, problems };
}

/** WEBHOOK_NOTIFY_SECRET: one or more whsec_ secrets separated by spaces. */
export function parseNotifySecrets(raw: string | undefined): { secrets: string[]; problems: string[] } {
  if (raw === undefined || raw.trim() === "") return { secrets: [], problems: [] };
  const secrets = raw.trim().split(/\s+/);
  if (secrets.length > 5 || !secrets.every((secret) => webhookSecretBytes(secret) !== null)) {
    return {
      secrets: [],
      problems: [`WEBHOOK_NOTIFY_SECRET must be up to 5 whsec_ secrets (base64 of ${MIN_WEBHOOK_SECRET_BYTES} to ${MAX_WEBHOOK_SECRET_BYTES} bytes each) separated by spaces`],
    };
  }
  return { secrets, problems: [] };
}

/** The state key of a per-secret notify target (its plain URL never leaves the worker's memory). */
export function notifyStateKey(url: string): string {
  return sha256Hex(`burnlink/webhook-notify-state\0${url}`);
}
