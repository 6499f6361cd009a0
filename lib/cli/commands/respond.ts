/**
 * `burnlink respond`: answers a request (PROTOCOL.md §7) against the origin the request link
 * names. Checks first (consumes nothing), so a request that no longer takes answers fails
 * before anything is read or sent; shows the requester's instructions on stderr, every line
 * escaped (the label is whatever the requester, or the server, chose); then encrypts the text
 * or files to the public key from the link, never to one the server supplies, submits, and
 * prints the six-digit code both sides can compare.
 */
import type { CheckRequestResponse } from "@/lib/api/wire";
import {
  ciphertextSize,
  envelopeSize,
  openLabel,
  requestLinkProofs,
  sealResponse,
} from "@/lib/crypto";
import { createCliApiClient } from "../api";
import type { RespondOptions } from "../args";
import { isLostAnswer } from "../claim-retry";
import type { CliContext } from "../context";
import { CliError, toCliError } from "../errors";
import { EXIT } from "../exit-codes";
import { readRequestLink } from "../links";
import {
  formatBytes,
  formatRelative,
  formatTime,
  printable,
  Progress,
  terminalSafeJson,
  writeTo,
} from "../output";
import { readContent, tooLargeError } from "../read-input";
import { requestLimits } from "./request";

/**
 * PROTOCOL.md §8 (SHOW_SENDER=1): who asks, as the server vouches for it, escaped like the
 * label (the server chose the text); "" when the server names no one.
 */
export function senderLine(check: CheckRequestResponse): string {
  if (check.sender === undefined) return "";
  return `Requested by ${printable(check.sender.name)} (verified by this server: its word, not the link's).\n`;
}

/** The instructions as a block on stderr: each line escaped and marked, so none can pose as ours. */
export function formatInstructions(label: string | undefined, check: CheckRequestResponse): string {
  const takes = check.responsesLeft === 1 ? "1 more answer" : `${check.responsesLeft} more answers`;
  const facts = `It takes ${takes}; expires ${formatTime(check.expiresAt)} (${formatRelative(check.expiresAt)}).\n`;
  const from = senderLine(check);
  if (label === undefined) return `${from}The request has no instructions. ${facts}`;
  const lines = label.split("\n").map((line) => `  | ${printable(line)}`);
  return `${from}The requester's instructions:\n${lines.join("\n")}\n${facts}`;
}

export async function respond(options: RespondOptions, context: CliContext): Promise<void> {
  const { origin, publicKey } = readRequestLink(options.link);
  try {
    const client = createCliApiClient(origin);
    const config = await client.config();
    const { maxLabelBytes } = requestLimits(config, origin);
    const { id, write, labelKey } = requestLinkProofs(publicKey);
    const check = await client.checkRequest(id, write, maxLabelBytes);
    // A label that does not open is refused (exit 7): only a link holder can seal one.
    const label = check.label === undefined ? undefined : openLabel(check.label, labelKey);
    await writeTo(context.stderr, formatInstructions(label, check));

    const content = await readContent(
      options.files,
      options.text,
      context,
      config.maxCiphertextBytes,
      origin,
      "burnlink respond LINK",
    );
    const encryptedBytes = ciphertextSize(envelopeSize(content));
    if (encryptedBytes > config.maxCiphertextBytes) {
      throw tooLargeError(encryptedBytes, config.maxCiphertextBytes, origin, false);
    }

    const progress = Progress.forPayload(context.stderr, encryptedBytes);
    progress.update(`Encrypting ${formatBytes(encryptedBytes)}…`);
    // To the pk of the link: the server never supplies a key, so it cannot redirect the answer.
    const sealed = sealResponse(content, publicKey);
    progress.update(`Uploading ${formatBytes(encryptedBytes)}…`);
    let answer;
    try {
      answer = await client.respondToRequest(id, {
        write,
        epk: sealed.epk,
        ciphertext: sealed.ciphertext,
      });
    } catch (error) {
      // No claim protects a response (§7): never resent blindly, it could arrive twice.
      if (!isLostAnswer(error)) throw error;
      const cause = toCliError(error, { action: "respond", origin });
      throw new CliError(
        EXIT.unavailable,
        `${cause.message} Your answer may have been stored anyway, with code ${sealed.sas}: ask the requester whether they got it before you answer again.`,
        { cause: error },
      );
    } finally {
      progress.clear();
    }

    if (options.json) {
      await writeTo(
        context.stdout,
        `${terminalSafeJson({ code: sealed.sas, n: answer.n, responsesLeft: answer.responsesLeft })}\n`,
      );
      return;
    }
    await writeTo(context.stdout, `${sealed.sas}\n`);
    await writeTo(
      context.stderr,
      `Sent (answer ${answer.n}). The requester can now collect it; nothing else to send. ` +
        `They see the code ${sealed.sas} next to your answer: compare it with them over another channel to be sure it is yours.\n`,
    );
  } catch (error) {
    throw toCliError(error, { action: "respond", origin });
  }
}
