/**
 * Writes received files into one directory without ever replacing an existing file unless
 * asked to (--force), and without following a symlink planted at the target name. A name
 * that is taken gets a numbered variant instead of failing: by the time names are known the
 * view is already consumed, and refusing to save would lose the secret. Files are created
 * with mode 0600 because they hold secrets.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SecretFile } from "@/lib/crypto";
import { CliError, UsageError } from "./errors";
import { EXIT } from "./exit-codes";
import { numberedFileName, sanitizeFileName } from "./file-names";

export interface SavedFile {
  /** The name the sender gave. */
  originalName: string;
  /** Where the bytes are now. */
  path: string;
  bytes: number;
}

const FILE_MODE = 0o600;
const MAX_NUMBERED_VARIANTS = 1000;

/** Throws UsageError unless `dir` is an existing directory; run it before consuming a view. */
export async function assertOutputDirectory(dir: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch {
    throw new UsageError(
      `output directory ${dir} does not exist; create it or choose another with -o.`,
    );
  }
  if (!isDirectory) throw new UsageError(`${dir} is not a directory; choose one with -o DIR.`);
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Creates `path` only if nothing is there (O_EXCL also refuses a dangling symlink). */
async function writeExclusive(path: string, bytes: Uint8Array): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", FILE_MODE);
  } catch (error) {
    if (isCode(error, "EEXIST")) return false;
    throw error;
  }
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Replaces `path` atomically: a rename swaps a symlink itself instead of writing through it.
 * Answers false when a directory holds the name (a file cannot replace it).
 */
async function writeReplacing(dir: string, path: string, bytes: Uint8Array): Promise<boolean> {
  const temporary = join(dir, `.burnlink-${randomBytes(6).toString("hex")}.tmp`);
  await writeExclusive(temporary, bytes);
  try {
    await rename(temporary, path);
    return true;
  } catch (error) {
    await rm(temporary, { force: true });
    if (isCode(error, "EISDIR") || isCode(error, "ENOTEMPTY") || isCode(error, "EEXIST"))
      return false;
    throw error;
  }
}

/**
 * Saves every file under a sanitised name in `dir`. Two files of one secret never collide:
 * names are compared case-insensitively, as macOS and Windows file systems do.
 */
export async function saveFiles(
  files: readonly SecretFile[],
  dir: string,
  force: boolean,
  onSaved: (file: SavedFile) => void = () => {},
): Promise<SavedFile[]> {
  const saved: SavedFile[] = [];
  const usedNames = new Set<string>();
  for (const [index, file] of files.entries()) {
    const safeName = sanitizeFileName(file.name, files.length === 1 ? "file" : `file-${index + 1}`);
    let written: string | undefined;
    for (let counter = 1; counter <= MAX_NUMBERED_VARIANTS && written === undefined; counter += 1) {
      const candidate = counter === 1 ? safeName : numberedFileName(safeName, counter);
      if (usedNames.has(candidate.toLowerCase())) continue;
      const path = join(dir, candidate);
      try {
        const done = force
          ? await writeReplacing(dir, path, file.bytes)
          : await writeExclusive(path, file.bytes);
        if (done) written = path;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CliError(EXIT.other, `could not save ${candidate} in ${dir}: ${reason}`, {
          cause: error,
        });
      }
      if (written !== undefined) usedNames.add(candidate.toLowerCase());
    }
    if (written === undefined) {
      throw new CliError(
        EXIT.other,
        `could not find a free name for ${safeName} in ${dir}; use another -o DIR.`,
      );
    }
    const entry = { originalName: file.name, path: written, bytes: file.bytes.length };
    saved.push(entry);
    onSaved(entry);
  }
  return saved;
}
