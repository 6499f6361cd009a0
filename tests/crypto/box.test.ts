import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";

import {
  ciphertextSize,
  concatBytes,
  DecryptError,
  KeyLengthError,
  openEnvelope,
  sealEnvelope,
} from "@/lib/crypto";

/**
 * Known answers for nacl.secretbox (XSalsa20-Poly1305), vendored from tweetnacl-js:
 * https://github.com/dchest/tweetnacl-js/blob/9710c8552bc72d6f2956846357bc197941476990/test/data/secretbox.random.js
 * entries 0, 1, 4, 9 and 32 (message lengths 0, 1, 4, 9 and 32 bytes). Each is
 * [key, nonce, message, box] in standard base64, where box = secretbox(message) without the
 * nonce, i.e. 16-byte tag ‖ encrypted message, exactly as tweetnacl-js's own
 * test/04-secretbox.js checks them. Our ciphertext is nonce ‖ box (PROTOCOL.md §3).
 */
const TWEETNACL_SECRETBOX_VECTORS: [string, string, string, string][] = [
  [
    "givKPH4F/eDcIEUZcws1+BIWqcnx35Ul4qkA7Ilxj1c=",
    "crkCCNKADjatFscwlBoDjXw62dhwMNMp",
    "",
    "ebNFUe0iT6F8tkYMy5Cg2Q==",
  ],
  [
    "hHMQ5Z8jKNzdADMt+jxhYF5437On2tZcokdNX4h5nxI=",
    "qem0uDdL2JT2ObMjonw0UUqOfWTMg7le",
    "1Q==",
    "VJViVugBhKeaOvfSlHkTzUQ=",
  ],
  [
    "Ruo0n3U5y/i41vnies4Nv4HYz4sxqh6GD+j3P1FgaHk=",
    "S8NeXzOahJBPW5wZi0b3NZtucWn5V99J",
    "eadKtw==",
    "EM3yNjHwPVMTm0/V2duXvXd60ls=",
  ],
  [
    "fOQduIEEVx7+SPsa33RZhuZXna+J3edbNU/EY+jKcts=",
    "pH0ac45hX1u8fN7xT8L9xdLF9nq3IGyw",
    "4aknivBxlrpQ",
    "qtdSSkeprYxLDft/tU1IebcGbCa31IHKnA==",
  ],
  [
    "FRWJ1g4afBW60SnXlO6ys7fyB0QlGhSRKBisT+XdeZw=",
    "9qf9QUeovCfDOC9J2VNEDcWo+gAoPhqU",
    "O5GJce3/WcRAhjjyfb1vheGRIWHof5pjPCDvzwyHC6o=",
    "ZtM128IsF2vUC0u7TJV8Mo9oYUrGqjFzFh5o0ye6dJIQDe41+jxX08lFqnO4Gyi5",
  ],
];

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x80 + i);
const message = Uint8Array.from({ length: 50 }, (_, i) => (i * 7) & 0xff);

describe("tweetnacl secretbox known answers", () => {
  it.each(TWEETNACL_SECRETBOX_VECTORS.map((v, i) => [i, ...v] as const))(
    "vector %i seals to the published box and opens back to the message",
    (_index, keyB64, nonceB64, messageB64, boxB64) => {
      const vectorKey = fromBase64(keyB64);
      const vectorNonce = fromBase64(nonceB64);
      const vectorMessage = fromBase64(messageB64);
      const expected = concatBytes(vectorNonce, fromBase64(boxB64));
      expect(sealEnvelope(vectorMessage, vectorKey, vectorNonce)).toEqual(expected);
      expect(openEnvelope(expected, vectorKey)).toEqual(vectorMessage);
    },
  );
});

