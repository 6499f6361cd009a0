/**
 * Which address a request comes from, decided by TRUST_PROXY (PROTOCOL.md §4 allowlists
 * and audit events depend on it, so a client must not be able to choose it).
 *
 * - The socket address arrives in `x-burnlink-peer`. lib/server/start.mjs deletes that
 *   header and `x-burnlink-peer-proof` from every incoming request, then sets the first
 *   from `req.socket.remoteAddress` and the second to a random secret it made at boot.
 *   The peer header is believed only when its proof equals that secret, which start.mjs
 *   leaves in this process as a non-enumerable global (PEER_SECRET_KEY) before it loads
 *   Next. Nothing outside the process can set it: not an environment variable (a copied
 *   `.env` under plain `next start` used to make a forged header trusted), not a header,
 *   not a child process. Under plain `next start` there is no secret, so the peer is
 *   unknown whatever a client sends.
 * - TRUST_PROXY=0 (default): the socket address. X-Forwarded-For is ignored, so a forged
 *   header never changes the result.
 * - TRUST_PROXY=n: the chain is the X-Forwarded-For entries followed by the socket
 *   address; the last n entries were written by our own proxies, so the client is the
 *   n-th entry from the right (counting the socket address as the 0-th). A chain shorter
 *   than that yields its leftmost entry, as Express's `trust proxy` does.
 * - TRUST_PROXY=vercel: Vercel's edge overwrites `x-real-ip` and `x-forwarded-for` with
 *   the address it saw, so the first of those is believed; the socket is Vercel's. This
 *   is the default when VERCEL=1 and TRUST_PROXY is unset.
 * An address that cannot be determined or parsed, or the unspecified address (`::`,
 * `0.0.0.0`), is "unknown": the store gets UNKNOWN_IP_HEX, which matches no allowlist
 * entry at all (not even `::/0`), and no IP is recorded in events.
 */
import "server-only";
import { timingSafeEqual } from "node:crypto";
import type { Requester } from "@/lib/store/types";
import type { ServerConfig } from "./config";
import {
  auditIpOf,
  ipAddressToHex,
  isUnspecified,
  parseInfrastructureAddress,
  UNKNOWN_IP_HEX,
  type IpAddress,
} from "@/lib/net/ip-address";

export const PEER_HEADER = "x-burnlink-peer";
export const PEER_PROOF_HEADER = "x-burnlink-peer-proof";
/** The global under which start.mjs leaves its per-boot secret (a string). */
export const PEER_SECRET_KEY = Symbol.for("burnlink.peerSecret");

type ClientIpConfig = Pick<ServerConfig, "trustProxy" | "auditIp"> & {
  /** The secret the peer proof must equal; by default the one start.mjs left in this process. */
  peerSecret?: string | null;
};

/** start.mjs's per-boot secret, or null when something else (e.g. `next start`) runs the process. */
export function processPeerSecret(): string | null {
  const value: unknown = (globalThis as Record<symbol, unknown>)[PEER_SECRET_KEY];
  return typeof value === "string" && value.length >= 32 ? value : null;
}

function provesPeer(headers: Headers, secret: string | null): boolean {
  const proof = headers.get(PEER_PROOF_HEADER);
  if (!secret || !proof) return false;
  const given = Buffer.from(proof, "utf8");
  const expected = Buffer.from(secret, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function forwardedEntries(headers: Headers): string[] {
  const value = headers.get("x-forwarded-for");
  if (!value) return [];
  return value.split(",").map((entry) => entry.trim());
}

function known(text: string | null | undefined): IpAddress | null {
  if (!text) return null;
  const address = parseInfrastructureAddress(text);
  return address && !isUnspecified(address) ? address : null;
}

/** The client's address per the rules above, or null when it is unknown. */
export function clientAddressOf(headers: Headers, config: ClientIpConfig): IpAddress | null {
  if (config.trustProxy === "vercel") {
    const realIp = headers.get("x-real-ip");
    if (realIp) return known(realIp);
    return known(forwardedEntries(headers)[0]);
  }
  const secret = config.peerSecret === undefined ? processPeerSecret() : config.peerSecret;
  const peer = provesPeer(headers, secret) ? headers.get(PEER_HEADER) : null;
  if (config.trustProxy === 0) return known(peer);
  const chain: (string | null)[] = [...forwardedEntries(headers), peer];
  const index = Math.max(0, chain.length - 1 - config.trustProxy);
  return known(chain[index]);
}

/** The store's view of who asks: 32-hex address (or UNKNOWN_IP_HEX) and the audit form per AUDIT_IP. */
export function requesterOf(headers: Headers, config: ClientIpConfig): Requester {
  const address = clientAddressOf(headers, config);
  const auditIp = auditIpOf(address, config.auditIp);
  return {
    ipHex: address ? ipAddressToHex(address) : UNKNOWN_IP_HEX,
    ...(auditIp === undefined ? {} : { auditIp }),
  };
}
