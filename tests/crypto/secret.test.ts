import { describe, expect, it } from "vitest";

import {
  accessProof,
  base64urlToBytes,
  bytesToBase64url,
  ciphertextSize,
  DecryptError,
  EnvelopeError,
  envelopeSize,
  KeyLengthError,
  manageProofFromManageKey,
  manageToken,
  openSecret,
  revealProofs,
  sealEnvelope,
  sealSecret,
  secretIdFromLinkKey,
  verifierOf,
  type SecretContent,
} from "@/lib/crypto";

const content: SecretContent = {
  text: "db password: hunter2 ✓",
  files: [{ name: "id_ed25519", type: "", bytes: Uint8Array.from({ length: 300 }, (_, i) => i) }],
};

function verifierText(proofB64u: string): string {
  return bytesToBase64url(verifierOf(base64urlToBytes(proofB64u, 32)));
}

describe("sealSecret, revealProofs and openSecret", () => {
  it("round-trip without a passphrase, with verifiers that match the proofs", async () => {
    const sealed = await sealSecret(content);
    expect(sealed.needsPassphrase).toBe(false);
    expect(sealed.linkKey).toHaveLength(32);
    expect(sealed.manageKey).toHaveLength(32);
    expect(sealed.manageKey).not.toEqual(sealed.linkKey);
    expect(sealed.id).toBe(secretIdFromLinkKey(sealed.linkKey));
    expect(base64urlToBytes(sealed.ciphertext)).toHaveLength(ciphertextSize(envelopeSize(content)));

    const proofs = await revealProofs(sealed.linkKey);
    expect(proofs.id).toBe(sealed.id);
    expect(verifierText(proofs.access)).toBe(sealed.accessVerifier);
    expect(verifierText(proofs.unlock)).toBe(sealed.unlockVerifier);
    expect(verifierText(manageToken(sealed.manageKey))).toBe(sealed.manageVerifier);
    expect(openSecret(sealed.ciphertext, proofs.encryptionKey)).toEqual(content);
  });

  it("round-trip with a passphrase, and a wrong passphrase neither unlocks nor decrypts", async () => {
    const sealed = await sealSecret(content, { passphrase: "Ångström ✓" });
    expect(sealed.needsPassphrase).toBe(true);

    const right = await revealProofs(sealed.linkKey, "Ångström ✓");
    expect(verifierText(right.unlock)).toBe(sealed.unlockVerifier);
    expect(openSecret(sealed.ciphertext, right.encryptionKey)).toEqual(content);

    const wrong = await revealProofs(sealed.linkKey, "Angstrom");
    expect(wrong.access).toBe(right.access);
    expect(verifierText(wrong.unlock)).not.toBe(sealed.unlockVerifier);
    expect(() => openSecret(sealed.ciphertext, wrong.encryptionKey)).toThrow(DecryptError);
  });

  it("treat an empty passphrase as none, on both sides", async () => {
    const sealed = await sealSecret({ text: "x" }, { passphrase: "" });
    expect(sealed.needsPassphrase).toBe(false);
    const proofs = await revealProofs(sealed.linkKey, "");
    expect(proofs).toEqual(await revealProofs(sealed.linkKey));
    expect(verifierText(proofs.unlock)).toBe(sealed.unlockVerifier);
  });

  it("give every secret under 1 KiB the same ciphertext size", async () => {
    const short = await sealSecret({ text: "" });
    const longer = await sealSecret({ text: "y".repeat(900) });
    expect(base64urlToBytes(short.ciphertext)).toHaveLength(1064);
    expect(short.ciphertext).toHaveLength(longer.ciphertext.length);
  });

  it("draw fresh keys and nonces for each secret and return copies of given keys", async () => {
    const linkKey = new Uint8Array(32).fill(1);
    const a = await sealSecret({ text: "same" }, { linkKey });
    const b = await sealSecret({ text: "same" }, { linkKey });
    expect(a.id).toBe(b.id);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.manageKey).not.toEqual(b.manageKey);
    a.linkKey[0] = 9;
    expect(linkKey[0]).toBe(1);
  });

  it("refuse content without text or files, and keys or nonces of the wrong length", async () => {
    await expect(sealSecret({})).rejects.toThrow(EnvelopeError);
    await expect(sealSecret(content, { linkKey: new Uint8Array(31) })).rejects.toThrow(
      KeyLengthError,
    );
    await expect(sealSecret(content, { manageKey: new Uint8Array(33) })).rejects.toThrow(
      KeyLengthError,
    );
    await expect(sealSecret(content, { nonce: new Uint8Array(12) })).rejects.toThrow(
      KeyLengthError,
    );
    await expect(revealProofs(new Uint8Array(16))).rejects.toThrow(KeyLengthError);
  });
});

describe("openSecret", () => {
  const encryptionKey = new Uint8Array(32).fill(3);

  it("reports text that is not canonical base64url as a DecryptError", () => {
    for (const text of ["", "not base64!", "AAAA=", "AAAAB"]) {
      expect(() => openSecret(text, encryptionKey)).toThrow(DecryptError);
    }
  });

  it("reports a damaged ciphertext as a DecryptError", async () => {
    const sealed = await sealSecret({ text: "x" });
    const { encryptionKey: key } = await revealProofs(sealed.linkKey);
    const bytes = base64urlToBytes(sealed.ciphertext);
    bytes[100]! ^= 0x20;
    expect(() => openSecret(bytesToBase64url(bytes), key)).toThrow(DecryptError);
    expect(() => openSecret(sealed.ciphertext.slice(0, 100), key)).toThrow(DecryptError);
  });

  it("reports authentic bytes that are not a v1 envelope as an EnvelopeError", () => {
    const notAnEnvelope = sealEnvelope(new Uint8Array(1024), encryptionKey);
    expect(() => openSecret(bytesToBase64url(notAnEnvelope), encryptionKey)).toThrow(EnvelopeError);
  });

  it("refuses an encryption key that is not 32 bytes", () => {
    expect(() => openSecret("AAAA", new Uint8Array(16))).toThrow(KeyLengthError);
  });
});

describe("accessProof and manageToken", () => {
  it("give the check call's id and access proof without any passphrase work", async () => {
    const linkKey = new Uint8Array(32).fill(7);
    const { id, access } = await revealProofs(linkKey);
    expect(accessProof(linkKey)).toEqual({ id, access });
  });

  it("encode the manage proof as 43 base64url characters", () => {
    const manageKey = new Uint8Array(32).fill(8);
    const token = manageToken(manageKey);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64urlToBytes(token, 32)).toEqual(manageProofFromManageKey(manageKey));
    expect(() => manageToken(new Uint8Array(31))).toThrow(KeyLengthError);
    expect(() => accessProof(new Uint8Array(31))).toThrow(KeyLengthError);
  });
});
