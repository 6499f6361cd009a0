/**
 * Which resolved addresses a webhook may connect to (issue 14 §2, the SSRF guard).
 *
 * Guarantees: an address is refused when it, or the IPv4 address it carries (v4-mapped,
 * v4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16), lies in a range that is not the public
 * Internet: unspecified, loopback, "this network", private (RFC 1918), CGNAT, link-local
 * (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), ULA fc00::/7,
 * site-local, multicast, broadcast and reserved, benchmarking and IETF protocol ranges.
 * The reason names the range, never the address (it may be an internal one).
 * Pure: no Node imports beyond the parser of lib/net.
 */
import { parseInfrastructureAddress, type IpAddress } from "@/lib/net/ip-address";

interface Range {
  bytes: number[];
  prefixLength: number;
  reason: string;
}

const V4_RANGES: readonly Range[] = [
  { bytes: [0, 0, 0, 0], prefixLength: 8, reason: "this-network (0.0.0.0/8)" },
  { bytes: [10, 0, 0, 0], prefixLength: 8, reason: "private (10.0.0.0/8)" },
  { bytes: [100, 64, 0, 0], prefixLength: 10, reason: "CGNAT (100.64.0.0/10)" },
  { bytes: [127, 0, 0, 0], prefixLength: 8, reason: "loopback (127.0.0.0/8)" },
  { bytes: [169, 254, 0, 0], prefixLength: 16, reason: "link-local (169.254.0.0/16, cloud metadata)" },
  { bytes: [172, 16, 0, 0], prefixLength: 12, reason: "private (172.16.0.0/12)" },
  { bytes: [192, 0, 0, 0], prefixLength: 24, reason: "IETF protocol assignments (192.0.0.0/24)" },
  { bytes: [192, 168, 0, 0], prefixLength: 16, reason: "private (192.168.0.0/16)" },
  { bytes: [198, 18, 0, 0], prefixLength: 15, reason: "benchmarking (198.18.0.0/15)" },
  { bytes: [224, 0, 0, 0], prefixLength: 4, reason: "multicast (224.0.0.0/4)" },
  { bytes: [240, 0, 0, 0], prefixLength: 4, reason: "reserved or broadcast (240.0.0.0/4)" },
];

const V6_RANGES: readonly Range[] = [
  { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], prefixLength: 128, reason: "unspecified (::)" },
  { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], prefixLength: 128, reason: "loopback (::1)" },
  { bytes: [0x01, 0x00, 0, 0, 0, 0, 0, 0], prefixLength: 64, reason: "discard-only (100::/64)" },
  { bytes: [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], prefixLength: 48, reason: "local-use NAT64 (64:ff9b:1::/48)" },
  { bytes: [0x20, 0x01, 0x00, 0x00], prefixLength: 32, reason: "Teredo (2001::/32)" },
  { bytes: [0xfc], prefixLength: 7, reason: "unique local (fc00::/7)" },
  { bytes: [0xfe, 0x80], prefixLength: 10, reason: "link-local (fe80::/10)" },
  { bytes: [0xfe, 0xc0], prefixLength: 10, reason: "site-local (fec0::/10)" },
  { bytes: [0xff], prefixLength: 8, reason: "multicast (ff00::/8)" },
];

function inRange(bytes: Uint8Array, range: Range): boolean {
  for (let bit = 0; bit < range.prefixLength; bit += 8) {
    const bits = Math.min(8, range.prefixLength - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((range.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((byte, index) => bytes[index] === byte);

/** The IPv4 address an IPv6 address carries, if it is of a form that routes to one. */
function embeddedIpv4(bytes: Uint8Array): Uint8Array | null {
  // ::ffff:a.b.c.d (mapped; how lib/net holds every IPv4) and ::a.b.c.d (deprecated compatible).
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) && ((bytes[10] === 0xff && bytes[11] === 0xff) || (bytes[10] === 0 && bytes[11] === 0))) {
    const v4 = bytes.subarray(12);
    // ::/96 minus :: and ::1 (those are IPv6 ranges of their own).
    if (bytes[10] === 0 && v4[0] === 0 && v4[1] === 0 && v4[2] === 0 && (v4[3] ?? 0) <= 1) return null;
    return v4;
  }
  // ::ffff:0:a.b.c.d (SIIT "IPv4-translated", RFC 2765) and NAT64 64:ff9b::a.b.c.d (RFC 6052).
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0])) return bytes.subarray(12);
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return bytes.subarray(12);
  if (startsWith(bytes, [0x20, 0x02])) return bytes.subarray(2, 6);
  return null;
}

/** Why a webhook may not connect to this address, or null when it is a public one. */
export function forbiddenAddressReason(address: IpAddress): string | null {
  const v4 = embeddedIpv4(address.bytes);
  if (v4) {
    if (v4.every((byte) => byte === 255)) return "broadcast (255.255.255.255)";
    const hit = V4_RANGES.find((range) => inRange(v4, range));
    const mapped = address.bytes[10] === 0xff && address.bytes[11] === 0xff;
    return hit ? (mapped ? hit.reason : `${hit.reason} inside an IPv6 address`) : null;
  }
  return V6_RANGES.find((range) => inRange(address.bytes, range))?.reason ?? null;
}

/** The same for an address in text (as DNS or a socket gives it); unparsable text is refused. */
export function forbiddenAddressTextReason(text: string): string | null {
  const address = parseInfrastructureAddress(text);
  return address ? forbiddenAddressReason(address) : "not an IP address";
}
