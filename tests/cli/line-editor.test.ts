import { describe, expect, it } from "vitest";
import { HiddenLineEditor, type LineResult } from "@/lib/cli/line-editor";

/** Feeds the chunks in order, as the terminal delivered them, and returns the last result. */
function type(...chunks: string[]): LineResult {
  const editor = new HiddenLineEditor();
  let result: LineResult = { kind: "pending" };
  for (const chunk of chunks) {
    result = editor.feed(chunk);
    if (result.kind !== "pending") return result;
  }
  return result;
}

function line(...chunks: string[]): string {
  const result = type(...chunks);
  if (result.kind !== "done") throw new Error(`the line did not end: ${result.kind}`);
  return result.value;
}

describe("HiddenLineEditor", () => {
  it("reads ordinary characters up to Enter, in any script", () => {
    expect(line("correct horse ", "pä$$wörd 😀\r")).toBe("correct horse pä$$wörd 😀");
    expect(line("x\n")).toBe("x");
    expect(type("no enter yet")).toEqual({ kind: "pending" });
  });

  it("drops arrow keys whole, in CSI and SS3 form, instead of keeping their tail", () => {
    expect(line("ab\u001b[Acd\r")).toBe("abcd");
    expect(line("a\u001b[B\u001b[C\u001b[Db\r")).toBe("ab");
    expect(line("a\u001bOAb\u001bOHc\r")).toBe("abc");
    expect(line("a\u009bAb\u008fBc\r")).toBe("abc");
  });

  it("drops sequences with parameters and modifiers: Ctrl-arrow, Delete, F5, mouse reports", () => {
    expect(line("a\u001b[1;5Cb\r")).toBe("ab");
    expect(line("a\u001b[3~b\r")).toBe("ab");
    expect(line("a\u001b[15~b\r")).toBe("ab");
    expect(line("a\u001b[<0;12;5Mb\r")).toBe("ab");
    expect(line("a\u001bO1;2Pb\r")).toBe("ab");
  });

  it("drops a sequence split over several chunks", () => {
    expect(line("ab\u001b", "[", "1;5", "A", "cd\r")).toBe("abcd");
    expect(line("a\u001b", "O", "Bb\r")).toBe("ab");
    expect(line("a\u001b]11;rgb:", "0000/0000/0000\u001b", "\\b\r")).toBe("ab");
  });

  it("drops OSC, DCS and APC strings up to BEL or ST, whatever they contain", () => {
    expect(line("a\u001b]52;c;aGVsbG8=\u0007b\r")).toBe("ab");
    expect(line("a\u001b]0;title\u001b\\b\r")).toBe("ab");
    expect(line("a\u001bP1$r0m\u001b\\b\r")).toBe("ab");
    expect(line("a\u001b_apc [A\u009cb\r")).toBe("ab");
    expect(line("a\u009d8;;http://x\u0007b\r")).toBe("ab");
  });

  it("keeps pasted text but drops the bracketed-paste markers around it", () => {
    expect(line("\u001b[200~pasted secret\u001b[201~\r")).toBe("pasted secret");
  });

  it("drops Alt-letter and charset designations, which are ESC plus one or two characters", () => {
    expect(line("a\u001bxb\r")).toBe("ab");
    expect(line("a\u001b(Bb\r")).toBe("ab");
  });

  it("still ends the line or interrupts when Enter or Ctrl-C follows a lone Esc", () => {
    expect(line("abc\u001b\r")).toBe("abc");
    expect(type("abc\u001b\u0003")).toEqual({ kind: "interrupted" });
    expect(type("a\u001b]never ended\u0003")).toEqual({ kind: "interrupted" });
    expect(line("a\u001b]never ended\r")).toBe("a");
    expect(line("a\u001b[12\rb")).toBe("a");
  });

  it("cancels a sequence on CAN or SUB and reads on", () => {
    expect(line("a\u001b[12\u0018b\r")).toBe("ab");
    expect(line("a\u001b]0;x\u001ab\r")).toBe("ab");
  });

  it("edits with Backspace and Ctrl-U, also right after a dropped sequence", () => {
    expect(line("abc\u007f\u007fd\r")).toBe("ad");
    expect(line("ab\u001b[D\u007fc\r")).toBe("ac");
    expect(line("wrong\u0015right\r")).toBe("right");
    expect(line("😀\b\r")).toBe("");
  });

  it("interrupts on Ctrl-C, and on Ctrl-D only when the line is empty", () => {
    expect(type("abc\u0003")).toEqual({ kind: "interrupted" });
    expect(type("\u0004")).toEqual({ kind: "interrupted" });
    expect(line("ab\u0004c\r")).toBe("abc");
  });

  it("keeps no other control character: tab, C1 controls and NUL never enter the passphrase", () => {
    expect(line("a\tb\u0000c\u0085d\u0080e\r")).toBe("abcde");
  });
});
