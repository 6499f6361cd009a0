/**
 * Asks the person at the terminal for a passphrase without echoing it. Reads the terminal
 * itself (/dev/tty), not stdin, so `burnlink send --passphrase < .env` still prompts while
 * stdin carries the secret; the prompt goes to the terminal too, never into a captured
 * stderr. Without a terminal it refuses at once instead of waiting forever.
 */
import { openSync } from "node:fs";
import tty from "node:tty";
import { CliError, UsageError } from "./errors";
import { EXIT } from "./exit-codes";
import { HiddenLineEditor } from "./line-editor";

interface Terminal {
  input: tty.ReadStream;
  output: tty.WriteStream;
  close(): void;
}

function openTerminal(): Terminal | undefined {
  if (process.platform === "win32") {
    if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
    return { input: process.stdin, output: process.stderr, close: () => process.stdin.pause() };
  }
  let input: tty.ReadStream | undefined;
  try {
    input = new tty.ReadStream(openSync("/dev/tty", "r"));
    const output = new tty.WriteStream(openSync("/dev/tty", "w"));
    const reader = input;
    return {
      input: reader,
      output,
      close: () => {
        reader.destroy();
        output.destroy();
      },
    };
  } catch {
    input?.destroy();
    return undefined;
  }
}

export const NO_TERMINAL_HINT =
  "use --passphrase-file PATH or the BURNLINK_PASSPHRASE environment variable";

/**
 * Shows `question` on the terminal and reads one line with echo off. Ctrl-C or Ctrl-D on an
 * empty line stop the CLI with exit 130; Backspace and Ctrl-U edit as usual; arrow keys and
 * other escape sequences are ignored whole (line-editor.ts).
 */
export function promptHidden(question: string): Promise<string> {
  const terminal = openTerminal();
  if (terminal === undefined) {
    return Promise.reject(
      new UsageError(`no terminal to ask for the passphrase; ${NO_TERMINAL_HINT}.`),
    );
  }
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    const editor = new HiddenLineEditor();
    const finish = () => {
      input.removeListener("data", onData);
      input.setRawMode(false);
      output.write("\n");
      terminal.close();
    };
    const onData = (chunk: string) => {
      const result = editor.feed(chunk);
      if (result.kind === "pending") return;
      finish();
      if (result.kind === "done") resolve(result.value);
      else reject(new CliError(EXIT.interrupted, "interrupted; nothing was sent or revealed."));
    };
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
    output.write(question);
  });
}
