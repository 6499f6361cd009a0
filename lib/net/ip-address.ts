/**
 * Strict IP address and CIDR parsing for allowlists and client addresses
 * (PROTOCOL.md §4: "IPv4/IPv6 addresses or CIDRs, no spaces, no zone ids; an IPv4
 * entry also matches its IPv4-mapped IPv6 form"), and the audit masking of §4 status.
 *
 * Guarantees:
 * - every address is held as 16 bytes; IPv4 lives in ::ffff:0:0/96, so one 128-bit
 *   comparison in the store covers v4, v6 and v4-mapped v6 alike;
 * - the allowlist parser accepts only what a person would mean unambiguously: dotted
 *   IPv4 without leading zeros (so `010.0.0.1` cannot be read as octal by anyone),
 *   IPv6 in RFC 4291 text form (optionally with a trailing dotted quad), prefix lengths
 *   0..32 / 0..128 written without leading zeros;
 * - a CIDR with host bits set (`192.168.1.5/24`) is REJECTED with a message naming the
 *   network that was probably meant: accepting it silently would show the creator a
 *   restriction other than the one the store enforces.
 * Pure: no Node or Next imports, so the rules can be unit-tested and reused.
 */

export const IPV4_MAPPED_PREFIX_LENGTH = 96;

/** A network as 32 hex digits (16 bytes) and a prefix length 0..128. */
export interface IpPrefix {
  network: string;
  prefixLength: number;
}

export interface IpAddress {
  /** 16 bytes; IPv4 addresses are stored as ::ffff:a.b.c.d. */
  bytes: Uint8Array;
}

export type AuditIpMode = "masked" | "full" | "none";

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_PATTERN = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const HEX_GROUP_PATTERN = /^[0-9A-Fa-f]{1,4}$/;
const PREFIX_LENGTH_PATTERN = /^(?:0|[1-9]\d{0,2})$/;

function parseIpv4Bytes(text: string): Uint8Array | null {
  if (!IPV4_PATTERN.test(text)) return null;
  return Uint8Array.from(text.split(".").map(Number));
}

