/**
 * Runs one command line to an exit code. Every failure ends here as one line on stderr,
 * `burnlink: <problem and what to do>`, and a code from exit-codes.ts; set BURNLINK_DEBUG=1
 * to also see the underlying error (never containing keys: the commands do not put them in
 * errors).
 */
import { parseCommandLine } from "./args";
import { admin } from "./commands/admin";
import { burn } from "./commands/burn";
import { collect } from "./commands/collect";
import { get } from "./commands/get";
import { request } from "./commands/request";
import { respond } from "./commands/respond";
import { send } from "./commands/send";
import { status } from "./commands/status";
import type { CliContext } from "./context";
import { toCliError } from "./errors";
import { EXIT, type ExitCode } from "./exit-codes";
import { helpText } from "./help";
import { printable, writeTo } from "./output";
import { VERSION } from "./version";

async function dispatch(argv: readonly string[], context: CliContext): Promise<void> {
  // `burnlink admin …` has its own sub-commands and options (commands/admin.ts).
  if (argv[0] === "admin") return admin(argv.slice(1), context);
  const parsed = parseCommandLine(argv, context.env);
  switch (parsed.command) {
    case "help":
      await writeTo(context.stdout, helpText(parsed.topic));
      return;
    case "version":
      await writeTo(context.stdout, `burnlink ${VERSION}\n`);
      return;
    case "send":
      try {
        await send(parsed.options, context);
      } catch (error) {
        throw toCliError(error, { action: "send", origin: parsed.options.server });
      }
      return;
    case "get":
      await get(parsed.options, context);
      return;
    case "status":
      await status(parsed.options, context);
      return;
    case "burn":
      await burn(parsed.options, context);
      return;
    case "request":
      try {
        await request(parsed.options, context);
      } catch (error) {
        throw toCliError(error, { action: "request", origin: parsed.options.server });
      }
      return;
    case "respond":
      await respond(parsed.options, context);
      return;
    case "collect":
      await collect(parsed.options, context);
      return;
  }
}

export async function run(argv: readonly string[], context: CliContext): Promise<ExitCode> {
  try {
    await dispatch(argv, context);
    return EXIT.ok;
  } catch (error) {
    const failure = toCliError(error, { action: "send" });
    // printable: a message may quote the server or a path; it never reaches the terminal raw.
    const line = printable(failure.message.replace(/\s*\n\s*/g, " "));
    try {
      await writeTo(context.stderr, `burnlink: ${line}\n`);
      if (context.env.BURNLINK_DEBUG)
        await writeTo(
          context.stderr,
          `${String((failure.cause as Error | undefined)?.stack ?? failure.stack)}\n`,
        );
    } catch {
      // stderr itself is gone; the exit code still tells.
    }
    return failure.exitCode;
  }
}
