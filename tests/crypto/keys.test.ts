import { createHash, pbkdf2Sync } from "node:crypto";

import { describe, expect, it } from "vitest";

import {
  accessProofFromLinkKey,
  base64urlToBytes,
  BurnlinkCryptoError,
  derive,
  EncodingError,
  encryptionKeyFromMaster,
  generateLinkKey,
  generateManageKey,
  ID_BYTES,
  KEY_BYTES,
  KeyLengthError,
  manageProofFromManageKey,
  masterKey,
  NONCE_BYTES,
  passphraseKey,
  PBKDF2_ITERATIONS,
  PROOF_BYTES,
  SALT_BYTES,
  saltFromLinkKey,
  secretIdFromLinkKey,
  unlockProofFromMaster,
  VERIFIER_BYTES,
  verifierOf,
} from "@/lib/crypto";

/** PROTOCOL.md §1's derive, written again with node:crypto so the two can disagree. */
function referenceDerive(label: string, input: Uint8Array): Uint8Array {
  const hash = createHash("sha512")
    .update(Buffer.from(`burnlink/v1/${label}`, "utf8"))
    .update(Buffer.from([0]))
    .update(input)
    .digest();
  return new Uint8Array(hash.subarray(0, 32));
}

function sha512Prefix(bytes: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(createHash("sha512").update(bytes).digest().subarray(0, length));
}

const linkKey = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
const manageKey = Uint8Array.from({ length: 32 }, (_, i) => 0x5a ^ (i * 3));

describe("constants", () => {
  it("name the protocol's sizes in bytes and the PBKDF2 work factor", () => {
    expect([KEY_BYTES, ID_BYTES, SALT_BYTES, PROOF_BYTES, VERIFIER_BYTES, NONCE_BYTES]).toEqual([
      32, 16, 16, 32, 32, 24,
    ]);
    expect(PBKDF2_ITERATIONS).toBe(600_000);
  });
});

describe("derive", () => {
  it("equals SHA-512 of the prefixed label, a zero byte and the input, cut to 32 bytes", () => {
    for (const label of ["id", "access", "salt", "master", "unlock", "enc", "manage"]) {
      expect(derive(label, linkKey)).toEqual(referenceDerive(label, linkKey));
    }
    expect(derive("id", new Uint8Array(0))).toEqual(referenceDerive("id", new Uint8Array(0)));
  });

  it("matches a value computed by hand with node:crypto for an all-zero key", () => {
    const expected = createHash("sha512")
      .update(Buffer.concat([Buffer.from("burnlink/v1/access\u0000", "utf8"), Buffer.alloc(32)]))
      .digest("hex")
      .slice(0, 64);
    expect(Buffer.from(derive("access", new Uint8Array(32))).toString("hex")).toBe(expected);
  });

  it("separates labels, so moving a byte between label and input changes the result", () => {
    expect(derive("a", new Uint8Array([0x62]))).not.toEqual(derive("ab", new Uint8Array(0)));
    expect(derive("id", linkKey)).not.toEqual(derive("access", linkKey));
  });

  it("refuses an empty label or one containing U+0000", () => {
    expect(() => derive("", linkKey)).toThrow(BurnlinkCryptoError);
    expect(() => derive("id\u0000x", linkKey)).toThrow(BurnlinkCryptoError);
  });
});

describe("generated keys", () => {
  it("are 32 random bytes, different every time and independent of each other", () => {
    const keys = [generateLinkKey(), generateLinkKey(), generateManageKey(), generateManageKey()];
    for (const key of keys) expect(key.length).toBe(32);
    const distinct = new Set(keys.map((key) => Buffer.from(key).toString("hex")));
    expect(distinct.size).toBe(4);
  });
});

