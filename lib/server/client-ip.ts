/**
 * Which address a request comes from, decided by TRUST_PROXY (PROTOCOL.md §4 allowlists
 * and audit events depend on it, so a client must not be able to choose it).
 *
 * - The socket address arrives in `x-burnlink-peer`, which lib/server/start.mjs deletes
 *   from every incoming request and then sets from `req.socket.remoteAddress`. It is
 *   believed only when start.mjs runs the process (config.peerHeaderTrusted).
 * - TRUST_PROXY=0 (default): the socket address. X-Forwarded-For is ignored, so a forged
 *   header never changes the result.
 * - TRUST_PROXY=n: the chain is the X-Forwarded-For entries followed by the socket
 *   address; the last n entries were written by our own proxies, so the client is the
 *   n-th entry from the right (counting the socket address as the 0-th). A chain shorter
 *   than that yields its leftmost entry, as Express's `trust proxy` does.
 * - TRUST_PROXY=vercel: Vercel's edge overwrites `x-real-ip` and `x-forwarded-for` with
 *   the address it saw, so the first of those is believed; the socket is Vercel's. This
 *   is the default when VERCEL=1 and TRUST_PROXY is unset.
 * An address that cannot be determined or parsed is "unknown": ipHex is `::` (matched by
 * no allowlist except ::/0) and no IP is recorded in events.
 */
import "server-only";
import type { Requester } from "@/lib/store/types";
import type { ServerConfig } from "./config";
import { auditIpOf, ipAddressToHex, parseInfrastructureAddress, UNKNOWN_IP_HEX, type IpAddress } from "@/lib/net/ip-address";

export const PEER_HEADER = "x-burnlink-peer";

type ClientIpConfig = Pick<ServerConfig, "trustProxy" | "peerHeaderTrusted" | "auditIp">;

function forwardedEntries(headers: Headers): string[] {
  const value = headers.get("x-forwarded-for");
  if (!value) return [];
  return value.split(",").map((entry) => entry.trim());
}

/** The client's address per the rules above, or null when it is unknown. */
export function clientAddressOf(headers: Headers, config: ClientIpConfig): IpAddress | null {
  if (config.trustProxy === "vercel") {
    const realIp = headers.get("x-real-ip");
    if (realIp) return parseInfrastructureAddress(realIp);
    const first = forwardedEntries(headers)[0];
    return first ? parseInfrastructureAddress(first) : null;
  }
  const peer = config.peerHeaderTrusted ? headers.get(PEER_HEADER) : null;
  const chain: (string | null)[] = [...forwardedEntries(headers), peer];
  if (config.trustProxy === 0) return peer ? parseInfrastructureAddress(peer) : null;
  const index = Math.max(0, chain.length - 1 - config.trustProxy);
  const chosen = chain[index];
  return chosen ? parseInfrastructureAddress(chosen) : null;
}

/** The store's view of who asks: 32-hex address and the audit form per AUDIT_IP. */
export function requesterOf(headers: Headers, config: ClientIpConfig): Requester {
  const address = clientAddressOf(headers, config);
  const auditIp = auditIpOf(address, config.auditIp);
  return {
    ipHex: address ? ipAddressToHex(address) : UNKNOWN_IP_HEX,
    ...(auditIp === undefined ? {} : { auditIp }),
  };
}
