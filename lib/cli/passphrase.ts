/**
 * Where a passphrase comes from, in order: --passphrase-file (for scripts; one trailing
 * newline is dropped, as editors and `echo` add one), the BURNLINK_PASSPHRASE environment
 * variable, then a hidden prompt on the terminal. The passphrase is never printed or logged.
 */
import type { Environment } from "./context";
import { readFile } from "node:fs/promises";
import { UsageError } from "./errors";
import { NO_TERMINAL_HINT, promptHidden } from "./prompt";

export const PASSPHRASE_ENV = "BURNLINK_PASSPHRASE";

/** The passphrase a script supplied, or undefined when it supplied none. */
export async function scriptedPassphrase(
  file: string | undefined,
  env: Environment,
): Promise<string | undefined> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UsageError(`cannot read the passphrase file ${file} (${reason}).`, {
        cause: error,
      });
    }
    const passphrase = text.replace(/\r?\n$/, "");
    if (passphrase === "") throw new UsageError(`the passphrase file ${file} is empty.`);
    return passphrase;
  }
  const fromEnv = env[PASSPHRASE_ENV];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

/** Asks on the terminal; with `confirm`, twice, and refuses a mismatch or an empty answer. */
export async function askPassphrase(confirm: boolean): Promise<string> {
  const passphrase = await promptHidden("Passphrase: ");
  if (passphrase === "")
    throw new UsageError(`the passphrase is empty; type one, or ${NO_TERMINAL_HINT}.`);
  if (confirm && (await promptHidden("Passphrase again: ")) !== passphrase) {
    throw new UsageError("the two passphrases differ; nothing was sent.");
  }
  return passphrase;
}
