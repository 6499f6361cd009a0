// The share link's QR code is drawn by our own encoder (components/qr); a code that does not
// scan would strand the recipient. An independent decoder (jsQR) must read back every link.
import fc from "fast-check";
import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { encodeQr } from "@/components/qr/qr-code";
import { formatManageLink, formatShareLink, generateLinkKey, generateManageKey, secretIdFromLinkKey } from "@/lib/crypto";

const MODULE_PIXELS = 4;
const QUIET_ZONE_MODULES = 4;

/** Renders the matrix as an RGBA bitmap with the quiet zone scanners need. */
function render(text: string): { data: Uint8ClampedArray; width: number } {
  const { size, dark } = encodeQr(text);
  const width = (size + 2 * QUIET_ZONE_MODULES) * MODULE_PIXELS;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!dark[y * size + x]) continue;
      for (let dy = 0; dy < MODULE_PIXELS; dy++) {
        for (let dx = 0; dx < MODULE_PIXELS; dx++) {
          const px = (x + QUIET_ZONE_MODULES) * MODULE_PIXELS + dx;
          const py = (y + QUIET_ZONE_MODULES) * MODULE_PIXELS + dy;
          data.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3);
        }
      }
    }
  }
  return { data, width };
}

function decode(text: string): string | undefined {
  const { data, width } = render(text);
  return jsQR(data, width, width, { inversionAttempts: "dontInvert" })?.data;
}

describe("the share-link QR encoder", () => {
  it("draws share and manage links that an independent decoder reads back exactly", () => {
    for (const origin of ["http://localhost:3000", "https://burnlink.example.com", "https://secrets.corp.example/team-a"]) {
      const linkKey = generateLinkKey();
      for (const needsPassphrase of [false, true]) {
        const link = formatShareLink(origin, linkKey, needsPassphrase);
        expect(decode(link)).toBe(link);
      }
      const manage = formatManageLink(origin, secretIdFromLinkKey(linkKey), generateManageKey());
      expect(decode(manage)).toBe(manage);
    }
  });

  it("reads back any text from 1 to 300 bytes, including non-ASCII, across many versions", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 }), (text) => {
        fc.pre(new TextEncoder().encode(text).length <= 300);
        expect(decode(text)).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses text too long for any QR version instead of drawing a broken code", () => {
    expect(() => encodeQr("x".repeat(3000))).toThrow(RangeError);
  });
});
