import { createHash, createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";

import {
  base64urlToBytes,
  collectLinkProofs,
  collectToken,
  openLabel,
  openResponse,
  parseCollectLink,
  parseRequestLink,
  requestLinkProofs,
  responseSas,
  sealRequest,
  sealResponse,
} from "@/lib/crypto";

import {
  buildRequestVectors,
  RESPONSE_CASES,
  VECTOR_COLLECT_KEY,
  VECTOR_LABEL,
  VECTOR_LABEL_NONCE,
  VECTOR_RESPONSE_NONCE,
  type RequestVectors,
} from "./generate-request-vectors";

const vectorsPath = fileURLToPath(new URL("./vectors/v1.1-request.json", import.meta.url));
const generating = process.env.GENERATE_VECTORS === "1";

function b64u(bytes: Uint8Array | Buffer): string {
  return Buffer.from(bytes).toString("base64url");
}

const sha512 = (data: Buffer) => createHash("sha512").update(data).digest();
const derive = (label: string, input: Buffer) =>
  sha512(Buffer.concat([Buffer.from(`burnlink/v1/${label}\u0000`, "utf8"), input])).subarray(0, 32);

/** X25519 with node:crypto (OpenSSL), independently of tweetnacl: raw private key → raw public key. */
function x25519PublicKey(secretKey: Buffer): Buffer {
  const der = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), secretKey]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({
    format: "jwk",
  });
  return Buffer.from(jwk.x as string, "base64url");
}

function x25519Shared(secretKey: Buffer, publicKey: Buffer): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), secretKey]),
    format: "der",
    type: "pkcs8",
  });
  const peer = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), publicKey]),
    format: "der",
    type: "spki",
  });
  return diffieHellman({ privateKey, publicKey: peer });
}

function toAsciiJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${json}\n`;
}

function loadPinned(): RequestVectors {
  return JSON.parse(readFileSync(vectorsPath, "utf8")) as RequestVectors;
}

describe("Burnlink v1.1 request vectors", () => {
  it("are what the code builds today (GENERATE_VECTORS=1 rewrites the file instead)", () => {
    const built = buildRequestVectors();
    if (generating) writeFileSync(vectorsPath, toAsciiJson(built));
    expect(built).toEqual(loadPinned());
    expect(readFileSync(vectorsPath, "utf8")).toMatch(/^[\x00-\x7f]*$/);
  });

  it("agree with PROTOCOL.md §7 computed independently with node:crypto (SHA-512 and X25519)", () => {
    const vectors = loadPinned();
    const r = Buffer.from(VECTOR_COLLECT_KEY);
    const sk = derive("request/sk", r);
    const pk = x25519PublicKey(sk);
    const write = derive("request/write", pk);
    const collect = derive("request/collect", r);
    expect(vectors).toMatchObject({
      collectKey: b64u(r),
      secretKey: b64u(sk),
      publicKey: b64u(pk),
      id: b64u(derive("request/id", pk).subarray(0, 16)),
      write: b64u(write),
      collect: b64u(collect),
      labelKey: b64u(derive("request/label", pk)),
      writeVerifier: b64u(sha512(write).subarray(0, 32)),
      collectVerifier: b64u(sha512(collect).subarray(0, 32)),
      requestLink: `https://burnlink.example/r#r${b64u(pk)}`,
      collectLink: `https://burnlink.example/r#c${b64u(r)}`,
    });
    for (const response of vectors.responses) {
      const esk = Buffer.from(response.ephemeralSecretKey, "base64url");
      const epk = x25519PublicKey(esk);
      expect(response.ephemeralPublicKey).toBe(b64u(epk));
      const digest = derive("request/sas", Buffer.concat([pk, epk]));
      expect(response.sas).toBe(String(digest.readUInt32BE(0) % 1_000_000).padStart(6, "0"));
      // Both sides reach the same X25519 secret: the responder with esk, the requester with sk.
      expect(x25519Shared(esk, pk)).toEqual(x25519Shared(sk, epk));
    }
  });

  it("pin link fragments of 44 characters, padded envelopes and the fixed nonces", () => {
    const vectors = loadPinned();
    expect(vectors.requestLink.split("#")[1]).toHaveLength(44);
    expect(vectors.collectLink.split("#")[1]).toHaveLength(44);
    expect(base64urlToBytes(vectors.labelCiphertext).subarray(0, 24)).toEqual(VECTOR_LABEL_NONCE);
    expect(base64urlToBytes(vectors.labelCiphertext)).toHaveLength(1064);
    for (const response of vectors.responses) {
      expect(response.envelopeLength).toBe(1024);
      expect(base64urlToBytes(response.ciphertext)).toHaveLength(response.ciphertextLength);
      expect(base64urlToBytes(response.ciphertext).subarray(0, 24)).toEqual(VECTOR_RESPONSE_NONCE);
      expect(response.sas).toMatch(/^\d{6}$/);
    }
  });

  it("are reproduced by sealRequest, the link parsers and the proof helpers", () => {
    const vectors = loadPinned();
    const sealed = sealRequest({
      label: VECTOR_LABEL,
      collectKey: VECTOR_COLLECT_KEY,
      labelNonce: VECTOR_LABEL_NONCE,
    });
    expect(sealed).toEqual({
      collectKey: VECTOR_COLLECT_KEY,
      publicKey: base64urlToBytes(vectors.publicKey, 32),
      id: vectors.id,
      writeVerifier: vectors.writeVerifier,
      collectVerifier: vectors.collectVerifier,
      label: vectors.labelCiphertext,
    });
    const request = parseRequestLink(vectors.requestLink);
    expect(request).toEqual({ origin: "https://burnlink.example", publicKey: sealed.publicKey });
    const proofs = requestLinkProofs(request.publicKey);
    expect(proofs).toEqual({
      id: vectors.id,
      write: vectors.write,
      labelKey: base64urlToBytes(vectors.labelKey, 32),
    });
    expect(openLabel(vectors.labelCiphertext, proofs.labelKey)).toBe(VECTOR_LABEL);
    const collectLink = parseCollectLink(vectors.collectLink);
    expect(collectLink).toEqual({
      origin: "https://burnlink.example",
      collectKey: VECTOR_COLLECT_KEY,
    });
    expect(collectLinkProofs(collectLink.collectKey)).toEqual({
      id: vectors.id,
      collect: vectors.collect,
      secretKey: base64urlToBytes(vectors.secretKey, 32),
      publicKey: sealed.publicKey,
    });
    expect(collectToken(VECTOR_COLLECT_KEY)).toBe(vectors.collect);
  });

  it.each(RESPONSE_CASES.map((input) => input.name))(
    "reproduce and open the response %s",
    (name) => {
      const vectors = loadPinned();
      const input = RESPONSE_CASES.find((c) => c.name === name)!;
      const vector = vectors.responses.find((r) => r.name === name)!;
      const publicKey = base64urlToBytes(vectors.publicKey, 32);
      const sealed = sealResponse(input.content, publicKey, {
        ephemeralSecretKey: input.ephemeralSecretKey,
        nonce: VECTOR_RESPONSE_NONCE,
      });
      expect(sealed).toEqual({
        epk: vector.ephemeralPublicKey,
        ciphertext: vector.ciphertext,
        sas: vector.sas,
      });
      const opened = openResponse(
        { epk: vector.ephemeralPublicKey, ciphertext: vector.ciphertext },
        base64urlToBytes(vectors.secretKey, 32),
      );
      expect(opened).toEqual({ content: input.content, sas: vector.sas });
    },
  );

  it("show a code below 100000 with its leading zeros", () => {
    const publicKey = base64urlToBytes(loadPinned().publicKey, 32);
    let found: { epk: Uint8Array; sas: string } | undefined;
    for (let i = 0; i < 256 && !found; i++) {
      const epk = nacl.box.keyPair.fromSecretKey(
        Uint8Array.from({ length: 32 }, (_, j) => (i + j) & 0xff),
      ).publicKey;
      const sas = responseSas(publicKey, epk);
      const value =
        derive(
          "request/sas",
          Buffer.concat([Buffer.from(publicKey), Buffer.from(epk)]),
        ).readUInt32BE(0) % 1_000_000;
      expect(sas).toBe(String(value).padStart(6, "0"));
      if (value < 100_000) found = { epk, sas };
    }
    expect(found?.sas).toMatch(/^0\d{5}$/);
  });
});
