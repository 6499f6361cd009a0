/**
 * Writes received files without ever replacing an existing file, and without following a
 * symlink planted at the target name. The sender chooses the names, so by default the files
 * go into a fresh sub-directory (`burnlink-YYYYMMDD-HHMMSS`, made here, mode 700): a sender
 * cannot plant `authorized_keys`, `rc` or `config` next to the recipient's own files. Only the
 * names the recipient accepted (--only NAME, or every name with --all) are saved directly in
 * the output directory. A name that is taken gets a numbered variant instead of failing: by
 * the time names are known the view is already consumed, and refusing to save would lose the
 * secret. Files are created with mode 0600 because they hold secrets.
 */
import { access, constants, mkdir, open, stat } from "node:fs/promises";
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
const DIRECTORY_MODE = 0o700;
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
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`cannot write in ${dir}; choose another directory with -o DIR.`);
  }
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

/** A received file and the safe name it is saved under (file-names.ts). */
export interface NamedFile {
  file: SecretFile;
  safeName: string;
}

/** Safe names for a secret's files; nameless ones become `file` (alone) or `file-N`. */
export function nameFiles(files: readonly SecretFile[]): NamedFile[] {
  return files.map((file, index) => ({
    file,
    safeName: sanitizeFileName(file.name, files.length === 1 ? "file" : `file-${index + 1}`),
  }));
}

/**
 * Saves every file under its safe name in `dir`. Two files of one secret never collide:
 * names are compared case-insensitively, as macOS and Windows file systems do.
 */
export async function saveFiles(
  files: readonly NamedFile[],
  dir: string,
  onSaved: (file: SavedFile) => void = () => {},
): Promise<SavedFile[]> {
  const saved: SavedFile[] = [];
  const usedNames = new Set<string>();
  for (const { file, safeName } of files) {
    let written: string | undefined;
    for (let counter = 1; counter <= MAX_NUMBERED_VARIANTS && written === undefined; counter += 1) {
      const candidate = counter === 1 ? safeName : numberedFileName(safeName, counter);
      if (usedNames.has(candidate.toLowerCase())) continue;
      const path = join(dir, candidate);
      try {
        if (await writeExclusive(path, file.bytes)) written = path;
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

function freshDirectoryName(now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `burnlink-${stamp}`;
}

/**
 * Makes a new, empty directory in `parent` (never an existing one: mkdir refuses a taken
 * name, and a symlink, so nothing can be waiting in it), numbered when the name is taken.
 */
export async function makeFreshDirectory(parent: string, now: Date = new Date()): Promise<string> {
  const base = freshDirectoryName(now);
  for (let counter = 1; counter <= MAX_NUMBERED_VARIANTS; counter += 1) {
    const path = join(parent, counter === 1 ? base : `${base}-${counter}`);
    try {
      await mkdir(path, { mode: DIRECTORY_MODE });
      return path;
    } catch (error) {
      if (isCode(error, "EEXIST")) continue;
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError(EXIT.other, `could not make a directory in ${parent}: ${reason}`, {
        cause: error,
      });
    }
  }
  throw new CliError(EXIT.other, `could not find a free directory name in ${parent}.`);
}

/** Which files may go straight into the output directory: every one, or those named. */
export type FileSelection = { all: true } | { all: false; only: readonly string[] };

export interface SaveResult {
  saved: SavedFile[];
  /** The fresh sub-directory, when any file went there. */
  freshDirectory?: string;
  /** Names given to --only that no file of the secret has. */
  unmatched: string[];
}

/**
 * Saves the accepted files in `dir` and every other file in a fresh sub-directory of `dir`,
 * so nothing of a consumed secret is lost and nothing lands where the recipient did not agree.
 */
export async function saveReceivedFiles(
  files: readonly SecretFile[],
  dir: string,
  selection: FileSelection,
  onSaved: (file: SavedFile) => void = () => {},
  now: Date = new Date(),
): Promise<SaveResult> {
  const named = nameFiles(files);
  const accepted = (entry: NamedFile) => selection.all || selection.only.includes(entry.safeName);
  const direct = named.filter(accepted);
  const rest = named.filter((entry) => !accepted(entry));
  const saved = await saveFiles(direct, dir, onSaved);
  let freshDirectory: string | undefined;
  if (rest.length > 0) {
    freshDirectory = await makeFreshDirectory(dir, now);
    saved.push(...(await saveFiles(rest, freshDirectory, onSaved)));
  }
  const unmatched = selection.all
    ? []
    : selection.only.filter((name) => !named.some((entry) => entry.safeName === name));
  return { saved, unmatched, ...(freshDirectory === undefined ? {} : { freshDirectory }) };
}
