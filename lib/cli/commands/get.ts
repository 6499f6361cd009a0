/**
 * `burnlink get`: opens a share link against the origin the link names (never a configured
 * server: the link decides). Checks first (consumes nothing), so a dead link fails before the
 * passphrase prompt and an unusable -o DIR fails before the view is spent. Text goes to stdout
 * (exact bytes into a pipe, escaped controls on a terminal); files go through save-files.ts,
 * into a fresh sub-directory unless the recipient accepted their names (--only, --all).
 * One claim per run (PROTOCOL.md §6, in memory only): a reveal whose answer is lost (network
 * error, timeout, 503) is retried with that same claim for at most the server's grace, so a
 * retry never costs a second view.
 */
import { basename, relative, resolve } from "node:path";
import { ApiError } from "@/lib/api/client";
import type { RevealSecretResponse } from "@/lib/api/wire";
import { accessProof, openSecret, revealProofs } from "@/lib/crypto";
import { newClaim } from "@/lib/crypto/claim";
import { createCliApiClient, type CliApiClient } from "../api";
import type { GetOptions } from "../args";
import type { CliContext } from "../context";
import { fetchWithDownloadProgress } from "../download-progress";
import { InvalidAnswerError } from "../answers";
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

/** Backoff between retries of a lost reveal: doubling from the first, never above the ceiling. */
export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 8_000;
/** A server that sends no answer headers in this time counts as a lost answer (then retried). */
export const ANSWER_HEADERS_TIMEOUT_MS = 30_000;
/** The link names the server: a hostile one's huge grace must not keep the CLI retrying for days. */
export const MAX_RETRY_GRACE_SECONDS = 600;

/**
 * A lost answer, worth a retry with the same claim: nothing arrived (network error, timeout),
 * or the server or a gateway in front of it said "not now" (502, 503, 504). Never a 4xx.
 */
export function isLostAnswer(error: unknown): boolean {
  return error instanceof ApiError && [0, 502, 503, 504].includes(error.status);
}

/** Aborts a request whose answer headers do not arrive in time; the body may take longer. */
function withHeadersTimeout(fetchImpl: typeof fetch, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    try {
      return await fetchImpl(input, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * The server's revealGraceSeconds (PROTOCOL.md §6), at most MAX_RETRY_GRACE_SECONDS; 0 when it
 * has none (a v1 server) or its config cannot be read.
 */
async function revealGrace(client: CliApiClient): Promise<number> {
  try {
    return Math.min((await client.config()).revealGraceSeconds ?? 0, MAX_RETRY_GRACE_SECONDS);
  } catch (error) {
    if (error instanceof InvalidAnswerError) throw error;
    return 0;
  }
}

function seconds(ms: number): string {
  const value = Math.max(1, Math.round(ms / 1000));
  return `${value} s`;
}

/**
 * Runs `call` (one reveal with this run's claim) and, while its answer is lost, again with
 * the same claim, backing off, until `graceSeconds` after the first attempt. A 4xx is never
 * retried. When no answer ever arrives the message says what may have happened.
 */
async function withClaimRetries<T>(
  call: () => Promise<T>,
  graceSeconds: number,
  origin: string,
  context: CliContext,
): Promise<T> {
  const startedAt = Date.now();
  const deadline = startedAt + graceSeconds * 1000;
  let delay = FIRST_RETRY_MS;
  let lost = false;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isLostAnswer(error)) {
        if (!lost) throw error;
        // A refusal after a lost answer: say both, the first answer may have used the view.
        const refused = toCliError(error, { action: "get", origin });
        throw new CliError(
          refused.exitCode,
          `${refused.message} An earlier answer was lost, so the server may have used a view for it; ask the sender.`,
          { cause: error },
        );
      }
      lost = true;
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = error instanceof ApiError ? error.message : String(error);
        const tried =
          graceSeconds === 0
            ? "it was not retried"
            : `retries with the same claim for ${seconds(Date.now() - startedAt)} got no answer`;
        throw new CliError(
          EXIT.unavailable,
          `the answer of ${origin} to the reveal was lost (${why}) and ${tried}. The server may have used this view: ` +
            'if "burnlink get --check" now says the link is viewed or gone, ask the sender for a new one.',
          { cause: error },
        );
      }
      const wait = Math.min(delay, left);
      await writeTo(
        context.stderr,
        `The answer was lost (${error instanceof ApiError ? error.message : "no answer"}); retrying in ${seconds(wait)} with the same claim…\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}

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
  retry: { graceSeconds: number; origin: string },
): Promise<{ revealed: RevealSecretResponse; encryptionKey: Uint8Array }> {
  // One claim for this run, every retry and every passphrase attempt; never stored anywhere.
  const claim = newClaim();
  const scripted = needsPassphrase
    ? await scriptedPassphrase(options.passphraseFile, context.env)
    : undefined;
  const interactive = needsPassphrase && scripted === undefined;
  for (let attempt = 1; ; attempt += 1) {
    const passphrase = interactive ? await askPassphrase(false) : scripted;
    const proofs = await revealProofs(linkKey, passphrase);
    try {
      const revealed = await withClaimRetries(
        () => client.revealSecret(proofs.id, proofs.access, proofs.unlock, claim),
        retry.graceSeconds,
        retry.origin,
        context,
      );
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
      withHeadersTimeout(
        fetchWithDownloadProgress(context.stderr, "Downloading"),
        ANSWER_HEADERS_TIMEOUT_MS,
      ),
    );
    const { id, access } = accessProof(linkKey);
    if (options.check) {
      await check(client, id, access, needsPassphrase, options, context);
      return;
    }

    const outputDir = resolve(context.cwd, options.outputDir ?? ".");
    await assertOutputDirectory(outputDir);
    const graceSeconds = options.noRetry ? 0 : await revealGrace(client);
    await client.checkSecret(id, access);
    const { revealed, encryptionKey } = await reveal(
      client,
      linkKey,
      needsPassphrase,
      options,
      context,
      { graceSeconds, origin },
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
