import { describe, expect, it } from "vitest";
import { clientAddressOf, requesterOf } from "@/lib/server/client-ip";
import { formatIpAddress } from "@/lib/net/ip-address";

type Config = Parameters<typeof clientAddressOf>[1];

const direct: Config = { trustProxy: 0, peerHeaderTrusted: true, auditIp: "masked" };

function addressFor(headers: Record<string, string>, config: Config): string | null {
  const address = clientAddressOf(new Headers(headers), config);
  return address ? formatIpAddress(address) : null;
}

describe("clientAddressOf", () => {
  it("believes only the socket address with TRUST_PROXY=0, whatever X-Forwarded-For says", () => {
    const headers = { "x-burnlink-peer": "::ffff:198.51.100.20", "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9" };
    expect(addressFor(headers, direct)).toBe("198.51.100.20");
  });

  it("counts trusted proxies from the right of X-Forwarded-For plus the socket", () => {
    const headers = { "x-burnlink-peer": "10.0.0.2", "x-forwarded-for": "203.0.113.9, 192.0.2.1, 10.0.0.1" };
    expect(addressFor(headers, { ...direct, trustProxy: 1 })).toBe("10.0.0.1");
    expect(addressFor(headers, { ...direct, trustProxy: 2 })).toBe("192.0.2.1");
    expect(addressFor(headers, { ...direct, trustProxy: 3 })).toBe("203.0.113.9");
  });

  it("takes the leftmost entry when the chain is shorter than the trusted proxies", () => {
    const headers = { "x-burnlink-peer": "10.0.0.2", "x-forwarded-for": "203.0.113.9" };
    expect(addressFor(headers, { ...direct, trustProxy: 5 })).toBe("203.0.113.9");
  });

  it("ignores an x-burnlink-peer header unless start.mjs runs the process", () => {
    const headers = { "x-burnlink-peer": "203.0.113.9" };
    expect(addressFor(headers, { ...direct, peerHeaderTrusted: false })).toBeNull();
    expect(requesterOf(new Headers(headers), { ...direct, peerHeaderTrusted: false })).toEqual({
      ipHex: "0".repeat(32),
    });
  });

  it("treats an unparsable chosen entry as unknown instead of guessing", () => {
    const headers = { "x-burnlink-peer": "10.0.0.2", "x-forwarded-for": "203.0.113.9, garbage" };
    expect(addressFor(headers, { ...direct, trustProxy: 1 })).toBeNull();
  });

  it("uses x-real-ip, then the first X-Forwarded-For entry, behind Vercel", () => {
    const vercel: Config = { ...direct, trustProxy: "vercel" };
    expect(addressFor({ "x-real-ip": "203.0.113.9", "x-forwarded-for": "192.0.2.1", "x-burnlink-peer": "10.0.0.1" }, vercel)).toBe(
      "203.0.113.9",
    );
    expect(addressFor({ "x-forwarded-for": "192.0.2.1, 10.0.0.1" }, vercel)).toBe("192.0.2.1");
  });
});

describe("requesterOf", () => {
  it("gives the store the 32-hex address and the audit form chosen by AUDIT_IP", () => {
    const headers = new Headers({ "x-burnlink-peer": "2001:db8:1:2::5" });
    expect(requesterOf(headers, direct)).toEqual({ ipHex: "20010db8000100020000000000000005", auditIp: "2001:db8:1::/48" });
    expect(requesterOf(headers, { ...direct, auditIp: "full" }).auditIp).toBe("2001:db8:1:2::5");
    expect(requesterOf(headers, { ...direct, auditIp: "none" })).toEqual({ ipHex: "20010db8000100020000000000000005" });
  });
});
