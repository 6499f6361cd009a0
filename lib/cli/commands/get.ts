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
import { resolve } from "node:path";
import { ApiError } from "@/lib/api/client";
import type { RevealSecretResponse } from "@/lib/api/wire";
import { accessProof, openSecret, revealProofs } from "@/lib/crypto";
import { newClaim } from "@/lib/crypto/claim";
import { createCliApiClient, type CliApiClient } from "../api";
import type { GetOptions } from "../args";
import type { CliContext } from "../context";
import {
  ANSWER_HEADERS_TIMEOUT_MS,
  claimGrace,
  withClaimRetries,
  withHeadersTimeout,
  type ClaimRetryWording,
} from "../claim-retry";
import { saveContentFiles, writeText } from "../deliver";
import { fetchWithDownloadProgress } from "../download-progress";
import { CliError, toCliError } from "../errors";
import { EXIT } from "../exit-codes";
import { readShareLink } from "../links";
import { formatRelative, formatTime, terminalSafeJson, writeTo } from "../output";
import { askPassphrase, scriptedPassphrase } from "../passphrase";
import { assertOutputDirectory } from "../save-files";

/** Interactive retries in one run; each wrong answer counts against the secret's attempt limit. */
const MAX_PROMPTS = 3;

/** How a lost reveal answer is worded (claim-retry.ts does the retrying). */
const REVEAL_WORDING: ClaimRetryWording = {
  action: "get",
  call: "the reveal",
  whenLost:
    'The server may have used this view: if "burnlink get --check" now says the link is viewed or gone, ask the sender for a new one.',
  afterLost:
    "An earlier answer was lost, so the server may have used a view for it; ask the sender.",
};

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
        { ...retry, context, wording: REVEAL_WORDING },
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
    const graceSeconds = options.noRetry ? 0 : await claimGrace(client);
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
    const { unmatched } = await saveContentFiles(
      content,
      outputDir,
      options.all ? { all: true } : { all: false, only: options.only },
      context,
    );
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
