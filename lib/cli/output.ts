/**
 * Everything the CLI prints goes through here: results on stdout, messages and progress on
 * stderr. Progress appears only when stderr is a terminal and the payload is large, so pipes
 * and CI logs see nothing but the lines a script asked for.
 */
import type { Writable } from "node:stream";

export interface OutputStream extends Writable {
  isTTY?: boolean;
}

/** Writes and waits until the stream took the bytes, so a failed write becomes an error. */
export function writeTo(stream: OutputStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/** `2026-11-28 06:30:00 UTC`: unambiguous in logs, sorts as text. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  // Answers are checked (answers.ts) before they get here; this is the last line of defence.
  if (Number.isNaN(date.getTime())) return printable(iso);
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `in 59 min`, `in 23 hours 59 min`, `2 days 3 hours ago`: how far `iso` is from `nowMs`, in at most two units. */
export function formatRelative(iso: string, nowMs: number = Date.now()): string {
  const deltaMs = new Date(iso).getTime() - nowMs;
  if (Number.isNaN(deltaMs)) return "";
  let seconds = Math.floor(Math.abs(deltaMs) / 1000);
  if (seconds === 0) return "now";
  const units: Array<[number, string, string]> = [
    [86_400, " day", " days"],
    [3_600, " hour", " hours"],
    [60, " min", " min"],
    [1, " s", " s"],
  ];
  const parts: string[] = [];
  for (const [size, one, many] of units) {
    if (parts.length === 2) break;
    const count = Math.floor(seconds / size);
    if (count > 0) {
      parts.push(`${count}${count === 1 ? one : many}`);
      seconds -= count * size;
    } else if (parts.length === 1) {
      break;
    }
  }
  const text = parts.join(" ");
  return deltaMs >= 0 ? `in ${text}` : `${text} ago`;
}

/** `411 bytes`, `1.5 KiB`, `1.03 MiB` (two decimals, so sizes near a 1 MiB limit still differ). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Payloads at least this large get a progress line (when stderr is a terminal). */
export const PROGRESS_MIN_BYTES = 256 * 1024;

/**
 * A single self-overwriting status line on stderr. Disabled (every call a no-op) unless
 * stderr is a terminal: a pipe would otherwise collect carriage returns and escape codes.
 */
export class Progress {
  private active = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly enabled: boolean,
  ) {}

  static forPayload(stream: OutputStream, bytes: number): Progress {
    return new Progress(stream, stream.isTTY === true && bytes >= PROGRESS_MIN_BYTES);
  }

  /** Shows `label`, with a percentage when `total` is known. */
  update(label: string, done?: number, total?: number): void {
    if (!this.enabled) return;
    const percent =
      done !== undefined && total ? ` ${Math.min(100, Math.floor((done / total) * 100))}%` : "";
    this.stream.write(`\r\x1b[2K${label}${percent}`);
    this.active = true;
  }

  /** Erases the line, so the next message starts clean. */
  clear(): void {
    if (!this.enabled || !this.active) return;
    this.stream.write("\r\x1b[2K");
    this.active = false;
  }
}

const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * `text` with control and invisible characters shown as `\u001b`-style escapes, for names the
 * sender chose and anything the server sent: printed raw, an escape sequence could rewrite the
 * user's terminal (or write its clipboard, OSC 52).
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** C0 controls except tab and newline (and a carriage return that ends a CRLF line), DEL, C1. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/g;

/**
 * Text for a terminal: control characters that could move the cursor, retitle the window or
 * write the clipboard (escape sequences from a hostile sender) are shown as `\u001b`-style
 * escapes instead. Answers whether anything was escaped. Pipes and files get the exact bytes;
 * only a terminal gets this.
 */
export function terminalSafe(text: string): { text: string; escaped: boolean } {
  let escaped = false;
  const safe = text.replace(TERMINAL_CONTROL, (character) => {
    escaped = true;
    return `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return { text: safe, escaped };
}

/** UNPRINTABLE without C0 controls: JSON.stringify escapes those, and its indentation uses \n. */
const UNPRINTABLE_BEYOND_C0 =
  /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON for stdout, for --json: JSON.stringify escapes C0 controls but leaves DEL, C1 and bidi
 * characters raw; those are escaped too (`\u009b`), which any JSON parser reads back as the
 * same string. So a hostile server's strings cannot drive the terminal through --json either.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNPRINTABLE_BEYOND_C0,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
