/**
 * Builds the pinned v1.1 claim vectors in tests/crypto/vectors/v1.1-claim.json (PROTOCOL.md
 * §6: claimVerifier = SHA512(claim)[0..32]) from fixed claims. claim.test.ts compares this
 * output with the file, so a change to the verifier fails the tests. v1.json is not touched:
 * the v1 vectors never change. Regenerate only to add cases:
 *   GENERATE_VECTORS=1 npx vitest run tests/crypto/claim.test.ts
 */
import { bytesToBase64url, claimVerifier } from "@/lib/crypto";

export interface ClaimVectorCase {
  name: string;
  /** b64u of the 32 claim bytes, as a client sends it. */
  claim: string;
  /** b64u of SHA512(claim bytes)[0..32], as the server stores it. */
  claimVerifier: string;
}

export interface ClaimVectors {
  protocol: "1.1";
  description: string;
  cases: ClaimVectorCase[];
}

const FIXED_CLAIMS: [string, Uint8Array][] = [
  ["bytes 0x00..0x1f", Uint8Array.from({ length: 32 }, (_, i) => i)],
  ["all zero", new Uint8Array(32)],
  ["all 0xff", new Uint8Array(32).fill(0xff)],
  ["bytes 0x80 + 3i", Uint8Array.from({ length: 32 }, (_, i) => (0x80 + 3 * i) & 0xff)],
];

export function buildClaimVectors(): ClaimVectors {
  return {
    protocol: "1.1",
    description:
      "PROTOCOL.md §6: claim = b64u(32 CSPRNG bytes); claimVerifier = b64u(SHA512(claim bytes)[0..32]).",
    cases: FIXED_CLAIMS.map(([name, bytes]) => {
      const claim = bytesToBase64url(bytes);
      return { name, claim, claimVerifier: claimVerifier(claim) };
    }),
  };
}
