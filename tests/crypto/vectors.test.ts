import { createHash, pbkdf2Sync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import {
  accessProof,
  base64urlToBytes,
  manageToken,
  openSecret,
  parseManageLink,
  parseShareLink,
  revealProofs,
  sealSecret,
} from "@/lib/crypto";

import {
  buildVectors,
  VECTOR_CONTENT,
  VECTOR_LINK_KEY,
  VECTOR_MANAGE_KEY,
  VECTOR_NONCE,
  VECTOR_PASSPHRASE,
  VECTOR_PASSPHRASE_EQUIVALENTS,
  type VectorCase,
  type Vectors,
} from "./generate-vectors";

const vectorsPath = fileURLToPath(new URL("./vectors/v1.json", import.meta.url));
const generating = process.env.GENERATE_VECTORS === "1";

function b64u(bytes: Uint8Array | Buffer): string {
  return Buffer.from(bytes).toString("base64url");
}

/** PROTOCOL.md §1 computed with node:crypto only, independently of lib/crypto and tweetnacl. */
function reference(passphrase: string | null) {
  const sha512 = (data: Buffer) => createHash("sha512").update(data).digest();
  const derive = (label: string, input: Buffer) =>
    sha512(Buffer.concat([Buffer.from(`burnlink/v1/${label}\u0000`, "utf8"), input])).subarray(
      0,
      32,
    );
  const k = Buffer.from(VECTOR_LINK_KEY);
  const m = Buffer.from(VECTOR_MANAGE_KEY);
  const salt = derive("salt", k).subarray(0, 16);
  const p =
    passphrase === null
      ? null
      : pbkdf2Sync(Buffer.from(passphrase.normalize("NFC"), "utf8"), salt, 600_000, 32, "sha256");
  const master = p === null ? k : derive("master", Buffer.concat([k, p]));
  const access = derive("access", k);
  const unlock = derive("unlock", master);
  const manage = derive("manage", m);
  return {
    id: b64u(derive("id", k).subarray(0, 16)),
    access: b64u(access),
    salt: b64u(salt),
    passphraseKey: p === null ? null : b64u(p),
    master: b64u(master),
    unlock: b64u(unlock),
    encKey: b64u(derive("enc", master)),
    manage: b64u(manage),
    accessVerifier: b64u(sha512(access).subarray(0, 32)),
    unlockVerifier: b64u(sha512(unlock).subarray(0, 32)),
    manageVerifier: b64u(sha512(manage).subarray(0, 32)),
  };
}

/**
 * JSON with every non-ASCII character escaped as \uXXXX, so that an editor or a tool that
 * normalises Unicode can never silently turn the decomposed passphrase into the composed one.
 */
function toAsciiJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${json}\n`;
}

/** Read inside each test, so that in GENERATE_VECTORS mode every test sees the new file. */
function loadPinned(): Vectors {
  return JSON.parse(readFileSync(vectorsPath, "utf8")) as Vectors;
}

function findCase(name: string): VectorCase {
  const found = loadPinned().cases.find((c) => c.name === name);
  if (!found) throw new Error(`vector case "${name}" is missing from v1.json`);
  return found;
}

describe("Burnlink v1 vectors", () => {
  it("are what the code builds today (GENERATE_VECTORS=1 rewrites the file instead)", async () => {
    const built = await buildVectors();
    if (generating) {
      writeFileSync(vectorsPath, toAsciiJson(built));
    }
    expect(built).toEqual(loadPinned());
    expect(readFileSync(vectorsPath, "utf8")).toMatch(/^[\x00-\x7f]*$/);
  });

  it("agree with PROTOCOL.md §1 computed independently with node:crypto", () => {
    const cases = loadPinned().cases;
    expect(cases.map((c) => c.name)).toEqual(["without a passphrase", "with a passphrase"]);
    for (const vector of cases) {
      expect(vector).toMatchObject(reference(vector.passphrase));
    }
  });

  it("pin an id that was hashed by hand with node:crypto from the key 00 01 … 1f", () => {
    // SHA-512("burnlink/v1/id" ‖ 0x00 ‖ 00 01 … 1f), first 16 bytes, as base64url.
    const digest = createHash("sha512")
      .update(Buffer.from("burnlink/v1/id\u0000", "utf8"))
      .update(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))
      .digest();
    expect(findCase("without a passphrase").id).toBe(digest.subarray(0, 16).toString("base64url"));
  });

  it("use the fixed inputs and the link shapes of PROTOCOL.md §2", () => {
    const plain = findCase("without a passphrase");
    const guarded = findCase("with a passphrase");
    expect(plain.shareLink).toBe(`https://burnlink.example/s#k${plain.linkKey}`);
    expect(guarded.shareLink).toBe(`https://burnlink.example/s#p${guarded.linkKey}`);
    expect(plain.manageLink).toBe(`https://burnlink.example/m#m${plain.id}${plain.manageKey}`);
    expect(plain.shareLink.split("#")[1]).toHaveLength(44);
    expect(plain.manageLink.split("#")[1]).toHaveLength(66);
    expect(plain.master).toBe(plain.linkKey);
    expect(guarded.master).not.toBe(guarded.linkKey);
    expect(guarded.passphrase).toBe(VECTOR_PASSPHRASE);
    expect(plain.envelopeLength).toBe(1024);
    expect(plain.ciphertextLength).toBe(1064);
    expect(base64urlToBytes(plain.ciphertext).subarray(0, 24)).toEqual(VECTOR_NONCE);
  });

  it.each(["without a passphrase", "with a passphrase"])(
    "are reproduced by sealSecret, revealProofs and openSecret %s",
    async (name) => {
      const vector = findCase(name);
      const passphrase = vector.passphrase ?? undefined;
      const sealed = await sealSecret(VECTOR_CONTENT, {
        passphrase,
        linkKey: VECTOR_LINK_KEY,
        manageKey: VECTOR_MANAGE_KEY,
        nonce: VECTOR_NONCE,
      });
      expect(sealed).toEqual({
        linkKey: VECTOR_LINK_KEY,
        manageKey: VECTOR_MANAGE_KEY,
        needsPassphrase: vector.passphrase !== null,
        id: vector.id,
        ciphertext: vector.ciphertext,
        accessVerifier: vector.accessVerifier,
        unlockVerifier: vector.unlockVerifier,
        manageVerifier: vector.manageVerifier,
      });
      const share = parseShareLink(vector.shareLink);
      expect(share).toEqual({
        origin: "https://burnlink.example",
        linkKey: VECTOR_LINK_KEY,
        needsPassphrase: vector.passphrase !== null,
      });
      expect(accessProof(share.linkKey)).toEqual({ id: vector.id, access: vector.access });
      const proofs = await revealProofs(share.linkKey, passphrase);
      expect(proofs).toEqual({
        id: vector.id,
        access: vector.access,
        unlock: vector.unlock,
        encryptionKey: base64urlToBytes(vector.encKey, 32),
      });
      expect(openSecret(vector.ciphertext, proofs.encryptionKey)).toEqual(VECTOR_CONTENT);
      const manage = parseManageLink(vector.manageLink);
      expect(manage).toEqual({
        origin: "https://burnlink.example",
        id: vector.id,
        manageKey: VECTOR_MANAGE_KEY,
      });
      expect(manageToken(manage.manageKey)).toBe(vector.manage);
    },
  );

  it("give the same unlock proof for every Unicode spelling of the passphrase", async () => {
    const vector = findCase("with a passphrase");
    expect(vector.passphraseEquivalents).toEqual(VECTOR_PASSPHRASE_EQUIVALENTS);
    for (const spelling of VECTOR_PASSPHRASE_EQUIVALENTS) {
      expect(spelling).not.toBe(VECTOR_PASSPHRASE);
      expect(spelling.normalize("NFC")).toBe(VECTOR_PASSPHRASE);
      const proofs = await revealProofs(VECTOR_LINK_KEY, spelling);
      expect(proofs.unlock).toBe(vector.unlock);
    }
  });

  it("open only with the right passphrase", async () => {
    const vector = findCase("with a passphrase");
    const noPassphrase = await revealProofs(VECTOR_LINK_KEY);
    expect(noPassphrase.unlock).not.toBe(vector.unlock);
    expect(() => openSecret(vector.ciphertext, noPassphrase.encryptionKey)).toThrow(
      /could not be decrypted/,
    );
  });
});
