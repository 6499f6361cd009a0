/**
 * Reads what `burnlink send` will encrypt: the named files (byte for byte), or text from
 * stdin. Refuses to read more than the server could take, so a huge file or an endless pipe
 * fails fast with "too large" instead of filling memory.
 */
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { bytesToUtf8, EncodingError, type SecretContent, type SecretFile } from "@/lib/crypto";
import type { CliContext } from "./context";
import { CliError, UsageError } from "./errors";
import { EXIT } from "./exit-codes";
import { fileTypeOf } from "./file-types";
import { formatBytes, writeTo } from "./output";

/** Exit 5 before anything is uploaded; `atLeast` when reading stopped early. */
export function tooLargeError(
  bytes: number,
  maxBytes: number,
  server: string,
  atLeast: boolean,
): CliError {
  const size = `${atLeast ? "at least " : ""}${formatBytes(bytes)}`;
  return new CliError(
    EXIT.refused,
    `refused: the secret is ${size} encrypted, but ${server} takes at most ${formatBytes(maxBytes)}; send less, or compress it.`,
  );
}

async function readLocalFile(
  path: string,
  alreadyRead: number,
  maxBytes: number,
  server: string,
): Promise<SecretFile> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new UsageError(
        `${path} is a directory; send the files in it, or an archive of it (tar czf).`,
      );
    }
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : (code ?? "unreadable");
    throw new UsageError(`cannot read ${path}: ${reason}.`, { cause: error });
  }
  if (alreadyRead + size > maxBytes)
    throw tooLargeError(alreadyRead + size, maxBytes, server, true);
  const handle = await open(path, "r");
  try {
    const bytes = new Uint8Array(await handle.readFile());
    return { name: basename(path), type: fileTypeOf(path), bytes };
  } finally {
    await handle.close();
  }
}

async function readStdin(
  context: CliContext,
  maxBytes: number,
  server: string,
): Promise<Uint8Array> {
  if (context.stdin.isTTY) {
    await writeTo(
      context.stderr,
      "Type or paste the secret, then press Ctrl-D on an empty line:\n",
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of context.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > maxBytes) throw tooLargeError(total, maxBytes, server, true);
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Files plus the optional `--text` note, or (with neither) the text on stdin.
 * @param maxBytes nothing larger can fit the server's `maxCiphertextBytes`
 * @param usage how the command is called, for the hints: `burnlink send` or `burnlink respond LINK`
 */
export async function readContent(
  files: readonly string[],
  text: string | undefined,
  context: CliContext,
  maxBytes: number,
  server: string,
  usage = "burnlink send",
): Promise<SecretContent> {
  if (files.length > 0) {
    const read: SecretFile[] = [];
    let total = 0;
    for (const path of files) {
      const file = await readLocalFile(path, total, maxBytes, server);
      total += file.bytes.length;
      read.push(file);
    }
    return text === undefined || text === "" ? { files: read } : { text, files: read };
  }
  if (text !== undefined) {
    if (text === "")
      throw new UsageError("--text is empty and no file was given: nothing to send.");
    return { text };
  }
  const bytes = await readStdin(context, maxBytes, server);
  if (bytes.length === 0) {
    throw new UsageError(
      `nothing to send: stdin was empty. Pipe the secret in (${usage} < FILE) or name files.`,
    );
  }
  try {
    return { text: bytesToUtf8(bytes) };
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new UsageError(
        `stdin is not UTF-8 text; send binary data as a file instead: ${usage} FILE.`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
