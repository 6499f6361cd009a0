/**
 * Allowlist matching on canonical 128-bit addresses (PROTOCOL.md §4: an IPv4
 * entry also matches its IPv4-mapped IPv6 form, because both are mapped into
 * ::ffff:0:0/96 by the caller). The memory driver uses this function; the Lua
 * scripts in ./scripts.ts implement the same comparison nibble by nibble.
 */
import "server-only";
import type { IpPrefix } from "./types";

/** Does `ipHex` (32 lowercase hex digits, or "" for unknown) fall in `prefix`? */
export function ipInPrefix(ipHex: string, prefix: IpPrefix): boolean {
  if (ipHex.length !== 32) return false;
  const wholeNibbles = Math.floor(prefix.prefixLength / 4);
  if (ipHex.slice(0, wholeNibbles) !== prefix.network.slice(0, wholeNibbles)) return false;
  const restBits = prefix.prefixLength - wholeNibbles * 4;
  if (restBits === 0) return true;
  const unit = 2 ** (4 - restBits);
  const client = parseInt(ipHex.charAt(wholeNibbles), 16);
  const network = parseInt(prefix.network.charAt(wholeNibbles), 16);
  return Math.floor(client / unit) === Math.floor(network / unit);
}

/** An empty allowlist admits everyone; otherwise one matching entry is enough. */
export function ipAllowed(ipHex: string, prefixes: readonly IpPrefix[]): boolean {
  return prefixes.length === 0 || prefixes.some((prefix) => ipInPrefix(ipHex, prefix));
}
