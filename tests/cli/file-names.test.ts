import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_FILE_NAME_BYTES, numberedFileName, sanitizeFileName } from "@/lib/cli/file-names";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function expectSafe(name: string): void {
  expect(name.length).toBeGreaterThan(0);
  expect(name).not.toContain("/");
  expect(name).not.toContain("\\");
  expect(name).not.toContain("..");
  expect(name).not.toMatch(CONTROL);
  expect(name.startsWith(".")).toBe(false);
  expect(Buffer.byteLength(name, "utf8")).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
}

describe("sanitizeFileName", () => {
  it.each([
    ["notes.txt", "notes.txt"],
    ["id_ed25519", "id_ed25519"],
    ["Grüße – résumé.pdf", "Grüße – résumé.pdf"],
    ["../../etc/passwd", "_._etc_passwd"],
    ["..\\..\\windows\\system32", "_._windows_system32"],
    ["/etc/shadow", "_etc_shadow"],
    [".env", "env"],
    ["...hidden", "hidden"],
    ["archive..tar..gz", "archive.tar.gz"],
    ["trailing. ", "trailing"],
    ["a\u0000b\nc\u001b[31md", "abc[31md"],
    ["cod\u202eexe.txt", "codexe.txt"],
    ["C:\\temp\\x.txt", "C__temp_x.txt"],
    ["con", "_con"],
    ["NUL.txt", "_NUL.txt"],
    ["", "file"],
    [".", "file"],
    ["..", "file"],
    ["   ", "file"],
  ])("turns %j into %j", (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it("uses the fallback when nothing usable is left", () => {
    expect(sanitizeFileName("\u0000\u0001", "file-3")).toBe("file-3");
  });

  it("keeps the extension when it shortens a long name to 255 bytes", () => {
    const name = sanitizeFileName(`${"é".repeat(300)}.tar.gz`);
    expect(name.endsWith(".gz")).toBe(true);
    expect(Buffer.byteLength(name, "utf8")).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
  });

  it("never splits a character when it shortens a name", () => {
    const name = sanitizeFileName("😀".repeat(100));
    expect(name).toBe("😀".repeat(63));
  });

  it("replaces a lone surrogate instead of producing an unencodable name", () => {
    expect(sanitizeFileName("a\ud800b")).toBe("a\ufffdb");
  });

  it("always returns a safe, visible, non-empty single path component", () => {
    const hostile = fc.constantFrom(
      "/",
      "\\",
      ".",
      "..",
      "\u0000",
      "\n",
      "\u001b",
      "\u009b",
      "\u202e",
      " ",
      "a",
      "é",
      "😀",
      ":",
      "*",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 300 }),
          fc.string({ unit: "binary", maxLength: 300 }),
          fc.array(hostile, { maxLength: 400 }).map((parts) => parts.join("")),
        ),
        (input) => expectSafe(sanitizeFileName(input)),
      ),
      { numRuns: 2_000 },
    );
  });

  it("is idempotent: a safe name stays as it is", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (input) => {
        const once = sanitizeFileName(input);
        expect(sanitizeFileName(once)).toBe(once);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("numberedFileName", () => {
  it.each([
    ["notes.txt", 2, "notes-2.txt"],
    ["id_ed25519", 3, "id_ed25519-3"],
    ["archive.tar.gz", 2, "archive.tar-2.gz"],
  ])("numbers %j as %j with %i", (name, counter, expected) => {
    expect(numberedFileName(name, counter)).toBe(expected);
  });

  it("stays safe and within 255 bytes for any safe input", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 400 }),
        fc.integer({ min: 2, max: 999 }),
        (input, counter) => {
          expectSafe(numberedFileName(sanitizeFileName(input), counter));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
