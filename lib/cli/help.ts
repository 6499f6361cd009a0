/** The text of `burnlink --help` and `burnlink COMMAND --help`. */
import {
  DEFAULT_RESPONSES,
  DEFAULT_SERVER,
  DEFAULT_TTL,
  DEFAULT_VIEWS,
  SERVER_ENV,
  type CommandName,
} from "./args";
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
  burnlink request [options]          ask someone for a secret: request link on stdout, collect link on stderr
  burnlink respond REQUEST_LINK [FILE...]   answer a request (text from stdin, or files); prints a code
  burnlink collect COLLECT_LINK       read the answers to your request (--wait 1h to wait for one)
  burnlink admin token create|list|revoke   manage API tokens (burnlink admin --help)
  burnlink COMMAND --help             options of one command
  burnlink --version

Examples:
  burnlink send < .env
  burnlink send --ttl 1h --views 1 --json id_ed25519
  burnlink get "$LINK" > secret.txt
  burnlink request --label "your SSH public key, please"
  burnlink collect "$COLLECT_LINK" --wait 1d > id_ed25519.pub

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

const REQUEST = `Usage: burnlink request [--label TEXT] [--ttl DURATION] [--responses N] [options]

Asks someone to send you a secret. Makes a key pair here and prints the request link on
stdout: send it to the person you ask; it carries the public key, so their answer is
encrypted to you and the server can neither read it nor swap the key. The collect link goes
to stderr: keep it, it is the only way to read the answers (burnlink collect).

Options:
  --label TEXT         instructions shown to the person who answers (encrypted; the server
                       never reads them)
  --ttl DURATION       how long the request takes answers: 5m, 1h, 1d, 7d or seconds
                       (default ${DEFAULT_TTL}); answers wait to be collected for a while after
  --responses N        how many answers it takes (default ${DEFAULT_RESPONSES}; more makes a small inbox)
  --server URL         the Burnlink server (default $${SERVER_ENV} or ${DEFAULT_SERVER})
  --json               print {requestLink, collectLink, id, expiresAt, maxResponses} as JSON
  --token-file PATH    send the API token in this file (else $BURNLINK_TOKEN, when set)
  -h, --help           this help

Examples:
  burnlink request --label "the staging database password" --ttl 2d
  burnlink request --responses 5 --json
`;

const RESPOND = `Usage: burnlink respond REQUEST_LINK [FILE...] [--text TEXT] [--json]

Answers a request against the server the link names. First checks that the request still
takes answers and shows its instructions on stderr (escaped: they are the requester's
words, not burnlink's). Then encrypts the text from stdin, or the given files (and --text),
to the public key in the link itself, submits it, and prints a six-digit code on stdout.
The requester sees the same code next to your answer: comparing it over another channel
proves they got your answer and not someone else's.

An answer whose reply is lost is not sent again on its own (it could arrive twice); the
message says which code to ask the requester about.

Options:
  --text TEXT  a note to send along with the files (or instead of stdin)
  --json       print {code, n, responsesLeft} as JSON
  -h, --help   this help

Examples:
  burnlink respond "$REQUEST_LINK" < ~/.ssh/id_ed25519.pub
  burnlink respond "$REQUEST_LINK" cert.pem key.pem --text "valid until March"
`;

const COLLECT = `Usage: burnlink collect COLLECT_LINK [-o DIR] [--wait DURATION] [options]

Reads the answers waiting for your request, against the server the link names, and the
server deletes them as it hands them over: each answer is delivered once. Each answer's
number, time and six-digit code go to stderr (compare the code with the person who
answered); its text goes to stdout (exact bytes into a pipe, control characters escaped on
a terminal) and its files are saved exactly as burnlink get saves them: in a new folder
(burnlink-YYYYMMDD-HHMMSS, one per answer) inside the current directory or -o DIR, unless
you name them with --only NAME or pass --all; names made safe, nothing replaced, mode 600.
Several answers' texts follow each other on stdout in order; --json tells them apart.

Exits 3 when nothing is waiting (saying whether more answers can still come), and after
--wait when none arrived in time. With --wait, asks again (after 2 s, doubling up to every
30 s) until an answer arrives or the request ends.

If the answer to the collect is lost (network error, timeout, 503), collect retries with
the same one-time claim for as long as the server allows (its revealGraceSeconds) and gets
the same answers again.

Options:
  -o, --output DIR   where files go (must exist; default: the current directory)
  --only NAME        save the file NAME in DIR itself; repeatable
  --all              save every file in DIR itself, under the sender's names
  --wait DURATION    wait up to this long for an answer (5m, 1h, 1d or seconds)
  --json             print {state, responses: [{n, code, at, text?, files?}]} as JSON
                     (files are still saved to disk; their paths are listed)
  --no-retry         one collect request only: a lost answer is not retried
  -h, --help         this help

Examples:
  burnlink collect "$COLLECT_LINK"
  burnlink collect "$COLLECT_LINK" --wait 1d > customer-key.txt
  burnlink collect "$COLLECT_LINK" -o ./received --json
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
    case "request":
      return REQUEST;
    case "respond":
      return RESPOND;
    case "collect":
      return COLLECT;
    default:
      return MAIN;
  }
}
