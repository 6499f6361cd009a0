/**
 * The CLI's exit codes: the one table scripts can rely on. Documented in `burnlink --help`
 * and the README; never renumber one, only add.
 */
export const EXIT = {
  ok: 0,
  /** Anything else: a local file could not be written, the secret does not decrypt. */
  other: 1,
  /** The command line is wrong: unknown option, bad value, malformed link, unreadable input. */
  usage: 2,
  /**
   * No such secret or request, or it is gone (viewed, burned, destroyed by wrong passphrases,
   * expired; a request expired, revoked or answered); also nothing to collect, and a --wait
   * that ran out.
   */
  notFound: 3,
  /** The passphrase is wrong (the secret may now be closer to being destroyed). */
  wrongPassphrase: 4,
  /** The server refused: IP not allowed, rate limited, or the secret is too large. */
  refused: 5,
  /** The server cannot be reached, or it says it is unavailable. */
  unavailable: 6,
  /** The server's answer does not have the protocol's shape (not a Burnlink server, or a hostile one). */
  invalidAnswer: 7,
  /** The user pressed Ctrl-C at a prompt (128 + SIGINT, as shells do). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line each, for `burnlink --help` and the README. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, "success"],
  [EXIT.other, "other error (for example a file could not be written)"],
  [EXIT.usage, "usage error: bad option or value, malformed link, unreadable input file"],
  [EXIT.notFound, "not found, or gone (viewed, burned, expired, destroyed); nothing to collect"],
  [EXIT.wrongPassphrase, "wrong passphrase"],
  [EXIT.refused, "refused: IP not allowed, rate limited, or too large"],
  [EXIT.unavailable, "network error, or the server is unavailable"],
  [EXIT.invalidAnswer, "the server sent an invalid answer (not a Burnlink server?)"],
  [EXIT.interrupted, "interrupted at a prompt"],
];
