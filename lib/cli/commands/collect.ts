/**
 * `burnlink collect`: reads the answers to a request (PROTOCOL.md §7) from the origin the
 * collect link names. Asks the status first (consumes nothing), so an unusable -o DIR or a
 * request with nothing waiting fails before anything is handed over; with --wait it polls the
 * status politely (poll.ts) until an answer arrives. Then one collect, with one claim per run
 * (in memory only): a lost answer is retried with the same claim for at most the server's
 * grace (claim-retry.ts), so answers deleted by the first collect are not lost with it.
 * Each answer is opened with sk from the link and delivered exactly as `get` delivers a secret
 * (deliver.ts), with its six-digit code on stderr.
 */
import { resolve } from "node:path";
import type { CollectResponsesResponse, RequestStatusResponse } from "@/lib/api/wire";
import {
  collectLinkProofs,
  DecryptError,
  EnvelopeError,
  newClaim,
  openResponse,
  type SecretContent,
} from "@/lib/crypto";
import { createCliApiClient, type CliApiClient } from "../api";
import type { CollectOptions } from "../args";
import {
  ANSWER_HEADERS_TIMEOUT_MS,
  graceOf,
  withClaimRetries,
  withHeadersTimeout,
  type ClaimRetryWording,
} from "../claim-retry";
import type { CliContext } from "../context";
import { saveContentFiles, writeText } from "../deliver";
import { fetchWithDownloadProgress } from "../download-progress";
import { CliError, toCliError } from "../errors";
import { EXIT } from "../exit-codes";
import { readCollectLink } from "../links";
import { formatRelative, formatTime, terminalSafeJson, writeTo } from "../output";
import { pollUntil } from "../poll";
import { assertOutputDirectory } from "../save-files";
import { formatTtl } from "../ttl";
import { requestLimits } from "./request";

const COLLECT_WORDING: ClaimRetryWording = {
  action: "collect",
  call: "the collect",
  whenLost:
    "The server may have handed the answers over to the lost answer and deleted them: run burnlink collect again, and if it finds nothing, ask the person who answered to answer again.",
  afterLost:
    "An earlier answer was lost, so the server may have handed over answers that never arrived here; ask the person who answered to answer again.",
};

function answers(count: number): string {
  return `${count} answer${count === 1 ? "" : "s"}`;
}

/** Exit 3 with what the status says: nothing is waiting, and whether anything still can come. */
function nothingToCollect(status: RequestStatusResponse): CliError {
  switch (status.state) {
    case "open":
      return new CliError(
        EXIT.notFound,
        `nothing new to collect: no answer is waiting. The request takes ${status.responsesLeft === 1 ? "1 more answer" : `${status.responsesLeft} more answers`} until ${formatTime(status.expiresAt)}; run this again later, or wait with --wait 1h.`,
      );
    case "answered":
      return new CliError(
        EXIT.notFound,
        `nothing new to collect: the request received all its ${answers(status.maxResponses)}, and each was collected already.`,
      );
    case "expired":
      return new CliError(
        EXIT.notFound,
        `nothing to collect: the request expired ${formatTime(status.expiresAt)} and no answer is waiting.`,
      );
    case "revoked":
      return new CliError(
        EXIT.notFound,
        "nothing to collect: the request was revoked, which deleted any answer not yet collected.",
      );
  }
}

/** Polls the status until an answer is waiting (returned), the request ends, or the time is up. */
function waitForAnswer(
  client: CliApiClient,
  id: string,
  token: string,
  waitSeconds: number,
  context: CliContext,
): Promise<RequestStatusResponse> {
  let last: RequestStatusResponse | undefined;
  return pollUntil(
    async () => {
      const status = await client.requestStatus(id, token);
      last = status;
      if (status.pending > 0) return status;
      if (status.state !== "open") throw nothingToCollect(status);
      return undefined;
    },
    {
      timeoutSeconds: waitSeconds,
      onFirstWait: () =>
        writeTo(context.stderr, `Waiting for an answer (at most ${formatTtl(waitSeconds)})…\n`),
      onTimeout: () =>
        new CliError(
          EXIT.notFound,
          `waited ${formatTtl(waitSeconds)} and no answer arrived${last === undefined ? " (the server did not answer)" : ""}; give a longer --wait to wait more.`,
        ),
    },
  );
}

