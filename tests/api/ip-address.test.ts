import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  auditIpOf,
  formatIpAddress,
  ipAddressToHex,
  parseAllowlistEntry,
  parseInfrastructureAddress,
  parseIpAddress,
  prefixContains,
} from "@/lib/net/ip-address";

const hexOf = (text: string) => {
  const address = parseIpAddress(text);
  if (!address) throw new Error(`test address ${text} does not parse`);
  return ipAddressToHex(address);
};

describe("parseIpAddress", () => {
  it.each([
    ["192.0.2.1", "00000000000000000000ffffc0000201"],
    ["0.0.0.0", "00000000000000000000ffff00000000"],
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["2001:DB8::1", "20010db8000000000000000000000001"],
    ["::ffff:192.0.2.1", "00000000000000000000ffffc0000201"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221"],
  ])("reads %s as %s", (text, hex) => {
    expect(hexOf(text)).toBe(hex);
  });

  it.each([
    "",
    " 192.0.2.1",
    "192.0.2.1 ",
    "192.0.2",
    "192.0.2.256",
    "192.0.2.01",
    "010.0.0.1",
    "1.2.3.4.5",
    "fe80::1%eth0",
    "[::1]",
    "1::2::3",
    ":::",
    ":1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "g::1",
    "1.2.3.4::",
    "::1.2.3",
    "0x7f.0.0.1",
    "127.1",
  ])("refuses %j", (text) => {
    expect(parseIpAddress(text)).toBeNull();
  });

  it("formats every IPv6 address so that it parses back to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIpAddress({ bytes });
        expect(parseIpAddress(text)?.bytes).toEqual(bytes);
      }),
    );
  });

  it("formats per RFC 5952: lowercase, longest zero run compressed, v4-mapped as dotted IPv4", () => {
    expect(formatIpAddress(parseIpAddress("2001:0DB8:0:0:1:0:0:1")!)).toBe("2001:db8::1:0:0:1");
    expect(formatIpAddress(parseIpAddress("2001:db8:0:1:1:1:1:1")!)).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIpAddress(parseIpAddress("::ffff:c000:201")!)).toBe("192.0.2.1");
    expect(formatIpAddress(parseIpAddress("::")!)).toBe("::");
  });
});

describe("parseInfrastructureAddress", () => {
  it.each([
    ["::ffff:127.0.0.1", "127.0.0.1"],
    [" 203.0.113.9 ", "203.0.113.9"],
    ["203.0.113.9:51234", "203.0.113.9"],
    ["[2001:db8::7]:443", "2001:db8::7"],
    ["[2001:db8::7]", "2001:db8::7"],
    ["fe80::1%eth0", "fe80::1"],
  ])("reads the proxy or socket form %j as %s", (raw, text) => {
    expect(formatIpAddress(parseInfrastructureAddress(raw)!)).toBe(text);
  });

  it("refuses what is not an address at all", () => {
    expect(parseInfrastructureAddress("unknown")).toBeNull();
    expect(parseInfrastructureAddress("")).toBeNull();
  });
});

