/**
 * The HTTP client of webhook deliveries: an undici Agent whose connector checks the
 * RESOLVED address of every new connection (issue 14 §2, the SSRF guard), or a ProxyAgent
 * for WEBHOOK_PROXY_URL.
 *
 * Guarantees:
 * - the check runs inside the connector, on the address the socket is opened to, for every
 *   connection (not once per URL): a name that resolved to a public address when checked
 *   and to 127.0.0.1 a second later (DNS rebinding) is refused on the connection that
 *   would reach 127.0.0.1. IP literals go through the same check;
 * - every address a name resolves to must be allowed (one private answer refuses the name),
 *   and the socket is opened to an address that was checked, never re-resolved;
 * - TLS still verifies the certificate against the URL's host name (SNI = the name);
 * - with a proxy, the proxy opens the connection to the target, so the target name is
 *   resolved and checked here first (preflight) and the proxy is trusted with the rest;
 * - ALLOW_PRIVATE_WEBHOOKS=1 lifts the address check (nothing else: same connector, same TLS).
 */
import "server-only";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Agent, buildConnector, ProxyAgent, type Dispatcher } from "undici";
import { forbiddenAddressTextReason } from "./address-policy";

/** A name's addresses; tests inject one, the default asks the system resolver. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** A delivery the guard refused: `reason` names the range, never the address or the URL. */
export class WebhookRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`webhook target refused: ${reason}`);
    this.name = "WebhookRefusedError";
  }
}

export interface GuardOptions {
  allowPrivate: boolean;
  proxyUrl?: string;
  resolve?: Resolver;
  connectTimeoutMs?: number;
  /** Extra trusted CA certificates (PEM). Tests use it; operators use NODE_EXTRA_CA_CERTS. */
  ca?: string;
}

const unbracketed = (hostname: string) => (hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname);

/** The addresses of `hostname`, all of them allowed (unless `allowPrivate`), or WebhookRefusedError. */
export async function checkedAddresses(hostname: string, resolve: Resolver, allowPrivate = false): Promise<string[]> {
  const name = unbracketed(hostname);
  let addresses: string[];
  try {
    addresses = isIP(name) ? [name] : await resolve(name);
  } catch {
    throw new WebhookRefusedError("the host name does not resolve");
  }
  if (addresses.length === 0) throw new WebhookRefusedError("the host name does not resolve");
  if (allowPrivate) return addresses;
  for (const address of addresses) {
    const reason = forbiddenAddressTextReason(address);
    if (reason) throw new WebhookRefusedError(`it resolves to a ${reason} address`);
  }
  return addresses;
}

/** The first WebhookRefusedError in an error's cause chain (undici may wrap connector errors). */
export function refusalIn(error: unknown): WebhookRefusedError | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof WebhookRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface WebhookHttp {
  dispatcher: Dispatcher;
  /** Runs before each request: with a proxy, the target's check; otherwise nothing (the connector checks). */
  preflight(url: URL): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookHttp(options: GuardOptions): WebhookHttp {
  const resolve = options.resolve ?? systemResolver;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const tls = options.ca === undefined ? {} : { ca: options.ca };
  if (options.proxyUrl) {
    const dispatcher = new ProxyAgent({ uri: options.proxyUrl, connectTimeout: timeout, requestTls: tls });
    return {
      dispatcher,
      preflight: async (url) => {
        if (!options.allowPrivate) await checkedAddresses(url.hostname, resolve);
      },
      close: () => dispatcher.close(),
    };
  }
  // The same connector with ALLOW_PRIVATE_WEBHOOKS=1 (it then skips only the address
  // check), so the path that connects to a checked address, TLS included, is always the one in use.
  const base = buildConnector({ timeout, ...tls });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const name = unbracketed(connectOptions.hostname);
    checkedAddresses(name, resolve, options.allowPrivate).then(
      ([address]) => {
        // The socket goes to the checked address; TLS (SNI and the certificate check) still uses the name.
        const servername = connectOptions.servername ?? (isIP(name) ? undefined : name);
        base({ ...connectOptions, hostname: address!, ...(servername ? { servername } : {}) }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
  const dispatcher = new Agent({ connect });
  return { dispatcher, preflight: async () => undefined, close: () => dispatcher.close() };
}
