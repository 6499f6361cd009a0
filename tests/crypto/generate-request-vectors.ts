/**
 * Builds the pinned Burnlink v1.1 request vectors (PROTOCOL.md §7) in
 * tests/crypto/vectors/v1.1-request.json from a fixed R, label nonce, ephemeral secret key,
 * box nonce, label and content. request-vectors.test.ts compares this output with the file,
 * so a change to any §7 derivation, the label or response encryption, the SAS or the link
 * format fails the tests. Like the v1 vectors these must never change once released.
 * Regenerate only to add cases, and check that `git diff` shows no existing value changed:
 *   GENERATE_VECTORS=1 npx vitest run tests/crypto/request-vectors.test.ts
 */
import nacl from "tweetnacl";

import {
  bytesToBase64url,
  collectProofFromCollectKey,
  encodeEnvelope,
  formatCollectLink,
  formatRequestLink,
  labelKeyFromPublicKey,
  requestIdFromPublicKey,
  requestPublicKeyFromCollectKey,
  requestSecretKeyFromCollectKey,
  responseSas,
  sealLabel,
  sealResponse,
  utf8ToBytes,
  verifierOf,
  writeProofFromPublicKey,
  type SecretContent,
} from "@/lib/crypto";

export const REQUEST_VECTOR_ORIGIN = "https://burnlink.example";

export const VECTOR_COLLECT_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
export const VECTOR_LABEL_NONCE = Uint8Array.from({ length: 24 }, (_, i) => 0x10 + i);
export const VECTOR_RESPONSE_NONCE = Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i);
export const VECTOR_LABEL = "Please send the staging database password ✓ (Grüße)";

export interface ResponseCaseInput {
  name: string;
  ephemeralSecretKey: Uint8Array;
  content: SecretContent;
}

export const RESPONSE_CASES: ResponseCaseInput[] = [
  {
    name: "text only",
    ephemeralSecretKey: Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i),
    content: { text: "db-password: hunter2 ✓" },
  },
  {
    name: "text and a file",
    ephemeralSecretKey: Uint8Array.from({ length: 32 }, (_, i) => 0xe0 - i),
    content: {
      text: "my key",
      files: [
        {
          name: "id_ed25519.pub",
          type: "text/plain",
          bytes: utf8ToBytes("ssh-ed25519 AAAA test\n"),
        },
      ],
    },
  },
];

export interface RequestResponseVector {
  name: string;
  ephemeralSecretKey: string;
  ephemeralPublicKey: string;
  nonce: string;
  content: { text?: string; files?: { name: string; type: string; bytes: string }[] };
  envelopeLength: number;
  ciphertextLength: number;
  ciphertext: string;
  sas: string;
}

export interface RequestVectors {
  protocol: "burnlink/v1.1-request";
  note: string;
  origin: string;
  collectKey: string;
  secretKey: string;
  publicKey: string;
  id: string;
  write: string;
  collect: string;
  labelKey: string;
  writeVerifier: string;
  collectVerifier: string;
  label: string;
  labelNonce: string;
  labelCiphertext: string;
  requestLink: string;
  collectLink: string;
  responses: RequestResponseVector[];
}

export function buildRequestVectors(): RequestVectors {
  const collectKey = VECTOR_COLLECT_KEY;
  const secretKey = requestSecretKeyFromCollectKey(collectKey);
  const publicKey = requestPublicKeyFromCollectKey(collectKey);
  const write = writeProofFromPublicKey(publicKey);
  const collect = collectProofFromCollectKey(collectKey);
  return {
    protocol: "burnlink/v1.1-request",
    note: "Pinned by tests/crypto/request-vectors.test.ts; built by tests/crypto/generate-request-vectors.ts. All bytes are base64url without padding. These values must never change.",
    origin: REQUEST_VECTOR_ORIGIN,
    collectKey: bytesToBase64url(collectKey),
    secretKey: bytesToBase64url(secretKey),
    publicKey: bytesToBase64url(publicKey),
    id: requestIdFromPublicKey(publicKey),
    write: bytesToBase64url(write),
    collect: bytesToBase64url(collect),
    labelKey: bytesToBase64url(labelKeyFromPublicKey(publicKey)),
    writeVerifier: bytesToBase64url(verifierOf(write)),
    collectVerifier: bytesToBase64url(verifierOf(collect)),
    label: VECTOR_LABEL,
    labelNonce: bytesToBase64url(VECTOR_LABEL_NONCE),
    labelCiphertext: bytesToBase64url(sealLabel(VECTOR_LABEL, publicKey, VECTOR_LABEL_NONCE)),
    requestLink: formatRequestLink(REQUEST_VECTOR_ORIGIN, publicKey),
    collectLink: formatCollectLink(REQUEST_VECTOR_ORIGIN, collectKey),
    responses: RESPONSE_CASES.map((input) => {
      const sealed = sealResponse(input.content, publicKey, {
        ephemeralSecretKey: input.ephemeralSecretKey,
        nonce: VECTOR_RESPONSE_NONCE,
      });
      const epk = nacl.box.keyPair.fromSecretKey(input.ephemeralSecretKey).publicKey;
      const envelope = encodeEnvelope(input.content);
      const content: RequestResponseVector["content"] = {};
      if (input.content.text !== undefined) content.text = input.content.text;
      if (input.content.files !== undefined) {
        content.files = input.content.files.map((file) => ({
          name: file.name,
          type: file.type,
          bytes: bytesToBase64url(file.bytes),
        }));
      }
      return {
        name: input.name,
        ephemeralSecretKey: bytesToBase64url(input.ephemeralSecretKey),
        ephemeralPublicKey: bytesToBase64url(epk),
        nonce: bytesToBase64url(VECTOR_RESPONSE_NONCE),
        content,
        envelopeLength: envelope.length,
        ciphertextLength: 24 + 16 + envelope.length,
        ciphertext: sealed.ciphertext,
        sas: responseSas(publicKey, epk),
      };
    }),
  };
}
