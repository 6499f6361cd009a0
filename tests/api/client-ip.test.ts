import { describe, expect, it } from "vitest";
import { clientAddressOf, PEER_PROOF_HEADER, PEER_SECRET_KEY, processPeerSecret, requesterOf } from "@/lib/server/client-ip";
import { formatIpAddress, UNKNOWN_IP_HEX } from "@/lib/net/ip-address";

type Config = Parameters<typeof clientAddressOf>[1];

/** Stands for the secret start.mjs makes at boot; every request it forwards carries it. */
const BOOT_SECRET = "b".repeat(43);
const direct: Config = { trustProxy: 0, peerSecret: BOOT_SECRET, auditIp: "masked" };

/** Headers as start.mjs forwards them: the given ones plus its proof. */
function addressFor(headers: Record<string, string>, config: Config): string | null {
  const address = clientAddressOf(new Headers({ [PEER_PROOF_HEADER]: BOOT_SECRET, ...headers }), config);
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

  it("ignores an x-burnlink-peer header unless start.mjs runs the process, and gives the store an address no allowlist matches", () => {
    const headers = { "x-burnlink-peer": "203.0.113.9" };
    expect(addressFor(headers, { ...direct, peerSecret: null })).toBeNull();
    const unknown = requesterOf(new Headers({ ...headers, [PEER_PROOF_HEADER]: BOOT_SECRET }), { ...direct, peerSecret: null });
    // Not `::` (which ::/0 or ::/1 would admit): not an address at all.
    expect(unknown).toEqual({ ipHex: UNKNOWN_IP_HEX });
    expect(UNKNOWN_IP_HEX).not.toMatch(/^[0-9a-f]{32}$/);
  });

  it("believes x-burnlink-peer only next to the exact proof of this boot", () => {
    const peer = { "x-burnlink-peer": "203.0.113.9" };
    expect(addressFor(peer, direct)).toBe("203.0.113.9");
    for (const proof of ["", "b".repeat(42), "b".repeat(44), `${"b".repeat(42)}c`, "1"]) {
      expect(addressFor({ ...peer, [PEER_PROOF_HEADER]: proof }, direct), `proof ${JSON.stringify(proof)}`).toBeNull();
    }
    expect(clientAddressOf(new Headers(peer), direct)).toBeNull();
  });

  it("takes the boot secret from this process only: none is installed unless start.mjs put it there", () => {
    expect(processPeerSecret()).toBeNull();
    const holder = globalThis as Record<symbol, unknown>;
    holder[PEER_SECRET_KEY] = BOOT_SECRET;
    try {
      expect(processPeerSecret()).toBe(BOOT_SECRET);
      expect(addressFor({ "x-burnlink-peer": "198.51.100.4" }, { trustProxy: 0, auditIp: "masked" })).toBe("198.51.100.4");
    } finally {
      delete holder[PEER_SECRET_KEY];
    }
    expect(addressFor({ "x-burnlink-peer": "198.51.100.4" }, { trustProxy: 0, auditIp: "masked" })).toBeNull();
  });

  it("treats the unspecified address (::, 0.0.0.0) from the socket or a proxy as unknown", () => {
    for (const unspecified of ["::", "0.0.0.0", "::ffff:0.0.0.0", "[::]:443"]) {
      expect(addressFor({ "x-burnlink-peer": unspecified }, direct), unspecified).toBeNull();
      expect(addressFor({ "x-burnlink-peer": "10.0.0.2", "x-forwarded-for": unspecified }, { ...direct, trustProxy: 1 })).toBeNull();
      expect(addressFor({ "x-real-ip": unspecified }, { ...direct, trustProxy: "vercel" })).toBeNull();
    }
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
    const headers = new Headers({ "x-burnlink-peer": "2001:db8:1:2::5", [PEER_PROOF_HEADER]: BOOT_SECRET });
    expect(requesterOf(headers, direct)).toEqual({ ipHex: "20010db8000100020000000000000005", auditIp: "2001:db8:1::/48" });
    expect(requesterOf(headers, { ...direct, auditIp: "full" }).auditIp).toBe("2001:db8:1:2::5");
    expect(requesterOf(headers, { ...direct, auditIp: "none" })).toEqual({ ipHex: "20010db8000100020000000000000005" });
  });
});