describe("sealEnvelope and openEnvelope", () => {
  it("put the nonce in front of the box and add 40 bytes in all", () => {
    const sealed = sealEnvelope(message, key, nonce);
    expect(sealed.length).toBe(ciphertextSize(message.length));
    expect(sealed.length).toBe(24 + 16 + 50);
    expect(sealed.subarray(0, 24)).toEqual(nonce);
    expect(openEnvelope(sealed, key)).toEqual(message);
  });

  it("draw a fresh random nonce when none is given", () => {
    const a = sealEnvelope(message, key);
    const b = sealEnvelope(message, key);
    expect(a.subarray(0, 24)).not.toEqual(b.subarray(0, 24));
    expect(openEnvelope(a, key)).toEqual(message);
    expect(openEnvelope(b, key)).toEqual(message);
  });

  it("seal and open an empty envelope", () => {
    const sealed = sealEnvelope(new Uint8Array(0), key, nonce);
    expect(sealed.length).toBe(40);
    expect(openEnvelope(sealed, key)).toEqual(new Uint8Array(0));
  });

  it("refuses a ciphertext with any single byte flipped, in the nonce, the tag or the body", () => {
    const sealed = sealEnvelope(message, key, nonce);
    for (let i = 0; i < sealed.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const damaged = sealed.slice();
        damaged[i]! ^= mask;
        expect(() => openEnvelope(damaged, key), `byte ${i} ^ ${mask}`).toThrow(DecryptError);
      }
    }
  });

  it("refuses a ciphertext under the wrong key, even one differing in a single bit", () => {
    const sealed = sealEnvelope(message, key, nonce);
    const otherKey = key.slice();
    otherKey[31]! ^= 0x01;
    expect(() => openEnvelope(sealed, otherKey)).toThrow(DecryptError);
    expect(() => openEnvelope(sealed, new Uint8Array(32))).toThrow(DecryptError);
  });

  it("refuses every ciphertext shorter than nonce plus tag, including the empty one", () => {
    const sealed = sealEnvelope(new Uint8Array(0), key, nonce);
    for (let length = 0; length < 40; length++) {
      expect(() => openEnvelope(sealed.slice(0, length), key), `length ${length}`).toThrow(
        /incomplete/,
      );
    }
  });

  it("refuses a ciphertext cut short anywhere, or with bytes appended", () => {
    const sealed = sealEnvelope(message, key, nonce);
    for (let length = 0; length < sealed.length; length++) {
      expect(() => openEnvelope(sealed.slice(0, length), key)).toThrow(DecryptError);
    }
    expect(() => openEnvelope(concatBytes(sealed, new Uint8Array([0])), key)).toThrow(DecryptError);
  });

  it("throws a DecryptError rather than returning null where tweetnacl does", () => {
    const sealed = sealEnvelope(message, key, nonce);
    sealed[30]! ^= 1;
    expect(nacl.secretbox.open(sealed.subarray(24), nonce, key)).toBeNull();
    let thrown: unknown;
    try {
      openEnvelope(sealed, key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DecryptError);
    expect((thrown as Error).name).toBe("DecryptError");
    expect((thrown as Error).message).toMatch(/could not be decrypted/);
  });

  it.each([0, 16, 31, 33, 64])("refuse a key of %i bytes with a KeyLengthError", (length) => {
    const sealed = sealEnvelope(message, key, nonce);
    expect(() => sealEnvelope(message, new Uint8Array(length), nonce)).toThrow(KeyLengthError);
    expect(() => openEnvelope(sealed, new Uint8Array(length))).toThrow(KeyLengthError);
  });

  it.each([0, 12, 23, 25, 32])("refuse a nonce of %i bytes with a KeyLengthError", (length) => {
    expect(() => sealEnvelope(message, key, new Uint8Array(length))).toThrow(KeyLengthError);
  });
});

describe("ciphertextSize", () => {
  it("adds the 24-byte nonce and the 16-byte tag", () => {
    expect(ciphertextSize(0)).toBe(40);
    expect(ciphertextSize(1024)).toBe(1064);
  });

  it("refuses sizes that are not non-negative integers", () => {
    expect(() => ciphertextSize(-1)).toThrow(RangeError);
    expect(() => ciphertextSize(1.5)).toThrow(RangeError);
    expect(() => ciphertextSize(Number.NaN)).toThrow(RangeError);
  });
});
