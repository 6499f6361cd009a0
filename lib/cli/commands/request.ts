/**
 * `burnlink request`: asks someone to send you a secret (PROTOCOL.md §7). Makes the collect
 * key R and the key pair here, seals the instructions (--label) to the request link's key and
 * sends only the rid, two verifiers and the sealed label; prints the request link (it carries
 * pk, for the person who answers) on stdout and the collect link (it carries R, the only way to
 * read the answers) on stderr. The server's limits are checked before anything is sent.
 */
import type { ServerConfigResponse } from "@/lib/api/wire";
import { base64urlToBytes, formatCollectLink, formatRequestLink, sealRequest } from "@/lib/crypto";
import { createCliApiClient } from "../api";
import type { RequestOptions } from "../args";
import type { CliContext } from "../context";
import { apiTokenFrom } from "../credentials";
import { CliError, UsageError } from "../errors";
import { EXIT } from "../exit-codes";
import { formatBytes, formatRelative, formatTime, terminalSafeJson, writeTo } from "../output";
import { formatTtl } from "../ttl";

/** The §7 limits of a server, or a clear error when it has no requests (a v1 server). */
export function requestLimits(
  config: ServerConfigResponse,
  server: string,
): { maxRequestResponses: number; maxLabelBytes: number } {
  const { maxRequestResponses, maxLabelBytes } = config as Partial<ServerConfigResponse>;
  if (maxRequestResponses === undefined || maxLabelBytes === undefined) {
    throw new CliError(
      EXIT.other,
      `${server} does not offer requests (it announces no maxRequestResponses in /api/config); it needs Burnlink protocol 1.1.`,
    );
  }
  return { maxRequestResponses, maxLabelBytes };
}

function checkOptions(options: RequestOptions, config: ServerConfigResponse): void {
  const { minTtlSeconds, maxTtlSeconds } = config;
  if (options.ttlSeconds < minTtlSeconds || options.ttlSeconds > maxTtlSeconds) {
    throw new UsageError(
      `--ttl ${formatTtl(options.ttlSeconds)} is outside what ${options.server} allows: ${formatTtl(minTtlSeconds)} to ${formatTtl(maxTtlSeconds)}.`,
    );
  }
  const { maxRequestResponses } = requestLimits(config, options.server);
  if (options.responses > maxRequestResponses) {
    throw new UsageError(
      `--responses ${options.responses} is more than ${options.server} allows (at most ${maxRequestResponses}).`,
    );
  }
}

function answers(count: number): string {
  return count === 1 ? "one answer" : `up to ${count} answers`;
}

export async function request(options: RequestOptions, context: CliContext): Promise<void> {
  const client = createCliApiClient(options.server);
  const config = await client.config();
  checkOptions(options, config);
  const { maxLabelBytes } = requestLimits(config, options.server);

  const sealed = sealRequest(options.label === undefined ? {} : { label: options.label });
  if (sealed.label !== undefined) {
    const labelBytes = base64urlToBytes(sealed.label).length;
    if (labelBytes > maxLabelBytes) {
      throw new CliError(
        EXIT.refused,
        `refused: the instructions are ${formatBytes(labelBytes)} encrypted, but ${options.server} takes at most ${formatBytes(maxLabelBytes)}; shorten --label.`,
      );
    }
  }
  // PROTOCOL.md §8: sent only when configured; never taken from argv.
  const apiToken = await apiTokenFrom(context.env, options.tokenFile);
  const created = await client.createRequest(
    {
      id: sealed.id,
      writeVerifier: sealed.writeVerifier,
      collectVerifier: sealed.collectVerifier,
      ...(sealed.label === undefined ? {} : { label: sealed.label }),
      ttlSeconds: options.ttlSeconds,
      maxResponses: options.responses,
    },
    apiToken,
  );

  const requestLink = formatRequestLink(options.server, sealed.publicKey);
  const collectLink = formatCollectLink(options.server, sealed.collectKey);
  if (options.json) {
    const result = {
      requestLink,
      collectLink,
      id: created.id,
      expiresAt: created.expiresAt,
      maxResponses: created.maxResponses,
    };
    await writeTo(context.stdout, `${terminalSafeJson(result)}\n`);
    return;
  }
  await writeTo(context.stdout, `${requestLink}\n`);
  await writeTo(
    context.stderr,
    `Send the request link above to the person you ask; it takes ${answers(created.maxResponses)} and expires ${formatTime(created.expiresAt)} (${formatRelative(created.expiresAt)}).\n` +
      `Collect link (keep this: it is the only way to read the answers): ${collectLink}\n`,
  );
}
