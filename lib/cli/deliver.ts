/**
 * Hands received content to the user, the same way for `get` (a secret) and `collect` (each
 * answer to a request): text to stdout (exact bytes into a pipe, escaped controls on a
 * terminal), files through save-files.ts (a fresh sub-directory unless the user accepted their
 * names), and one line on stderr per saved file, its names escaped: the sender chose them.
 */
import { basename, relative } from "node:path";
import type { SecretContent } from "@/lib/crypto";
import type { CliContext } from "./context";
import { formatBytes, printable, terminalSafe, writeTo } from "./output";
import { saveReceivedFiles, type FileSelection, type SavedFile } from "./save-files";

/** `./sub/name` under the current directory, else the absolute path. */
export function shownPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside === "" || inside.startsWith("..") ? path : `./${inside}`;
}

function savedLine(saved: SavedFile, cwd: string): string {
  const shown = shownPath(saved.path, cwd);
  const renamed =
    basename(saved.path) === saved.originalName
      ? ""
      : ` (sent as "${printable(saved.originalName)}")`;
  return `Saved ${printable(shown)}, ${formatBytes(saved.bytes)}${renamed}.\n`;
}

/**
 * A pipe or file gets the exact bytes. A terminal gets control characters escaped (see
 * terminalSafe) and a final newline, so the shell prompt does not glue itself to the secret.
 */
export async function writeText(text: string, context: CliContext): Promise<void> {
  if (context.stdout.isTTY !== true) {
    await writeTo(context.stdout, text);
    return;
  }
  const safe = terminalSafe(text);
  await writeTo(context.stdout, safe.text.endsWith("\n") ? safe.text : `${safe.text}\n`);
  if (safe.escaped) {
    await writeTo(
      context.stderr,
      "Control characters in the text are shown as \\u escapes; redirect to a file for the exact bytes.\n",
    );
  }
}

export interface Delivered {
  saved: SavedFile[];
  /** Names of the selection that no file of this content has. */
  unmatched: readonly string[];
}

/**
 * Saves the files of `content` in `outputDir` (those `selection` accepts) or a fresh folder
 * in it (the rest), saying on stderr where each went. Writes no text: the caller decides
 * whether text goes to stdout (writeText) or into --json output.
 */
export async function saveContentFiles(
  content: SecretContent,
  outputDir: string,
  selection: FileSelection,
  context: CliContext,
): Promise<Delivered> {
  if (content.files === undefined || content.files.length === 0) {
    return { saved: [], unmatched: selection.all ? [] : selection.only };
  }
  const result = await saveReceivedFiles(content.files, outputDir, selection, (saved) =>
    context.stderr.write(savedLine(saved, context.cwd)),
  );
  if (result.freshDirectory !== undefined) {
    await writeTo(
      context.stderr,
      `Saved in a new folder, ${printable(shownPath(result.freshDirectory, context.cwd))}: the sender chose these names, ` +
        "so they go in the output directory itself only when you name them (--only NAME) or pass --all.\n",
    );
  }
  return { saved: result.saved, unmatched: result.unmatched };
}
