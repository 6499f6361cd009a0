/**
 * `burnlink get`: opens a share link against the origin the link names (never a configured
 * server: the link decides). Checks first (consumes nothing), so a dead link fails before the
 * passphrase prompt and an unusable -o DIR fails before the view is spent. Text goes to stdout
 * (exact bytes into a pipe, escaped controls on a terminal); files go through save-files.ts,
 * into a fresh sub-directory unless the recipient accepted their names (--only, --all).
 */
import { basename, relative, resolve } from "node:path";
import { ApiError } from "@/lib/api/client";
import type { RevealSecretResponse } from "@/lib/api/wire";
import { accessProof, openSecret, revealProofs } from "@/lib/crypto";
import { createCliApiClient, type CliApiClient } from "../api";
import type { GetOptions } from "../args";
import type { CliContext } from "../context";
import { fetchWithDownloadProgress } from "../download-progress";
import { CliError, toCliError } from "../errors";
import { EXIT } from "../exit-codes";
import { readShareLink } from "../links";
import {
  formatBytes,
  formatRelative,
  formatTime,
  printable,
  terminalSafe,
  terminalSafeJson,
  writeTo,
} from "../output";
import { askPassphrase, scriptedPassphrase } from "../passphrase";
import { assertOutputDirectory, saveReceivedFiles, type SavedFile } from "../save-files";

/** Interactive retries in one run; each wrong answer counts against the secret's attempt limit. */
const MAX_PROMPTS = 3;

function times(count: number): string {
  return `${count} more time${count === 1 ? "" : "s"}`;
}

async function check(
  client: CliApiClient,
  id: string,
  access: string,
  needsPassphrase: boolean,
  options: GetOptions,
  context: CliContext,
) {
  const status = await client.checkSecret(id, access);
  if (options.json) {
    await writeTo(
      context.stdout,
      `${terminalSafeJson({ viewsLeft: status.viewsLeft, expiresAt: status.expiresAt, needsPassphrase })}\n`,
    );
    return;
  }
  await writeTo(
    context.stdout,
    `Active: opens ${times(status.viewsLeft)}${needsPassphrase ? " with the passphrase" : ""}; ` +
      `expires ${formatTime(status.expiresAt)} (${formatRelative(status.expiresAt)}). Nothing was consumed.\n`,
  );
}

/** Reveals, asking again after a wrong passphrase when a person is typing it. */
async function reveal(
  client: CliApiClient,
  linkKey: Uint8Array,
  needsPassphrase: boolean,
  options: GetOptions,
  context: CliContext,
): Promise<{ revealed: RevealSecretResponse; encryptionKey: Uint8Array }> {
  const scripted = needsPassphrase
    ? await scriptedPassphrase(options.passphraseFile, context.env)
    : undefined;
  const interactive = needsPassphrase && scripted === undefined;
  for (let attempt = 1; ; attempt += 1) {
    const passphrase = interactive ? await askPassphrase(false) : scripted;
    const proofs = await revealProofs(linkKey, passphrase);
    try {
      const revealed = await client.revealSecret(proofs.id, proofs.access, proofs.unlock);
      return { revealed, encryptionKey: proofs.encryptionKey };
    } catch (error) {
      const wrong = error instanceof ApiError && error.code === "wrong_passphrase";
      const left = wrong ? (error.body?.attemptsLeft ?? 0) : 0;
      if (!interactive || !wrong || left === 0 || attempt >= MAX_PROMPTS) throw error;
      await writeTo(
        context.stderr,
        `Wrong passphrase; ${left} attempt${left === 1 ? "" : "s"} left before the secret is destroyed.\n`,
      );
    }
  }
}

/** `./sub/name` under the current directory, else the absolute path. */
function shownPath(path: string, cwd: string): string {
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
async function writeText(text: string, context: CliContext): Promise<void> {
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

export async function get(options: GetOptions, context: CliContext): Promise<void> {
  const { origin, linkKey, needsPassphrase } = readShareLink(options.link);
  try {
    const client = createCliApiClient(
      origin,
      fetchWithDownloadProgress(context.stderr, "Downloading"),
    );
    const { id, access } = accessProof(linkKey);
    if (options.check) {
      await check(client, id, access, needsPassphrase, options, context);
      return;
    }

    const outputDir = resolve(context.cwd, options.outputDir ?? ".");
    await assertOutputDirectory(outputDir);
    await client.checkSecret(id, access);
    const { revealed, encryptionKey } = await reveal(
      client,
      linkKey,
      needsPassphrase,
      options,
      context,
    );

    const content = openSecret(revealed.ciphertext, encryptionKey);
    if (content.text !== undefined) await writeText(content.text, context);
    let unmatched = options.only;
    if (content.files !== undefined && content.files.length > 0) {
      const result = await saveReceivedFiles(
        content.files,
        outputDir,
        options.all ? { all: true } : { all: false, only: options.only },
        (saved) => context.stderr.write(savedLine(saved, context.cwd)),
      );
      if (result.freshDirectory !== undefined) {
        await writeTo(
          context.stderr,
          `Saved in a new folder, ${printable(shownPath(result.freshDirectory, context.cwd))}: the sender chose these names, ` +
            "so they go in the output directory itself only when you name them (--only NAME) or pass --all.\n",
        );
      }
      unmatched = result.unmatched;
    }
    if (unmatched.length > 0) {
      throw new CliError(
        EXIT.other,
        `the secret has no file named ${unmatched.map((name) => `"${name}"`).join(", ")}; everything it has is shown or saved as listed above.`,
      );
    }
    if (context.stderr.isTTY === true) {
      const views =
        revealed.viewsLeft === 0
          ? "That was the last view: the secret is now destroyed on the server."
          : `The link opens ${times(revealed.viewsLeft)}.`;
      await writeTo(context.stderr, `${views}\n`);
    }
  } catch (error) {
    throw toCliError(error, { action: options.check ? "check" : "get", origin });
  }
}
