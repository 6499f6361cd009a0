/**
 * `burnlink send`: encrypts here, uploads only ciphertext and verifiers (PROTOCOL.md §4
 * POST /api/secrets), prints the share link on stdout and the manage link on stderr. The
 * server's limits are read from /api/config first, so a too-large secret or an out-of-range
 * option fails before the passphrase prompt and before any upload.
 */
import type { ServerConfigResponse } from "@/lib/api/wire";
import {
  ciphertextSize,
  envelopeSize,
  formatManageLink,
  formatShareLink,
  sealSecret,
} from "@/lib/crypto";
import type { SendOptions } from "../args";
import { createCliApiClient } from "../api";
import type { CliContext } from "../context";
import { UsageError } from "../errors";
import {
  formatBytes,
  formatRelative,
  formatTime,
  Progress,
  terminalSafeJson,
  writeTo,
} from "../output";
import { apiTokenFrom } from "../credentials";
import { askPassphrase, scriptedPassphrase } from "../passphrase";
import { readContent, tooLargeError } from "../read-input";
import { formatTtl } from "../ttl";

function checkOptions(options: SendOptions, config: ServerConfigResponse): void {
  const { minTtlSeconds, maxTtlSeconds } = config;
  if (options.ttlSeconds < minTtlSeconds || options.ttlSeconds > maxTtlSeconds) {
    throw new UsageError(
      `--ttl ${formatTtl(options.ttlSeconds)} is outside what ${options.server} allows: ${formatTtl(minTtlSeconds)} to ${formatTtl(maxTtlSeconds)}.`,
    );
  }
  if (options.views > config.maxViews) {
    throw new UsageError(
      `--views ${options.views} is more than ${options.server} allows (at most ${config.maxViews}).`,
    );
  }
  if (options.allowIps.length > config.maxAllowedIps) {
    throw new UsageError(
      `${options.allowIps.length} --allow-ip entries; ${options.server} takes at most ${config.maxAllowedIps}.`,
    );
  }
}

/** --passphrase-file implies a passphrase; BURNLINK_PASSPHRASE only answers --passphrase, so a
 * variable left over from `get` never silently protects a link the recipient cannot open. */
async function passphraseFor(
  options: SendOptions,
  context: CliContext,
): Promise<string | undefined> {
  if (options.passphraseFile !== undefined)
    return scriptedPassphrase(options.passphraseFile, context.env);
  if (!options.passphrase) return undefined;
  return (await scriptedPassphrase(undefined, context.env)) ?? (await askPassphrase(true));
}

export async function send(options: SendOptions, context: CliContext): Promise<void> {
  const client = createCliApiClient(options.server);
  const config = await client.config();
  checkOptions(options, config);

  const content = await readContent(
    options.files,
    options.text,
    context,
    config.maxCiphertextBytes,
    options.server,
  );
  const encryptedBytes = ciphertextSize(envelopeSize(content));
  if (encryptedBytes > config.maxCiphertextBytes) {
    throw tooLargeError(encryptedBytes, config.maxCiphertextBytes, options.server, false);
  }
  const passphrase = await passphraseFor(options, context);
  // PROTOCOL.md §8: sent only when configured; never taken from argv.
  const apiToken = await apiTokenFrom(context.env, options.tokenFile);

  const progress = Progress.forPayload(context.stderr, encryptedBytes);
  progress.update(`Encrypting ${formatBytes(encryptedBytes)}…`);
  const sealed = await sealSecret(content, { passphrase });
  progress.update(`Uploading ${formatBytes(encryptedBytes)}…`);
  let created;
  try {
    created = await client.createSecret({
      id: sealed.id,
      ciphertext: sealed.ciphertext,
      accessVerifier: sealed.accessVerifier,
      unlockVerifier: sealed.unlockVerifier,
      manageVerifier: sealed.manageVerifier,
      ttlSeconds: options.ttlSeconds,
      maxViews: options.views,
      ...(options.allowIps.length > 0 ? { allowedIps: options.allowIps } : {}),
    }, apiToken);
  } finally {
    progress.clear();
  }

  const shareLink = formatShareLink(options.server, sealed.linkKey, sealed.needsPassphrase);
  const manageLink = formatManageLink(options.server, sealed.id, sealed.manageKey);
  if (options.json) {
    const result = {
      shareLink,
      manageLink,
      id: created.id,
      expiresAt: created.expiresAt,
      maxViews: created.maxViews,
      needsPassphrase: sealed.needsPassphrase,
    };
    await writeTo(context.stdout, `${terminalSafeJson(result)}\n`);
    return;
  }
  await writeTo(context.stdout, `${shareLink}\n`);
  const views = created.maxViews === 1 ? "once" : `${created.maxViews} times`;
  const lock = sealed.needsPassphrase ? ", with the passphrase" : "";
  await writeTo(
    context.stderr,
    `Opens ${views}${lock}; expires ${formatTime(created.expiresAt)} (${formatRelative(created.expiresAt)}).\n` +
      `Manage link (status, burn; keep it to yourself): ${manageLink}\n`,
  );
}