describe("values derived from the link key", () => {
  it("give a 22-character id that is the first 16 bytes of derive('id', K)", () => {
    const id = secretIdFromLinkKey(linkKey);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(base64urlToBytes(id, 16)).toEqual(referenceDerive("id", linkKey).subarray(0, 16));
  });

  it("give the access proof and a 16-byte salt as PROTOCOL.md §1 defines them", () => {
    expect(accessProofFromLinkKey(linkKey)).toEqual(referenceDerive("access", linkKey));
    expect(saltFromLinkKey(linkKey)).toEqual(referenceDerive("salt", linkKey).subarray(0, 16));
  });

  it("refuse link keys that are not 32 bytes", () => {
    for (const length of [0, 16, 31, 33]) {
      const wrong = new Uint8Array(length);
      expect(() => secretIdFromLinkKey(wrong)).toThrow(KeyLengthError);
      expect(() => accessProofFromLinkKey(wrong)).toThrow(KeyLengthError);
      expect(() => saltFromLinkKey(wrong)).toThrow(KeyLengthError);
      expect(() => masterKey(wrong)).toThrow(KeyLengthError);
    }
  });
});

describe("passphraseKey", () => {
  it("equals node:crypto's PBKDF2-HMAC-SHA-256 with 600 000 iterations", async () => {
    const salt = saltFromLinkKey(linkKey);
    const expected = pbkdf2Sync(Buffer.from("hunter2 ✓", "utf8"), salt, 600_000, 32, "sha256");
    expect(await passphraseKey("hunter2 ✓", salt)).toEqual(new Uint8Array(expected));
  });

  it("refuses a salt that is not 16 bytes before doing any work", async () => {
    await expect(passphraseKey("x", new Uint8Array(15))).rejects.toThrow(KeyLengthError);
    await expect(passphraseKey("x", new Uint8Array(32))).rejects.toThrow(KeyLengthError);
  });

  it("refuses a passphrase with a lone surrogate rather than changing it", async () => {
    await expect(passphraseKey("pass\uD800", new Uint8Array(16))).rejects.toThrow(EncodingError);
  });
});

describe("master, unlock, encryption and manage keys", () => {
  const passphraseKeyBytes = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

  it("use K itself as master without a passphrase, as a copy", () => {
    const master = masterKey(linkKey);
    expect(master).toEqual(linkKey);
    master[0]! ^= 1;
    expect(linkKey[0]).toBe(0xa0);
  });

  it("derive the master from K ‖ P with a passphrase", () => {
    const joined = new Uint8Array([...linkKey, ...passphraseKeyBytes]);
    expect(masterKey(linkKey, passphraseKeyBytes)).toEqual(referenceDerive("master", joined));
  });

  it("derive unlock, enc and manage with their own labels", () => {
    const master = masterKey(linkKey, passphraseKeyBytes);
    expect(unlockProofFromMaster(master)).toEqual(referenceDerive("unlock", master));
    expect(encryptionKeyFromMaster(master)).toEqual(referenceDerive("enc", master));
    expect(manageProofFromManageKey(manageKey)).toEqual(referenceDerive("manage", manageKey));
  });

  it("store the first 32 bytes of SHA-512 of a proof as its verifier", () => {
    const proof = accessProofFromLinkKey(linkKey);
    expect(verifierOf(proof)).toEqual(sha512Prefix(proof, 32));
    expect(verifierOf(proof)).not.toEqual(proof);
  });

  it("refuse inputs of the wrong length", () => {
    for (const length of [0, 31, 33]) {
      const wrong = new Uint8Array(length);
      expect(() => masterKey(linkKey, wrong)).toThrow(KeyLengthError);
      expect(() => unlockProofFromMaster(wrong)).toThrow(KeyLengthError);
      expect(() => encryptionKeyFromMaster(wrong)).toThrow(KeyLengthError);
      expect(() => manageProofFromManageKey(wrong)).toThrow(KeyLengthError);
      expect(() => verifierOf(wrong)).toThrow(KeyLengthError);
    }
  });

  it("refuse values that are not byte arrays", () => {
    expect(() => verifierOf("x".repeat(32) as unknown as Uint8Array)).toThrow(KeyLengthError);
    expect(() => masterKey([...linkKey] as unknown as Uint8Array)).toThrow(KeyLengthError);
  });
});
