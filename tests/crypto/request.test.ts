import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";

import {
  base64urlToBytes,
  bytesToBase64url,
  collectLinkProofs,
  DecryptError,
  encodeEnvelope,
  EnvelopeError,
  KeyLengthError,
  labelKeyFromPublicKey,
  openLabel,
  openResponse,
  requestLinkProofs,
  responseSas,
  sealEnvelope,
  sealLabel,
  sealRequest,
  sealResponse,
} from "@/lib/crypto";

function flipByte(b64u: string, index: number): string {
  const bytes = base64urlToBytes(b64u);
  bytes[index] = bytes[index]! ^ 0x01;
  return bytesToBase64url(bytes);
}

describe("a request and its responses", () => {
  it("round-trip text and files from a responder who only has the request link to the requester", () => {
    const request = sealRequest({ label: "send the key" });
    const responder = requestLinkProofs(request.publicKey);
    expect(responder.id).toBe(request.id);
    expect(openLabel(request.label!, responder.labelKey)).toBe("send the key");
    const content = {
      text: "here",
      files: [{ name: "a.bin", type: "", bytes: new Uint8Array([1, 2, 3]) }],
    };
    const sealed = sealResponse(content, request.publicKey);
    const requester = collectLinkProofs(request.collectKey);
    expect(requester.id).toBe(request.id);
    expect(openResponse(sealed, requester.secretKey)).toEqual({ content, sas: sealed.sas });
  });

  it("makes no label member when there is no label, and seals an empty label as a label", () => {
    expect(sealRequest()).not.toHaveProperty("label");
    const request = sealRequest({ label: "" });
    expect(openLabel(request.label!, requestLinkProofs(request.publicKey).labelKey)).toBe("");
  });

  it("uses a fresh ephemeral key for every response, so the codes and ciphertexts differ", () => {
    const request = sealRequest();
    const a = sealResponse({ text: "same" }, request.publicKey);
    const b = sealResponse({ text: "same" }, request.publicKey);
    expect(a.epk).not.toBe(b.epk);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("refuses to open a response with the wrong secret key", () => {
    const request = sealRequest();
    const sealed = sealResponse({ text: "x" }, request.publicKey);
    const other = collectLinkProofs(sealRequest().collectKey);
    expect(() => openResponse(sealed, other.secretKey)).toThrow(DecryptError);
  });

  it("refuses a response with a flipped byte in the nonce, the box or the ephemeral key", () => {
    const request = sealRequest();
    const sk = collectLinkProofs(request.collectKey).secretKey;
    const sealed = sealResponse({ text: "x" }, request.publicKey);
    for (const index of [0, 23, 24, 39, 40, 500, base64urlToBytes(sealed.ciphertext).length - 1]) {
      expect(() =>
        openResponse({ ...sealed, ciphertext: flipByte(sealed.ciphertext, index) }, sk),
      ).toThrow(DecryptError);
    }
    expect(() => openResponse({ ...sealed, epk: flipByte(sealed.epk, 5) }, sk)).toThrow(
      DecryptError,
    );
  });

  it("refuses truncated responses, ephemeral keys of the wrong length and text that is not base64url", () => {
    const request = sealRequest();
    const sk = collectLinkProofs(request.collectKey).secretKey;
    const sealed = sealResponse({ text: "x" }, request.publicKey);
    const bytes = base64urlToBytes(sealed.ciphertext);
    for (const length of [0, 10, 39, 40, bytes.length - 1]) {
      expect(() =>
        openResponse({ ...sealed, ciphertext: bytesToBase64url(bytes.subarray(0, length)) }, sk),
      ).toThrow(DecryptError);
    }
    expect(() =>
      openResponse({ ...sealed, epk: bytesToBase64url(new Uint8Array(31)) }, sk),
    ).toThrow(DecryptError);
    expect(() =>
      openResponse({ ...sealed, epk: bytesToBase64url(new Uint8Array(33)) }, sk),
    ).toThrow(DecryptError);
    expect(() => openResponse({ ...sealed, ciphertext: `${sealed.ciphertext}=` }, sk)).toThrow(
      DecryptError,
    );
    expect(() => openResponse({ ...sealed, epk: "not base64url!" }, sk)).toThrow(DecryptError);
  });

  it("refuses a label under another request's key, a flipped label and a label that holds files", () => {
    const request = sealRequest({ label: "instructions" });
    const labelKey = requestLinkProofs(request.publicKey).labelKey;
    expect(() =>
      openLabel(request.label!, requestLinkProofs(sealRequest().publicKey).labelKey),
    ).toThrow(DecryptError);
    expect(() => openLabel(flipByte(request.label!, 30), labelKey)).toThrow(DecryptError);
    expect(() => openLabel(request.label!.slice(0, 40), labelKey)).toThrow(DecryptError);
    const withFile = sealEnvelope(
      encodeEnvelope({ text: "t", files: [{ name: "f", type: "", bytes: new Uint8Array(1) }] }),
      labelKeyFromPublicKey(request.publicKey),
    );
    expect(() => openLabel(bytesToBase64url(withFile), labelKey)).toThrow(EnvelopeError);
  });

  it("refuses keys and nonces of the wrong length with KeyLengthError", () => {
    expect(() => sealRequest({ collectKey: new Uint8Array(31) })).toThrow(KeyLengthError);
    expect(() => sealRequest({ label: "x", labelNonce: new Uint8Array(23) })).toThrow(
      KeyLengthError,
    );
    expect(() => requestLinkProofs(new Uint8Array(33))).toThrow(KeyLengthError);
    expect(() => collectLinkProofs(new Uint8Array(0))).toThrow(KeyLengthError);
    const pk = sealRequest().publicKey;
    expect(() => sealResponse({ text: "x" }, new Uint8Array(16))).toThrow(KeyLengthError);
    expect(() =>
      sealResponse({ text: "x" }, pk, { ephemeralSecretKey: new Uint8Array(31) }),
    ).toThrow(KeyLengthError);
    expect(() => sealResponse({ text: "x" }, pk, { nonce: new Uint8Array(25) })).toThrow(
      KeyLengthError,
    );
    expect(() => responseSas(pk, new Uint8Array(31))).toThrow(KeyLengthError);
    expect(() => openResponse({ epk: "", ciphertext: "" }, new Uint8Array(31))).toThrow(
      KeyLengthError,
    );
    expect(() => sealLabel("x", new Uint8Array(31))).toThrow(KeyLengthError);
  });

  it("refuses empty content and labels with lone surrogates before encrypting", () => {
    const pk = sealRequest().publicKey;
    expect(() => sealResponse({}, pk)).toThrow(EnvelopeError);
    expect(() => sealRequest({ label: "\ud800" })).toThrow(EnvelopeError);
  });

  it("gives the responder and the requester the same code, and an interceptor a different one", () => {
    const request = sealRequest();
    const sealed = sealResponse({ text: "x" }, request.publicKey);
    const sk = collectLinkProofs(request.collectKey).secretKey;
    expect(openResponse(sealed, sk).sas).toBe(sealed.sas);
    const epk = base64urlToBytes(sealed.epk, 32);
    expect(responseSas(request.publicKey, epk)).toBe(sealed.sas);
    const other = nacl.box.keyPair().publicKey;
    const codes = new Set(
      Array.from({ length: 20 }, () =>
        responseSas(request.publicKey, nacl.box.keyPair().publicKey),
      ),
    );
    expect(codes.size).toBeGreaterThan(15);
    expect(responseSas(request.publicKey, other)).toMatch(/^\d{6}$/);
  });
});
