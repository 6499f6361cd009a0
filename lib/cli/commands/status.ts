/**
 * `burnlink status`: the state and event timeline of a secret (PROTOCOL.md §4
 * GET /api/secrets/{id}), asked of the origin the manage link names. Consumes nothing.
 * With --wait viewed|gone it polls politely (poll.ts: backoff from 2 s to a 30 s ceiling) until the
 * secret is viewed (or anything but active), so a script can act once the secret was read.
 */
import type { SecretEventBody, SecretStatusResponse } from "@/lib/api/wire";
import { manageToken } from "@/lib/crypto";
import type { StatusOptions, WaitFor } from "../args";
import { createCliApiClient, type CliApiClient } from "../api";
import type { CliContext } from "../context";
import { CliError, toCliError } from "../errors";
import { EXIT } from "../exit-codes";
import { formatTtl } from "../ttl";
import { readManageLink } from "../links";
import { pollUntil } from "../poll";
import { formatRelative, formatTime, printable, terminalSafeJson, writeTo } from "../output";

const EVENT_NAMES: Record<SecretEventBody["type"], string> = {
  created: "created",
  viewed: "viewed",
  wrong_passphrase: "wrong passphrase",
  ip_blocked: "blocked (IP not allowed)",
  burned: "burned",
};

function stateLine(status: SecretStatusResponse): string {
  switch (status.state) {
    case "active":
      return `active, opens ${status.viewsLeft} more time${status.viewsLeft === 1 ? "" : "s"} (of ${status.maxViews})`;
    case "viewed":
      return "viewed: every view is used, the secret is destroyed";
    case "burned": {
      // PROTOCOL.md §4: reaching the attempt limit records wrong_passphrase, then burned.
      const burnedAt = status.events.findIndex((event) => event.type === "burned");
      const byAttempts = burnedAt > 0 && status.events[burnedAt - 1]?.type === "wrong_passphrase";
      return byAttempts
        ? "burned: destroyed after too many wrong passphrases"
        : "burned: destroyed by its creator";
    }
    case "expired":
      return "expired: the secret is destroyed";
  }
}

const EVENT_NAME_WIDTH = Math.max(...Object.values(EVENT_NAMES).map((name) => name.length));

/** The plain-text report: a few aligned facts, then one line per event, oldest first. */
export function formatStatus(status: SecretStatusResponse, nowMs: number = Date.now()): string {
  const expiresVerb = new Date(status.expiresAt).getTime() > nowMs ? "Expires" : "Expired";
  const lines = [
    `State:       ${stateLine(status)}`,
    `Created:     ${formatTime(status.createdAt)} (${formatRelative(status.createdAt, nowMs)})`,
    `${expiresVerb}:${" ".repeat(12 - expiresVerb.length)}${formatTime(status.expiresAt)} (${formatRelative(status.expiresAt, nowMs)})`,
    `Wrong passphrases: ${status.failedAttempts}`,
    `Allowed IPs: ${status.allowedIps.length === 0 ? "any" : status.allowedIps.map(printable).join(", ")}`,
    "Timeline:",
    ...status.events.map((event) => {
      const name = EVENT_NAMES[event.type] ?? printable(event.type);
      const where =
        event.ip === undefined
          ? name
          : `${name.padEnd(EVENT_NAME_WIDTH)}  from ${printable(event.ip)}`;
      return `  ${formatTime(event.at)}  ${where}`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}

function reached(result: SecretStatusResponse, wait: WaitFor): boolean {
  return wait === "viewed" ? result.state === "viewed" : result.state !== "active";
}

/**
 * Polls (poll.ts) until the state is what --wait asked for (returned), the secret ended
 * another way or the timeout passed (exit 3).
 */
async function waitFor(
  client: CliApiClient,
  id: string,
  token: string,
  options: StatusOptions & { wait: WaitFor },
  context: CliContext,
): Promise<SecretStatusResponse> {
  let last: SecretStatusResponse | undefined;
  return pollUntil(
    async () => {
      const result = await client.secretStatus(id, token);
      last = result;
      if (reached(result, options.wait)) return result;
      if (result.state !== "active") {
        throw new CliError(
          EXIT.notFound,
          `the secret ended without being viewed: it is ${result.state}. Nothing more to wait for.`,
        );
      }
      return undefined;
    },
    {
      timeoutSeconds: options.timeoutSeconds,
      onFirstWait: () =>
        writeTo(
          context.stderr,
          `Waiting until the secret is ${options.wait} (at most ${formatTtl(options.timeoutSeconds)})…\n`,
        ),
      onTimeout: () =>
        new CliError(
          EXIT.notFound,
          `waited ${formatTtl(options.timeoutSeconds)} and the secret is ${last?.state ?? "still not answering"}, not ${options.wait}; give a longer --timeout to wait more.`,
        ),
    },
  );
}

export async function status(options: StatusOptions, context: CliContext): Promise<void> {
  const { origin, id, manageKey } = readManageLink(options.link);
  try {
    const client = createCliApiClient(origin);
    const token = manageToken(manageKey);
    const wait = options.wait;
    const result =
      wait === undefined
        ? await client.secretStatus(id, token)
        : await waitFor(client, id, token, { ...options, wait }, context);
    await writeTo(
      context.stdout,
      options.json ? `${terminalSafeJson(result, 2)}\n` : formatStatus(result),
    );
  } catch (error) {
    throw toCliError(error, { action: "status", origin });
  }
}