/** One answer as --json reports it; its files are on disk, named by path. */
interface CollectedJson {
  n: number;
  code: string;
  at: string;
  text?: string;
  files?: { name: string; path: string; bytes: number }[];
}

function finalLine(state: CollectResponsesResponse["state"], count: number): string {
  const got = `Collected ${answers(count)}.`;
  switch (state) {
    case "open":
      return `${got} The request still takes answers: collect again for new ones.\n`;
    case "answered":
      return `${got} The request has received every answer it takes.\n`;
    case "expired":
    case "revoked":
      return `${got} The request is ${state}: no more answers can arrive.\n`;
  }
}

export async function collect(options: CollectOptions, context: CliContext): Promise<void> {
  const { origin, collectKey } = readCollectLink(options.link);
  try {
    const client = createCliApiClient(
      origin,
      withHeadersTimeout(
        fetchWithDownloadProgress(context.stderr, "Downloading"),
        ANSWER_HEADERS_TIMEOUT_MS,
      ),
    );
    const config = await client.config();
    requestLimits(config, origin);
    const { id, collect: proof, secretKey } = collectLinkProofs(collectKey);
    const outputDir = resolve(context.cwd, options.outputDir ?? ".");
    await assertOutputDirectory(outputDir);

    const status =
      options.waitSeconds === undefined
        ? await client.requestStatus(id, proof)
        : await waitForAnswer(client, id, proof, options.waitSeconds, context);
    if (status.pending === 0) throw nothingToCollect(status);

    // One claim for this run and every retry of it; never stored anywhere.
    const claim = newClaim();
    const collected = await withClaimRetries(
      () =>
        client.collectResponses(id, proof, claim, {
          maxResponses: status.maxResponses,
          maxCiphertextBytes: config.maxCiphertextBytes,
        }),
      {
        graceSeconds: options.noRetry ? 0 : graceOf(config),
        origin,
        context,
        wording: COLLECT_WORDING,
      },
    );
    // Someone else with the collect link took them between the status and the collect.
    if (collected.responses.length === 0) {
      throw nothingToCollect({ ...status, state: collected.state, pending: 0 });
    }

    // The answers are deleted on the server now: deliver every one that opens, then report.
    const selection = options.all
      ? ({ all: true } as const)
      : ({ all: false, only: options.only } as const);
    let unmatched: readonly string[] = options.only;
    const undecryptable: number[] = [];
    const report: CollectedJson[] = [];
    for (const response of collected.responses) {
      let content: SecretContent;
      let code: string;
      try {
        ({ content, sas: code } = openResponse(response, secretKey));
      } catch (error) {
        if (!(error instanceof DecryptError || error instanceof EnvelopeError)) throw error;
        undecryptable.push(response.n);
        continue;
      }
      await writeTo(
        context.stderr,
        `Answer ${response.n}, received ${formatTime(response.at)} (${formatRelative(response.at)}), code ${code}:\n`,
      );
      if (content.text !== undefined && !options.json) await writeText(content.text, context);
      const delivered = await saveContentFiles(content, outputDir, selection, context);
      unmatched = unmatched.filter((name) => delivered.unmatched.includes(name));
      report.push({
        n: response.n,
        code,
        at: response.at,
        ...(content.text === undefined ? {} : { text: content.text }),
        ...(delivered.saved.length === 0
          ? {}
          : {
              files: delivered.saved.map((saved) => ({
                name: saved.originalName,
                path: saved.path,
                bytes: saved.bytes,
              })),
            }),
      });
    }
    if (options.json) {
      await writeTo(
        context.stdout,
        `${terminalSafeJson({ state: collected.state, responses: report }, 2)}\n`,
      );
    }
    await writeTo(context.stderr, finalLine(collected.state, report.length));

    if (undecryptable.length > 0) {
      throw new CliError(
        EXIT.other,
        `answer ${undecryptable.join(", ")} could not be decrypted with this collect link (it was not made for this request, or it is damaged); the server has deleted it, so ask the person who answered to answer again.`,
      );
    }
    if (unmatched.length > 0) {
      throw new CliError(
        EXIT.other,
        `no answer has a file named ${unmatched.map((name) => `"${name}"`).join(", ")}; everything the answers hold is shown or saved as listed above.`,
      );
    }
  } catch (error) {
    throw toCliError(error, { action: "collect", origin });
  }
}
