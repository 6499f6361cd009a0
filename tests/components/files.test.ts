// Decrypted text and file names come from the sender and are hostile by assumption: the
// reveal page spells out the characters that can make them read as something else.
import { describe, expect, it } from "vitest";
import { hiddenCharacters, visibleFileName } from "@/components/browser/files";

describe("hiddenCharacters", () => {
  it("reports nothing for ordinary text with tabs and line breaks", () => {
    expect(hiddenCharacters("user:\tadmin\r\npassword: Tr0ub4dor&3 ✓ été")).toEqual([]);
  });

  it("reports each bidi override, isolate, mark and invisible character once, in order of first appearance", () => {
    expect(hiddenCharacters("12\u202E34\u200B56\u202E\u2066x\u2069\u00AD\uFEFF\u0000")).toEqual([
      "U+202E",
      "U+200B",
      "U+2066",
      "U+2069",
      "U+00AD",
      "U+FEFF",
      "U+0000",
    ]);
  });

  it("flags exactly the characters a file name shows spelled out", () => {
    const text = "invoice\u202Efdp.exe\u061C";
    const spelled = [...visibleFileName(text).matchAll(/⟨(U\+[0-9A-F]{4})⟩/g)].map(
      (match) => match[1],
    );
    expect(hiddenCharacters(text)).toEqual(spelled);
  });
});
