import { mkdtemp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8ToBytes, type SecretFile } from "@/lib/crypto";
import { UsageError } from "@/lib/cli/errors";
import {
  assertOutputDirectory,
  nameFiles,
  saveFiles,
  saveReceivedFiles,
} from "@/lib/cli/save-files";

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

const save = (files: SecretFile[], target: string) => saveFiles(nameFiles(files), target);

describe("saveFiles", () => {
  it("writes each file under its sanitised name, readable by the owner only", async () => {
    const saved = await save([file("../../evil.sh", "one"), file(".env", "two")], dir);
    expect(saved.map((entry) => entry.path)).toEqual([join(dir, "_._evil.sh"), join(dir, "env")]);
    expect(await readFile(join(dir, "_._evil.sh"), "utf8")).toBe("one");
    expect(await readFile(join(dir, "env"), "utf8")).toBe("two");
    expect((await stat(join(dir, "env"))).mode & 0o777).toBe(0o600);
  });

  it("never replaces an existing file: the new one gets a numbered name", async () => {
    await writeFile(join(dir, "notes.txt"), "mine");
    const saved = await save([file("notes.txt", "theirs")], dir);
    expect(saved[0]?.path).toBe(join(dir, "notes-2.txt"));
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(await readFile(join(dir, "notes-2.txt"), "utf8")).toBe("theirs");
  });

  it("does not write through a symlink planted at the name", async () => {
    const outside = join(dir, "outside.txt");
    await writeFile(outside, "untouched");
    await mkdir(join(dir, "out"));
    await symlink(outside, join(dir, "out", "key"));
    await save([file("key", "secret")], join(dir, "out"));
    expect(await readFile(outside, "utf8")).toBe("untouched");
    expect(await readFile(join(dir, "out", "key-2"), "utf8")).toBe("secret");
  });

  it("keeps two files of one secret apart when their safe names collide, even in case only", async () => {
    const saved = await save([file("a/b", "1"), file("a\\b", "2"), file("A_B", "3")], dir);
    expect(saved.map((entry) => entry.path)).toEqual([
      join(dir, "a_b"),
      join(dir, "a_b-2"),
      join(dir, "A_B-3"),
    ]);
  });

  it("does not take the place of a directory of the same name", async () => {
    await mkdir(join(dir, "report"));
    const saved = await save([file("report", "x")], dir);
    expect(saved[0]?.path).toBe(join(dir, "report-2"));
  });

  it("names files that have no usable name file-1, file-2, …", async () => {
    const saved = await save([file("..", "1"), file("\u0000", "2")], dir);
    expect(saved.map((entry) => entry.path)).toEqual([join(dir, "file-1"), join(dir, "file-2")]);
  });
});

describe("saveReceivedFiles", () => {
  const NOW = new Date("2026-12-01T09:30:05.123Z");
  const planted = [file("authorized_keys", "ssh-ed25519 AAAA attacker"), file("rc", "curl | sh")];

  it("puts sender-named files in a fresh folder by default, never next to the user's own", async () => {
    const result = await saveReceivedFiles(planted, dir, { all: false, only: [] }, () => {}, NOW);
    const fresh = join(dir, "burnlink-20261201-093005");
    expect(result.freshDirectory).toBe(fresh);
    expect((await readdir(dir)).sort()).toEqual(["burnlink-20261201-093005"]);
    expect((await readdir(fresh)).sort()).toEqual(["authorized_keys", "rc"]);
    expect((await stat(fresh)).mode & 0o777).toBe(0o700);
    expect(result.unmatched).toEqual([]);
  });

  it("makes another fresh folder when the name is taken, and never reuses one, even through a symlink", async () => {
    await mkdir(join(dir, "burnlink-20261201-093005"));
    await symlink(join(dir, "elsewhere"), join(dir, "burnlink-20261201-093005-2"));
    const result = await saveReceivedFiles(planted, dir, { all: false, only: [] }, () => {}, NOW);
    expect(result.freshDirectory).toBe(join(dir, "burnlink-20261201-093005-3"));
    expect(await readdir(join(dir, "burnlink-20261201-093005"))).toEqual([]);
  });

  it("saves the files named with --only in the directory itself, and the rest in a fresh folder", async () => {
    const result = await saveReceivedFiles(
      [file("cert.pem", "c"), ...planted],
      dir,
      { all: false, only: ["cert.pem", "missing.txt"] },
      () => {},
      NOW,
    );
    expect(await readFile(join(dir, "cert.pem"), "utf8")).toBe("c");
    expect((await readdir(join(dir, "burnlink-20261201-093005"))).sort()).toEqual([
      "authorized_keys",
      "rc",
    ]);
    expect(result.saved).toHaveLength(3);
    expect(result.unmatched).toEqual(["missing.txt"]);
  });

  it("makes no folder when every file was accepted, with --all or by name", async () => {
    const all = await saveReceivedFiles(planted, dir, { all: true }, () => {}, NOW);
    expect(all.freshDirectory).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(["authorized_keys", "rc"]);
    const named = await saveReceivedFiles(
      [file("rc", "again")],
      dir,
      { all: false, only: ["rc"] },
      () => {},
      NOW,
    );
    expect(named.freshDirectory).toBeUndefined();
    expect(await readFile(join(dir, "rc"), "utf8")).toBe("curl | sh");
    expect(await readFile(join(dir, "rc-2"), "utf8")).toBe("again");
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
