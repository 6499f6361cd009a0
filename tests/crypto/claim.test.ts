import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { base64urlToBytes, claimVerifier, EncodingError, newClaim } from "@/lib/crypto";

import { buildClaimVectors, type ClaimVectors } from "./generate-claim-vectors";

const vectorsPath = fileURLToPath(new URL("./vectors/v1.1-claim.json", import.meta.url));
const generating = process.env.GENERATE_VECTORS === "1";

function loadPinned(): ClaimVectors {
  return JSON.parse(readFileSync(vectorsPath, "utf8")) as ClaimVectors;
}

describe("Burnlink v1.1 claim vectors", () => {
  it("are what the code builds today (GENERATE_VECTORS=1 rewrites the file instead)", () => {
    const built = buildClaimVectors();
    if (generating) writeFileSync(vectorsPath, `${JSON.stringify(built, null, 2)}\n`);
    expect(built).toEqual(loadPinned());
  });

  it("agree with PROTOCOL.md §6 computed independently with node:crypto", () => {
    const { cases } = loadPinned();
    expect(cases).toHaveLength(4);
    for (const vector of cases) {
      const bytes = Buffer.from(vector.claim, "base64url");
      expect(bytes).toHaveLength(32);
      const expected = createHash("sha512")
        .update(bytes)
        .digest()
        .subarray(0, 32)
        .toString("base64url");
      expect(vector.claimVerifier).toBe(expected);
    }
  });
});

describe("newClaim", () => {
  it("makes 32 random bytes as 43 base64url characters, a new one each time", () => {
    const claims = Array.from({ length: 64 }, () => newClaim());
    for (const claim of claims) {
      expect(claim).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(base64urlToBytes(claim, 32)).toHaveLength(32);
    }
    expect(new Set(claims).size).toBe(64);
  });
});

describe("claimVerifier", () => {
  it("is not the claim itself and differs for claims one bit apart", () => {
    const claim = newClaim();
    const flipped = Buffer.from(claim, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(claimVerifier(claim)).not.toBe(claim);
    expect(claimVerifier(flipped.toString("base64url"))).not.toBe(claimVerifier(claim));
  });

  it.each([
    ["too short (42 characters)", "A".repeat(42)],
    ["too long (44 characters)", "A".repeat(44)],
    ["not base64url", `${"A".repeat(42)}+`],
    ["not canonical (stray bits in the last character)", `${"A".repeat(42)}B`],
    ["empty", ""],
  ])("refuses a claim that is %s", (_name, claim) => {
    expect(() => claimVerifier(claim)).toThrow(EncodingError);
  });
});
