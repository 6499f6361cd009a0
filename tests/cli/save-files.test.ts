import { mkdtemp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8ToBytes, type SecretFile } from "@/lib/crypto";
import { UsageError } from "@/lib/cli/errors";
import { assertOutputDirectory, saveFiles } from "@/lib/cli/save-files";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "burnlink-save-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function file(name: string, text: string): SecretFile {
  return { name, type: "text/plain", bytes: utf8ToBytes(text) };
}

describe("saveFiles", () => {
  it("writes each file under its sanitised name, readable by the owner only", async () => {
    const saved = await saveFiles([file("../../evil.sh", "one"), file(".env", "two")], dir, false);
    expect(saved.map((entry) => entry.path)).toEqual([join(dir, "_._evil.sh"), join(dir, "env")]);
    expect(await readFile(join(dir, "_._evil.sh"), "utf8")).toBe("one");
    expect(await readFile(join(dir, "env"), "utf8")).toBe("two");
    expect((await stat(join(dir, "env"))).mode & 0o777).toBe(0o600);
  });

  it("never replaces an existing file without force: the new one gets a numbered name", async () => {
    await writeFile(join(dir, "notes.txt"), "mine");
    const saved = await saveFiles([file("notes.txt", "theirs")], dir, false);
    expect(saved[0]?.path).toBe(join(dir, "notes-2.txt"));
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(await readFile(join(dir, "notes-2.txt"), "utf8")).toBe("theirs");
  });

  it("replaces an existing file with force", async () => {
    await writeFile(join(dir, "notes.txt"), "mine");
    await saveFiles([file("notes.txt", "theirs")], dir, true);
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("theirs");
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("does not write through a symlink planted at the name, with or without force", async () => {
    const outside = join(dir, "outside.txt");
    await writeFile(outside, "untouched");
    await mkdir(join(dir, "out"));
    await symlink(outside, join(dir, "out", "key"));
    await saveFiles([file("key", "secret")], join(dir, "out"), false);
    expect(await readFile(outside, "utf8")).toBe("untouched");
    expect(await readFile(join(dir, "out", "key-2"), "utf8")).toBe("secret");
    await saveFiles([file("key", "secret")], join(dir, "out"), true);
    expect(await readFile(outside, "utf8")).toBe("untouched");
  });

  it("keeps two files of one secret apart when their safe names collide, even in case only", async () => {
    const saved = await saveFiles(
      [file("a/b", "1"), file("a\\b", "2"), file("A_B", "3")],
      dir,
      true,
    );
    expect(saved.map((entry) => entry.path)).toEqual([
      join(dir, "a_b"),
      join(dir, "a_b-2"),
      join(dir, "A_B-3"),
    ]);
  });

  it("does not take the place of a directory of the same name", async () => {
    await mkdir(join(dir, "report"));
    const saved = await saveFiles([file("report", "x")], dir, true);
    expect(saved[0]?.path).toBe(join(dir, "report-2"));
  });

  it("names files that have no usable name file-1, file-2, …", async () => {
    const saved = await saveFiles([file("..", "1"), file("\u0000", "2")], dir, false);
    expect(saved.map((entry) => entry.path)).toEqual([join(dir, "file-1"), join(dir, "file-2")]);
  });
});

describe("assertOutputDirectory", () => {
  it("accepts a directory and refuses a missing path or a file as a usage error", async () => {
    await expect(assertOutputDirectory(dir)).resolves.toBeUndefined();
    await expect(assertOutputDirectory(join(dir, "missing"))).rejects.toThrow(UsageError);
    await writeFile(join(dir, "plain"), "");
    await expect(assertOutputDirectory(join(dir, "plain"))).rejects.toThrow(/not a directory/);
  });
});
