/**
 * File names and downloads for decrypted attachments. Names come from the sender and
 * are hostile by assumption (PrivateBin's attachment-name XSS): they are only ever
 * rendered as text, shown with invisible characters spelled out, and saved under a
 * cleaned name as application/octet-stream so the browser never renders them inline.
 */

// Bidi overrides/isolates/marks and other invisible formatting characters that can make
// "invoice\u202Efdp.exe" look like "invoiceexe.pdf".
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
const RESERVED = /[<>:"/\\|?*]/g;
const MAX_NAME_LENGTH = 120;

/** The name as shown: every invisible or direction-changing character written as ⟨U+XXXX⟩. */
export function visibleFileName(name: string): string {
  return name.replace(INVISIBLE, (char) => `⟨${codePointLabel(char)}⟩`);
}

/** U+XXXX for one character. */
function codePointLabel(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The invisible or direction-changing characters in a text, each once, as U+XXXX, in order
 * of first appearance. Tabs and line breaks are ordinary in a text and not reported. The
 * same set as file names, so "12\u202E34" in an account number is flagged like "fdp.exe".
 */
export function hiddenCharacters(text: string): string[] {
  const found = new Set<string>();
  for (const [char] of text.matchAll(INVISIBLE)) {
    if (char !== "\t" && char !== "\n" && char !== "\r") found.add(codePointLabel(char));
  }
  return [...found];
}

/** A name safe to save: no paths, controls, direction tricks, reserved characters or leading dots. */
export function safeFileName(name: string): string {
  let cleaned = name
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(RESERVED, "_")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "")
    .trim();
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(cleaned)) cleaned = `_${cleaned}`;
  if (cleaned.length > MAX_NAME_LENGTH) {
    const dot = cleaned.lastIndexOf(".");
    const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : "";
    cleaned = cleaned.slice(0, MAX_NAME_LENGTH - extension.length) + extension;
  }
  return cleaned || "file";
}

/** Saves bytes as a download; the object URL is revoked right after the click. */
export function downloadBytes(bytes: Uint8Array, name: string) {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = safeFileName(name);
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
