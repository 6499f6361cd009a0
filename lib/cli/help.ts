/** The text of `burnlink --help` and `burnlink COMMAND --help`. */
import { DEFAULT_SERVER, DEFAULT_TTL, DEFAULT_VIEWS, SERVER_ENV, type CommandName } from "./args";
import { EXIT_CODE_HELP } from "./exit-codes";
import { PASSPHRASE_ENV } from "./passphrase";

const EXIT_CODES = EXIT_CODE_HELP.map(
  ([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`,
).join("\n");

const MAIN = `burnlink: share a secret through an end-to-end encrypted, self-destructing link

Usage:
  burnlink send [FILE...] [options]   encrypt text from stdin (or files) and print a share link
  burnlink get LINK [options]         open a share link: text to stdout, files to disk
  burnlink status MANAGE_LINK         show whether a secret was viewed, and when (--wait viewed|gone)
  burnlink burn MANAGE_LINK           destroy a secret before anyone opens it
  burnlink admin token create|list|revoke   manage API tokens (burnlink admin --help)
  burnlink COMMAND --help             options of one command
  burnlink --version

Examples:
  burnlink send < .env
  burnlink send --ttl 1h --views 1 --json id_ed25519
  burnlink get "$LINK" > secret.txt

Encryption happens here; the server only ever stores ciphertext. The key travels in the
link's #fragment, so treat the link itself as the secret.

Exit codes:
${EXIT_CODES}
`;

const SEND = `Usage: burnlink send [FILE...] [options]

Encrypts text from stdin, or the given files (several at once), uploads the ciphertext and
prints the share link on stdout and the manage link (status, burn) on stderr.

Options:
  --text TEXT             a note to send along with the files (or instead of stdin)
  --ttl DURATION          expiry: 5m, 1h, 1d, 7d or seconds (default ${DEFAULT_TTL})
  --views N               how many times the link opens (default ${DEFAULT_VIEWS})
  -p, --passphrase        also require a passphrase (asked without echo)
  --passphrase-file PATH  read the passphrase from a file (implies --passphrase)
  --allow-ip CIDR         only these addresses may open it; repeatable (203.0.113.7, 2001:db8::/48)
  --server URL            the Burnlink server (default $${SERVER_ENV} or ${DEFAULT_SERVER})
  --json                  print {shareLink, manageLink, id, expiresAt, ...} as one JSON object
  --token-file PATH       send the API token in this file (else $BURNLINK_TOKEN, when set)
  -h, --help              this help

With --passphrase, $${PASSPHRASE_ENV} (when set) is used instead of asking; on its own
the variable changes nothing, so a value left over from "get" never locks a link by surprise.

Examples:
  burnlink send < .env
  printf %s "$API_KEY" | burnlink send --ttl 5m
  burnlink send --ttl 1h --views 1 --json id_ed25519
  burnlink send --text "the staging keys" cert.pem key.pem --allow-ip 198.51.100.0/24
`;

const GET = `Usage: burnlink get LINK [options]

Opens a share link against the server it names. Text goes to stdout. The sender chose the
files' names, so files are saved in a new folder (burnlink-YYYYMMDD-HHMMSS, readable by you
only) inside the current directory or -o DIR, where they cannot replace or add to your own
files (authorized_keys, rc, config). Name the files you expect with --only NAME, or pass
--all, to save them in DIR itself. Either way names are made safe (no path, no leading
dot, no control characters), an existing file is never replaced (a taken name gets a
numbered variant, notes-2.txt), and files are created readable by you only (mode 600).

Opening a link consumes one view. Use --check to look without consuming. On a terminal,
control characters in the text are shown escaped (\\u001b); a pipe or file gets the
exact bytes.

If the answer to the reveal is lost (network error, timeout, 503), get retries with the
same one-time claim, backing off, for as long as the server keeps the view for it
(its revealGraceSeconds; none on a server without claims): the retry gets the same view
and never costs a second one. Progress goes to stderr.

Options:
  -o, --output DIR        where files go (must exist; default: the current directory)
  --only NAME             save the file NAME in DIR itself; repeatable. Files not named
                          still go to a new folder in DIR, so nothing is lost
  --all                   save every file in DIR itself, under the sender's names
  --check                 show views left and expiry; consumes nothing
  --json                  with --check: print {viewsLeft, expiresAt} as JSON
  --passphrase-file PATH  read the passphrase from a file
  --no-retry              one reveal request only: a lost answer is not retried (the
                          view may then be used up; ask the sender)
  -h, --help              this help

When the link needs a passphrase it comes from --passphrase-file, $${PASSPHRASE_ENV}, or a
prompt on the terminal.

Examples:
  burnlink get "$LINK" > secret.txt
  burnlink get "$LINK" -o ~/Downloads          # files in ~/Downloads/burnlink-…/
  burnlink get "$LINK" --only cert.pem --only key.pem -o ./tls
  burnlink get --check "$LINK"
`;

const STATUS = `Usage: burnlink status MANAGE_LINK [--json] [--wait viewed|gone [--timeout 1h]]

Shows the secret's state (active, viewed, burned, expired), views left, failed passphrase
attempts and the timeline of events (created, viewed, wrong passphrase, blocked IP, burned).
Nothing is consumed. The manage link is the one "burnlink send" printed on stderr.

With --wait, asks again (after 2 s, doubling up to every 30 s) until the secret is viewed
(--wait viewed: every view used) or gone (--wait gone: viewed, burned or expired), then
shows it and exits 0. Exits 3 when the timeout passes first, or when the secret ends
another way (burned or expired while waiting for viewed).

Options:
  --json              print the server's status object as JSON
  --wait STATE        viewed or gone: wait until the secret is in that state
  --timeout DURATION  with --wait: give up after this long (5m, 1h, 1d or seconds; default 1h)
  -h, --help          this help

Example:
  burnlink status "$MANAGE_LINK" --wait viewed --timeout 1d && rotate-the-credential
`;

const BURN = `Usage: burnlink burn MANAGE_LINK

Destroys the secret now: the share link stops opening. Burning a secret that is already
gone changes nothing and still succeeds.

Options:
  -h, --help  this help
`;

export function helpText(topic?: CommandName): string {
  switch (topic) {
    case "send":
      return SEND;
    case "get":
      return GET;
    case "status":
      return STATUS;
    case "burn":
      return BURN;
    default:
      return MAIN;
  }
}
