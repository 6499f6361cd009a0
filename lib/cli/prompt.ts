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
 * empty line stop the CLI with exit 130; Backspace and Ctrl-U edit as usual.
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
    let value = "";
    const finish = () => {
      input.removeListener("data", onData);
      input.setRawMode(false);
      output.write("\n");
      terminal.close();
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === "\r" || character === "\n") {
          finish();
          resolve(value);
          return;
        }
        if (character === "\u0003" || (character === "\u0004" && value === "")) {
          finish();
          reject(new CliError(EXIT.interrupted, "interrupted; nothing was sent or revealed."));
          return;
        }
        if (character === "\u007f" || character === "\b")
          value = Array.from(value).slice(0, -1).join("");
        else if (character === "\u0015") value = "";
        else if (character >= " ") value += character;
      }
    };
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
    output.write(question);
  });
}