function parseIpv6Bytes(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;

  const toGroups = (part: string, allowTrailingIpv4: boolean): number[] | null => {
    if (part === "") return [];
    const pieces = part.split(":");
    const groups: number[] = [];
    for (const [index, piece] of pieces.entries()) {
      const isLast = index === pieces.length - 1;
      if (isLast && allowTrailingIpv4 && piece.includes(".")) {
        const v4 = parseIpv4Bytes(piece);
        if (!v4) return null;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (HEX_GROUP_PATTERN.test(piece)) {
        groups.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };

  let groups: number[];
  if (halves.length === 1) {
    const all = toGroups(text, true);
    if (!all || all.length !== 8) return null;
    groups = all;
  } else {
    const head = toGroups(halves[0] ?? "", false);
    const tail = toGroups(halves[1] ?? "", true);
    // "::" stands for at least one zero group (RFC 4291 §2.2).
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }

  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function mapIpv4(v4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(v4, 12);
  return bytes;
}

/** True when the address lies in ::ffff:0:0/96, i.e. it is an IPv4 address. */
export function isIpv4(address: IpAddress): boolean {
  const { bytes } = address;
  for (let index = 0; index < 10; index += 1) if (bytes[index] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Parses one address written exactly (no brackets, port, zone id or spaces).
 * Returns null for anything else.
 */
export function parseIpAddress(text: string): IpAddress | null {
  const v4 = parseIpv4Bytes(text);
  if (v4) return { bytes: mapIpv4(v4) };
  if (!text.includes(":")) return null;
  const v6 = parseIpv6Bytes(text);
  return v6 ? { bytes: v6 } : null;
}

/**
 * Parses an address as proxies and sockets write it: tolerates surrounding spaces,
 * `[v6]`, `[v6]:port`, `a.b.c.d:port` and a zone id (`fe80::1%eth0`, dropped).
 * Only for addresses that come from infrastructure, never for allowlist entries.
 */
export function parseInfrastructureAddress(raw: string): IpAddress | null {
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1]) text = bracketed[1];
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  const zone = text.indexOf("%");
  if (zone > 0) text = text.slice(0, zone);
  return parseIpAddress(text);
}

export function ipAddressToHex(address: IpAddress): string {
  return Array.from(address.bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * What the store is given when the client address is unknown (no trusted socket address,
 * an unparsable proxy entry). It is deliberately NOT an address: every allowlist check
 * (lib/store/allowlist.ts and `ip_allowed` in lib/store/scripts.ts) refuses anything but
 * 32 hex digits, so an unknown client matches no entry at all, not even `::/0`. (It used
 * to be `::`, which `::/0`, `::/1` or `::/128` admitted.)
 */
export const UNKNOWN_IP_HEX = "";

/**
 * True for the unspecified address (`::`, `0.0.0.0` and its v4-mapped form). It is never
 * a real source address (RFC 4291 §2.5.2, RFC 1122 §3.2.1.3): a proxy header holding it
 * means "I don't know", so callers treat it as an unknown client.
 */
export function isUnspecified(address: IpAddress): boolean {
  const bytes = isIpv4(address) ? address.bytes.subarray(12) : address.bytes;
  return bytes.every((byte) => byte === 0);
}

function maskBytes(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const masked = new Uint8Array(16);
  for (let index = 0; index < 16; index += 1) {
    const bitsHere = Math.max(0, Math.min(8, prefixLength - index * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    masked[index] = (bytes[index] ?? 0) & mask;
  }
  return masked;
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/** Canonical text: dotted quad for IPv4 (including v4-mapped), RFC 5952 for IPv6. */
export function formatIpAddress(address: IpAddress): string {
  if (isIpv4(address)) return Array.from(address.bytes.subarray(12)).join(".");
  return formatIpv6(address.bytes);
}

/**
 * What a status event records for this address (PROTOCOL.md §4): `masked` keeps the
 * network only (IPv4 /24, IPv6 /48, in CIDR form), `full` the address, `none` nothing.
 */
export function auditIpOf(address: IpAddress | null, mode: AuditIpMode): string | undefined {
  if (!address || mode === "none") return undefined;
  if (mode === "full") return formatIpAddress(address);
  if (isIpv4(address)) {
    const [a, b, c] = address.bytes.subarray(12);
    return `${a}.${b}.${c}.0/24`;
  }
  return `${formatIpv6(maskBytes(address.bytes, 48))}/48`;
}

export type IpPrefixParse = { ok: true; prefix: IpPrefix } | { ok: false; message: string };

/**
 * Parses one allowlist entry: an address (a /32 or /128 network) or a CIDR.
 * Returns the store's canonical prefix, or a message that quotes the entry.
 */
export function parseAllowlistEntry(entry: string): IpPrefixParse {
  const slash = entry.indexOf("/");
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const lengthText = slash < 0 ? undefined : entry.slice(slash + 1);
  const shown = JSON.stringify(entry.length > 60 ? `${entry.slice(0, 60)}…` : entry);

  const address = parseIpAddress(addressText);
  if (!address) {
    return { ok: false, message: `${shown} is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)` };
  }
  const ipv4 = isIpv4(address) && !addressText.includes(":");
  const familyBits = ipv4 ? 32 : 128;
  let prefixLength = familyBits;
  if (lengthText !== undefined) {
    if (!PREFIX_LENGTH_PATTERN.test(lengthText) || Number(lengthText) > familyBits) {
      return { ok: false, message: `${shown} has a prefix length outside 0..${familyBits}` };
    }
    prefixLength = Number(lengthText);
  }
  const storePrefixLength = ipv4 ? IPV4_MAPPED_PREFIX_LENGTH + prefixLength : prefixLength;
  const network = maskBytes(address.bytes, storePrefixLength);
  if (!network.every((byte, index) => byte === address.bytes[index])) {
    const suggestion = `${formatIpAddress({ bytes: network })}/${prefixLength}`;
    return { ok: false, message: `${shown} has host bits set after the prefix; did you mean ${suggestion}?` };
  }
  return { ok: true, prefix: { network: ipAddressToHex({ bytes: network }), prefixLength: storePrefixLength } };
}

/** True when the 32-hex address lies inside the prefix (what the store checks). */
export function prefixContains(prefix: IpPrefix, ipHex: string): boolean {
  const fullNibbles = Math.floor(prefix.prefixLength / 4);
  if (ipHex.slice(0, fullNibbles) !== prefix.network.slice(0, fullNibbles)) return false;
  const restBits = prefix.prefixLength % 4;
  if (restBits === 0) return true;
  const mask = (0xf << (4 - restBits)) & 0xf;
  const a = Number.parseInt(ipHex.charAt(fullNibbles), 16);
  const b = Number.parseInt(prefix.network.charAt(fullNibbles), 16);
  return (a & mask) === (b & mask);
}
