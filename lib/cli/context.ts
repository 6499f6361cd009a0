/**
 * What a command may touch of the outside world, passed in rather than read from `process`,
 * so one run is one value: main.ts builds it from the real process, and each command reads
 * its input and writes its output only through it.
 */
import type { Readable } from "node:stream";
import type { OutputStream } from "./output";

/** Environment variables; a plain record, so tests can pass exactly the ones they mean. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface CliContext {
  env: Environment;
  cwd: string;
  stdin: Readable & { isTTY?: boolean };
  stdout: OutputStream;
  stderr: OutputStream;
}
