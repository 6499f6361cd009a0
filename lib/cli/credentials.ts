/**
 * Where the CLI takes an API token from (PROTOCOL.md §8): `--token-file <path>` (first
 * line, trimmed) or the BURNLINK_TOKEN variable, never a command-line argument, which other
 * users of the machine can read in the process list and which lands in shell history.
 */
import { readFile } from "node:fs/promises";
import type { Environment } from "./context";
import { UsageError } from "./errors";

export const TOKEN_ENV = "BURNLINK_TOKEN";

/** The token to send, or undefined when none is configured. */
export async function apiTokenFrom(env: Environment, tokenFile: string | undefined): Promise<string | undefined> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read the token file ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? "error"}).`, { cause: error });
    }
    const token = text.split(/\r?\n/)[0]?.trim() ?? "";
    if (token === "") throw new UsageError(`the token file ${tokenFile} is empty.`);
    return token;
  }
  const fromEnv = env[TOKEN_ENV]?.trim();
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}
