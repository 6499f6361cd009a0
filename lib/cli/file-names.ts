/**
 * Names for received files. The sender chooses a file's name, so it is untrusted input:
 * sanitizeFileName returns a single, visible path component that stays inside the output
 * directory on every OS (no separators, no `..`, no control or bidi characters, no hiding
 * leading dot, no Windows device name, at most 255 UTF-8 bytes, never empty).
 */

export const MAX_FILE_NAME_BYTES = 255;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** C0, DEL and C1 controls, plus invisible formatting that can disguise a name (`gpj.exe` shown as `exe.jpg`). */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
/** Path separators everywhere, and the characters Windows refuses in a name. */
const SEPARATORS_AND_RESERVED = /[/\\<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Drops whole code points from the end until `text` fits in `maxBytes` of UTF-8. */
function truncateUtf8(text: string, maxBytes: number): string {
  const codePoints = Array.from(text);
  while (codePoints.length > 0 && utf8Length(codePoints.join("")) > maxBytes) codePoints.pop();
  return codePoints.join("");
}

/** Runs of dots become one dot; dots and spaces leave both ends (a leading dot hides the file). */
function tidyDots(text: string): string {
  return text
    .replace(/\.{2,}/g, ".")
    .replace(/^[\s.]+/u, "")
    .replace(/[\s.]+$/u, "");
}

function splitExtension(name: string): [base: string, extension: string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * A safe file name for `name`, or `fallback` when nothing usable is left. `fallback` must
 * itself be safe (the callers pass `file` or `file-2`).
 */
export function sanitizeFileName(name: string, fallback = "file"): string {
  let safe = name
    .replace(LONE_SURROGATE, "\ufffd")
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(SEPARATORS_AND_RESERVED, "_");
  safe = tidyDots(safe);
  if (WINDOWS_DEVICE.test(safe)) safe = `_${safe}`;
  if (utf8Length(safe) > MAX_FILE_NAME_BYTES) {
    const [base, extension] = splitExtension(safe);
    // Keep a short extension so the file still opens with the right program.
    const keep = extension.length <= 16 ? extension : "";
    safe = tidyDots(
      truncateUtf8(keep ? base : safe, MAX_FILE_NAME_BYTES - utf8Length(keep)) + keep,
    );
  }
  return safe === "" ? fallback : safe;
}

/** `name` with `-N` before its extension: `notes.txt` -> `notes-2.txt`. Keeps the 255-byte limit. */
export function numberedFileName(name: string, counter: number): string {
  let [base, extension] = splitExtension(name);
  if (utf8Length(extension) > 16) [base, extension] = [name, ""];
  const suffix = `-${counter}${extension}`;
  const head = tidyDots(truncateUtf8(base, MAX_FILE_NAME_BYTES - utf8Length(suffix)));
  return `${head === "" ? "file" : head}${suffix}`;
}