describe("parseAllowlistEntry", () => {
  it.each([
    ["203.0.113.7", "00000000000000000000ffffcb007107", 128],
    ["203.0.113.0/24", "00000000000000000000ffffcb007100", 120],
    ["0.0.0.0/0", "00000000000000000000ffff00000000", 96],
    ["2001:db8:1::/48", "20010db8000100000000000000000000", 48],
    ["::/0", "00000000000000000000000000000000", 0],
    ["::ffff:203.0.113.0/120", "00000000000000000000ffffcb007100", 120],
    ["2001:db8::1", "20010db8000000000000000000000001", 128],
  ])("turns %s into network %s/%d in ::ffff:0:0/96 space", (entry, network, prefixLength) => {
    expect(parseAllowlistEntry(entry)).toEqual({ ok: true, prefix: { network, prefixLength } });
  });

  it.each([
    ["203.0.113.7/24", '"203.0.113.7/24" has host bits set after the prefix; did you mean 203.0.113.0/24?'],
    ["2001:db8::1/32", '"2001:db8::1/32" has host bits set after the prefix; did you mean 2001:db8::/32?'],
    ["203.0.113.0/33", '"203.0.113.0/33" has a prefix length outside 0..32'],
    ["2001:db8::/129", '"2001:db8::/129" has a prefix length outside 0..128'],
    ["203.0.113.0/024", '"203.0.113.0/024" has a prefix length outside 0..32'],
    ["203.0.113.0/", '"203.0.113.0/" has a prefix length outside 0..32'],
    ["203.0.113.0/ 24", '"203.0.113.0/ 24" has a prefix length outside 0..32'],
    [
      "203.0.113.7 ",
      '"203.0.113.7 " is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)',
    ],
    ["fe80::1%eth0", '"fe80::1%eth0" is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)'],
    ["example.com", '"example.com" is not an IPv4 or IPv6 address or CIDR (no spaces, ports or zone ids)'],
  ])("refuses %j with a message that quotes it", (entry, message) => {
    expect(parseAllowlistEntry(entry)).toEqual({ ok: false, message });
  });

  it("lets an IPv4 entry match the address's IPv4-mapped IPv6 form, and nothing outside", () => {
    const parsed = parseAllowlistEntry("203.0.113.0/24");
    if (!parsed.ok) throw new Error(parsed.message);
    expect(prefixContains(parsed.prefix, hexOf("::ffff:203.0.113.200"))).toBe(true);
    expect(prefixContains(parsed.prefix, hexOf("203.0.113.1"))).toBe(true);
    expect(prefixContains(parsed.prefix, hexOf("203.0.114.1"))).toBe(false);
    expect(prefixContains(parsed.prefix, hexOf("::cb00:7101"))).toBe(false);
  });

  it("matches exactly the addresses inside a prefix of any length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 128 }),
        (networkBytes, addressBytes, length) => {
          const network = { bytes: networkBytes };
          const text = `${formatIpAddress(network)}/${length}`;
          const parsed = parseAllowlistEntry(text);
          // Only entries without host bits parse; compare bit by bit with a plain loop.
          const hostBitsSet = [...networkBytes].some((byte, index) => {
            const kept = Math.max(0, Math.min(8, length - index * 8));
            return (byte & (0xff >> kept)) !== 0;
          });
          const isMappedV4 = formatIpAddress(network).includes(".");
          if (isMappedV4) return;
          expect(parsed.ok).toBe(!hostBitsSet);
          if (!parsed.ok) return;
          let inside = true;
          for (let bit = 0; bit < length; bit++) {
            const mask = 0x80 >> bit % 8;
            if (((networkBytes[bit >> 3] ?? 0) & mask) !== ((addressBytes[bit >> 3] ?? 0) & mask)) inside = false;
          }
          expect(prefixContains(parsed.prefix, ipAddressToHex({ bytes: addressBytes }))).toBe(inside);
        },
      ),
    );
  });
});

describe("auditIpOf", () => {
  it.each([
    ["203.0.113.77", "masked", "203.0.113.0/24"],
    ["::ffff:203.0.113.77", "masked", "203.0.113.0/24"],
    ["2001:db8:1:2:3:4:5:6", "masked", "2001:db8:1::/48"],
    ["203.0.113.77", "full", "203.0.113.77"],
    ["::ffff:203.0.113.77", "full", "203.0.113.77"],
    ["2001:db8:1:2:3:4:5:6", "full", "2001:db8:1:2:3:4:5:6"],
    ["203.0.113.77", "none", undefined],
  ] as const)("records %s as %s → %s", (text, mode, expected) => {
    expect(auditIpOf(parseIpAddress(text), mode)).toBe(expected);
  });

  it("records nothing for an unknown address", () => {
    expect(auditIpOf(null, "full")).toBeUndefined();
  });
});
