/**
 * Builds the pinned Burnlink v1 vectors in tests/crypto/vectors/v1.json from fixed keys,
 * passphrase, nonce and content. vectors.test.ts compares this output with the file, so a
 * change to any derivation, the envelope, the padding or the link format fails the tests.
 *
 * The v1 values must never change (PROTOCOL.md preamble: secrets made by any client must
 * keep opening). Regenerate only to add cases, and check in review that `git diff` shows
 * no existing value changed:
 *   GENERATE_VECTORS=1 npx vitest run tests/crypto/vectors.test.ts
 *   npx prettier --write tests/crypto/vectors/v1.json
 * The file is ASCII only (non-ASCII is written as \uXXXX), so no editor can normalise the
 * decomposed passphrase spellings away.
 */
import {
  accessProofFromLinkKey,
  bytesToBase64url,
  encodeEnvelope,
  encryptionKeyFromMaster,
  formatManageLink,
  formatShareLink,
  manageProofFromManageKey,
  masterKey,
  passphraseKey,
  saltFromLinkKey,
  sealEnvelope,
  secretIdFromLinkKey,
  unlockProofFromMaster,
  utf8ToBytes,
  verifierOf,
  type SecretContent,
} from "@/lib/crypto";

export const VECTOR_ORIGIN = "https://burnlink.example";

/** The passphrase in NFC ("Å" U+00C5, "ö" U+00F6). */
export const VECTOR_PASSPHRASE = "correct horse ✓ \u00C5ngstr\u00F6m";

/** Spellings that NFC turns into VECTOR_PASSPHRASE, so they must give the same P. */
export const VECTOR_PASSPHRASE_EQUIVALENTS = [
  "correct horse ✓ A\u030Angstro\u0308m",
  "correct horse ✓ \u212Bngstro\u0308m",
];

export const VECTOR_LINK_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
export const VECTOR_MANAGE_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
export const VECTOR_NONCE = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);

export const VECTOR_CONTENT: SecretContent = {
  text: "Burnlink v1 test vector: the door code is 4711 ✓",
  files: [
    { name: "note ✓.txt", type: "text/plain", bytes: utf8ToBytes("hello\n") },
    {
      name: "bytes.bin",
      type: "application/octet-stream",
      bytes: new Uint8Array([0, 1, 2, 0x7f, 0x80, 0xfd, 0xfe, 0xff]),
    },
  ],
};

export interface VectorFile {
  name: string;
  type: string;
  bytes: string;
}

export interface VectorCase {
  name: string;
  passphrase: string | null;
  passphraseEquivalents: string[];
  linkKey: string;
  manageKey: string;
  nonce: string;
  content: { text?: string; files?: VectorFile[] };
  id: string;
  access: string;
  salt: string;
  passphraseKey: string | null;
  master: string;
  unlock: string;
  encKey: string;
  manage: string;
  accessVerifier: string;
  unlockVerifier: string;
  manageVerifier: string;
  envelopeLength: number;
  ciphertextLength: number;
  ciphertext: string;
  shareLink: string;
  manageLink: string;
}

export interface Vectors {
  protocol: "burnlink/v1";
  note: string;
  origin: string;
  cases: VectorCase[];
}

async function buildCase(name: string, passphrase: string | null): Promise<VectorCase> {
  const linkKey = VECTOR_LINK_KEY;
  const manageKey = VECTOR_MANAGE_KEY;
  const id = secretIdFromLinkKey(linkKey);
  const access = accessProofFromLinkKey(linkKey);
  const salt = saltFromLinkKey(linkKey);
  const p = passphrase === null ? undefined : await passphraseKey(passphrase, salt);
  const master = masterKey(linkKey, p);
  const unlock = unlockProofFromMaster(master);
  const encKey = encryptionKeyFromMaster(master);
  const manage = manageProofFromManageKey(manageKey);
  const envelope = encodeEnvelope(VECTOR_CONTENT);
  const ciphertext = sealEnvelope(envelope, encKey, VECTOR_NONCE);
  return {
    name,
    passphrase,
    passphraseEquivalents: passphrase === null ? [] : VECTOR_PASSPHRASE_EQUIVALENTS,
    linkKey: bytesToBase64url(linkKey),
    manageKey: bytesToBase64url(manageKey),
    nonce: bytesToBase64url(VECTOR_NONCE),
    content: {
      text: VECTOR_CONTENT.text,
      files: (VECTOR_CONTENT.files ?? []).map((file) => ({
        name: file.name,
        type: file.type,
        bytes: bytesToBase64url(file.bytes),
      })),
    },
    id,
    access: bytesToBase64url(access),
    salt: bytesToBase64url(salt),
    passphraseKey: p === undefined ? null : bytesToBase64url(p),
    master: bytesToBase64url(master),
    unlock: bytesToBase64url(unlock),
    encKey: bytesToBase64url(encKey),
    manage: bytesToBase64url(manage),
    accessVerifier: bytesToBase64url(verifierOf(access)),
    unlockVerifier: bytesToBase64url(verifierOf(unlock)),
    manageVerifier: bytesToBase64url(verifierOf(manage)),
    envelopeLength: envelope.length,
    ciphertextLength: ciphertext.length,
    ciphertext: bytesToBase64url(ciphertext),
    shareLink: formatShareLink(VECTOR_ORIGIN, linkKey, passphrase !== null),
    manageLink: formatManageLink(VECTOR_ORIGIN, id, manageKey),
  };
}

/** All pinned vectors; runs PBKDF2 once (about 0.5 s). */
export async function buildVectors(): Promise<Vectors> {
  return {
    protocol: "burnlink/v1",
    note: "Pinned by tests/crypto/vectors.test.ts; built by tests/crypto/generate-vectors.ts. All bytes are base64url without padding. These values must never change.",
    origin: VECTOR_ORIGIN,
    cases: [
      await buildCase("without a passphrase", null),
      await buildCase("with a passphrase", VECTOR_PASSPHRASE),
    ],
  };
}
