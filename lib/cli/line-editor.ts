/**
 * The input handling of the hidden passphrase prompt, apart from the terminal so it can be
 * tested: raw keystrokes in, one line out. Keys that send escape sequences (arrows, Home,
 * F-keys, Alt-letter, a terminal's answer to a query, bracketed-paste markers) are dropped
 * whole, never leaving their tail (`[A`) in the passphrase. A sequence may arrive split over
 * several chunks; the state carries over. Parsing follows ECMA-48 (CSI, SS3, OSC/DCS/SOS/PM/APC
 * strings ended by ST or BEL, their one-character C1 forms, and two-character ESC sequences).
 */

export type LineResult =
  { kind: "pending" } | { kind: "done"; value: string } | { kind: "interrupted" };

type State = "text" | "escape" | "escape-intermediate" | "csi" | "ss3" | "string" | "string-escape";

const ESC = "\u001b";
const BEL = "\u0007";
const CSI_C1 = "\u009b";
const SS3_C1 = "\u008f";
const ST_C1 = "\u009c";
/** DCS, SOS, OSC, PM, APC as C1 characters: each opens a string ended by ST. */
const STRING_C1 = new Set(["\u0090", "\u0098", "\u009d", "\u009e", "\u009f"]);
/** The letters after ESC that open those strings: P (DCS), X (SOS), ] (OSC), ^ (PM), _ (APC). */
const STRING_OPENERS = new Set(["P", "X", "]", "^", "_"]);
/** CAN and SUB cancel a sequence in progress (ECMA-48 §8.3.14, §8.3.148). */
const CANCELS = new Set(["\u0018", "\u001a"]);

function codeOf(character: string): number {
  return character.codePointAt(0) ?? 0;
}

function isControl(character: string): boolean {
  const code = codeOf(character);
  return code < 0x20 || code === 0x7f;
}

export class HiddenLineEditor {
  private value = "";
  private state: State = "text";

  /** Feeds one chunk of keystrokes; `done` or `interrupted` ends the line (the rest is ignored). */
  feed(chunk: string): LineResult {
    for (const character of chunk) {
      const result = this.step(character);
      if (result.kind !== "pending") return result;
    }
    return { kind: "pending" };
  }

  private step(character: string): LineResult {
    const code = codeOf(character);
    switch (this.state) {
      case "text":
        return this.text(character);
      case "escape":
        if (character === "[") this.state = "csi";
        else if (character === "O") this.state = "ss3";
        else if (STRING_OPENERS.has(character)) this.state = "string";
        else if (code >= 0x20 && code <= 0x2f) this.state = "escape-intermediate";
        else if (character === ESC) this.state = "escape";
        else if (isControl(character)) {
          // A lone Esc key, then Enter or Ctrl-C: the control still counts.
          this.state = "text";
          return this.text(character);
        } else this.state = "text"; // ESC + one character (Alt-x): both dropped.
        return { kind: "pending" };
      case "escape-intermediate":
        if (code >= 0x30 && code <= 0x7e) this.state = "text";
        else if (!(code >= 0x20 && code <= 0x2f)) return this.abort(character);
        return { kind: "pending" };
      case "csi":
        // Parameters 0x30-0x3F and intermediates 0x20-0x2F, then one final byte 0x40-0x7E.
        if (code >= 0x40 && code <= 0x7e) this.state = "text";
        else if (!(code >= 0x20 && code <= 0x3f)) return this.abort(character);
        return { kind: "pending" };
      case "ss3":
        // SS3 selects one character (ESC O A = arrow up); some terminals put parameters first.
        if (code >= 0x40 && code <= 0x7e) this.state = "text";
        else if (!(code >= 0x30 && code <= 0x3f)) return this.abort(character);
        return { kind: "pending" };
      case "string":
        if (character === BEL || character === ST_C1) this.state = "text";
        else if (character === ESC) this.state = "string-escape";
        else if (CANCELS.has(character)) this.state = "text";
        // Ctrl-C and Enter still work, so a stray Esc ] never swallows the prompt.
        else if (character === "\u0003" || character === "\r" || character === "\n")
          return this.abort(character);
        return { kind: "pending" };
      case "string-escape":
        // ESC \ is ST; any other ESC x inside a string starts a new sequence.
        if (character === "\\") {
          this.state = "text";
          return { kind: "pending" };
        }
        this.state = "escape";
        return this.step(character);
    }
  }

  /** A malformed sequence ends at the first byte that cannot belong to it; that byte is read anew. */
  private abort(character: string): LineResult {
    this.state = "text";
    if (CANCELS.has(character)) return { kind: "pending" };
    return this.text(character);
  }

  private text(character: string): LineResult {
    const code = codeOf(character);
    if (character === "\r" || character === "\n") return { kind: "done", value: this.value };
    if (character === "\u0003" || (character === "\u0004" && this.value === "")) {
      return { kind: "interrupted" };
    }
    if (character === ESC) this.state = "escape";
    else if (character === CSI_C1) this.state = "csi";
    else if (character === SS3_C1) this.state = "ss3";
    else if (STRING_C1.has(character)) this.state = "string";
    else if (character === "\u007f" || character === "\b") {
      this.value = Array.from(this.value).slice(0, -1).join("");
    } else if (character === "\u0015") this.value = "";
    // Other C0 and C1 controls are keys, not characters of a passphrase.
    else if (code >= 0x20 && !(code >= 0x80 && code <= 0x9f)) this.value += character;
    return { kind: "pending" };
  }
}
