/**
 * `burnlink burn`: destroys a secret now (PROTOCOL.md §4 DELETE /api/secrets/{id}). Asks for
 * the status first only to say truthfully what happened: DELETE answers 204 whether or not
 * the ciphertext was still there. Burning a secret that is already gone succeeds (exit 0).
 */
import { manageToken } from "@/lib/crypto";
import type { ManageOptions } from "../args";
import { createCliApiClient } from "../api";
import type { CliContext } from "../context";
import { toCliError } from "../errors";
import { readManageLink } from "../links";
import { formatTime, writeTo } from "../output";

export async function burn(options: ManageOptions, context: CliContext): Promise<void> {
  const { origin, id, manageKey } = readManageLink(options.link);
  try {
    const client = createCliApiClient(origin);
    const token = manageToken(manageKey);
    const before = await client.secretStatus(id, token);
    if (before.state !== "active") {
      const last = before.events.at(-1);
      const when =
        before.state === "expired" ? formatTime(before.expiresAt) : last ? formatTime(last.at) : "";
      await writeTo(
        context.stdout,
        `Already gone (${before.state}${when ? ` ${when}` : ""}); nothing to burn.\n`,
      );
      return;
    }
    await client.burnSecret(id, token);
    await writeTo(
      context.stdout,
      "Burned: the secret is destroyed and the share link no longer opens.\n",
    );
  } catch (error) {
    throw toCliError(error, { action: "burn", origin });
  }
}
