/**
 * Client-side check of the optional allowlist, so mistakes show while typing. The server
 * validates again (PROTOCOL.md §4: IPv4/IPv6 addresses or CIDRs, no spaces, no zone ids);
 * this only has to agree with it on what a well-formed entry looks like.
 */

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((part) => IPV4_OCTET.test(part));
}

export function isIPv6(text: string): boolean {
  if (text.includes("%")) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** One entry: an address, or an address with a /prefix in range. */
export function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefix = slash === -1 ? null : entry.slice(slash + 1);
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max < 0) return false;
  if (prefix === null) return true;
  return /^(0|[1-9]\d{0,2})$/.test(prefix) && Number(prefix) <= max;
}

export interface ParsedAllowlist {
  entries: string[];
  invalid: string[];
}

/** Splits on commas, spaces and line breaks; reports every entry that is not well formed. */
export function parseAllowlist(text: string): ParsedAllowlist {
  const entries = [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
  return { entries, invalid: entries.filter((entry) => !isAddressOrCidr(entry)) };
}
