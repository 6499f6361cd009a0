/**
 * Turns argv into one typed command, with node:util parseArgs (strict: an unknown option or a
 * missing value is a UsageError, never silently ignored). Checks only what needs no server;
 * the server's limits (/api/config) are checked by the commands.
 */
import type { Environment } from "./context";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors";
import { sanitizeFileName } from "./file-names";
import { parseTtl } from "./ttl";

export const COMMANDS = ["send", "get", "status", "burn", "request", "respond", "collect"] as const;
export type CommandName = (typeof COMMANDS)[number];

export const SERVER_ENV = "BURNLINK_SERVER";
export const DEFAULT_SERVER = "http://localhost:3000";
export const DEFAULT_TTL = "1d";
export const DEFAULT_VIEWS = 1;
export const DEFAULT_RESPONSES = 1;

export interface SendOptions {
  files: string[];
  text?: string;
  ttlSeconds: number;
  views: number;
  /** --passphrase: protect the link with a passphrase (asked on the terminal unless scripted). */
  passphrase: boolean;
  passphraseFile?: string;
  allowIps: string[];
  /** The server's origin, e.g. `https://burnlink.example` (no trailing slash). */
  server: string;
  json: boolean;
  /** --token-file: the API token to send (PROTOCOL.md §8); else BURNLINK_TOKEN. */
  tokenFile?: string;
}

export interface GetOptions {
  link: string;
  outputDir?: string;
  /** --all: every file straight into the output directory, under the sender's (safe) names. */
  all: boolean;
  /** --only NAME…: these files straight into the output directory; the rest go to a fresh one. */
  only: string[];
  check: boolean;
  json: boolean;
  passphraseFile?: string;
  /** --no-retry: one reveal request, no retry with the claim after a lost answer (PROTOCOL.md §6). */
  noRetry: boolean;
}

export interface ManageOptions {
  link: string;
  json: boolean;
}

/** `status --wait`: viewed = every view used; gone = anything but active. */
export type WaitFor = "viewed" | "gone";

/** The default of `status --timeout` (with --wait): a script never waits forever by accident. */
export const DEFAULT_WAIT_TIMEOUT = "1h";

export interface StatusOptions extends ManageOptions {
  wait?: WaitFor;
  /** How long --wait waits before it gives up (exit 3). */
  timeoutSeconds: number;
}

/** `burnlink request` (PROTOCOL.md §7). */
export interface RequestOptions {
  /** The instructions for the person who answers; sealed, the server never reads them. */
  label?: string;
  ttlSeconds: number;
  responses: number;
  server: string;
  json: boolean;
  tokenFile?: string;
}

/** `burnlink respond REQUEST_LINK [FILE…]`. */
export interface RespondOptions {
  link: string;
  files: string[];
  text?: string;
  json: boolean;
}

/** `burnlink collect COLLECT_LINK`. */
export interface CollectOptions {
  link: string;
  outputDir?: string;
  all: boolean;
  only: string[];
  json: boolean;
  /** --wait DURATION: poll until an answer arrives, for at most this long. */
  waitSeconds?: number;
  noRetry: boolean;
}

export type ParsedCommand =
  | { command: "send"; options: SendOptions }
  | { command: "get"; options: GetOptions }
  | { command: "status"; options: StatusOptions }
  | { command: "burn"; options: ManageOptions }
  | { command: "request"; options: RequestOptions }
  | { command: "respond"; options: RespondOptions }
  | { command: "collect"; options: CollectOptions }
  | { command: "help"; topic?: CommandName }
  | { command: "version" };

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

const OPTIONS = {
  send: {
    ...HELP_OPTION,
    text: { type: "string" },
    ttl: { type: "string" },
    views: { type: "string" },
    passphrase: { type: "boolean", short: "p" },
    "passphrase-file": { type: "string" },
    "allow-ip": { type: "string", multiple: true },
    server: { type: "string" },
    json: { type: "boolean" },
    "token-file": { type: "string" },
  },
  get: {
    ...HELP_OPTION,
    output: { type: "string", short: "o" },
    all: { type: "boolean" },
    only: { type: "string", multiple: true },
    // Gone (files are never replaced); still parsed, to say so instead of "no option".
    force: { type: "boolean", short: "f" },
    check: { type: "boolean" },
    json: { type: "boolean" },
    "passphrase-file": { type: "string" },
    "no-retry": { type: "boolean" },
  },
  status: {
    ...HELP_OPTION,
    json: { type: "boolean" },
    wait: { type: "string" },
    timeout: { type: "string" },
  },
  burn: { ...HELP_OPTION },
  request: {
    ...HELP_OPTION,
    label: { type: "string" },
    ttl: { type: "string" },
    responses: { type: "string" },
    server: { type: "string" },
    json: { type: "boolean" },
    "token-file": { type: "string" },
  },
  respond: {
    ...HELP_OPTION,
    text: { type: "string" },
    json: { type: "boolean" },
  },
  collect: {
    ...HELP_OPTION,
    output: { type: "string", short: "o" },
    all: { type: "boolean" },
    only: { type: "string", multiple: true },
    json: { type: "boolean" },
    wait: { type: "string" },
    "no-retry": { type: "boolean" },
  },
} satisfies Record<CommandName, ParseArgsConfig["options"]>;

function isCommand(word: string): word is CommandName {
  return (COMMANDS as readonly string[]).includes(word);
}

/** parseArgs' messages suggest `--` tricks; ours name the command and where to look. */
function rewordParseError(error: unknown, command: CommandName): UsageError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  const option = /'([^']+)'/.exec(message)?.[1]?.split(" ")[0];
  const hint = `see burnlink ${command} --help.`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) {
    return new UsageError(`burnlink ${command} has no option ${option}; ${hint}`, { cause: error });
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    return new UsageError(`option ${option} needs a value; ${hint}`, { cause: error });
  }
  return new UsageError(`${message.split(". ")[0]}; ${hint}`, { cause: error });
}

/**
 * `https://Host:443/` -> `https://host`; a base path is kept (`https://host/app/` ->
 * `https://host/app`), as the links keep it (PROTOCOL.md §2). Anything but http(s), and
 * credentials, queries or fragments, are refused.
 */
export function parseServerUrl(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `${source} "${text}" is not a URL; use for example https://burnlink.example.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${source} must start with https:// or http://, not ${url.protocol}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(
      `${source} must be the server's address like https://burnlink.example, without credentials, ? or #.`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** --server, else $BURNLINK_SERVER, else the default: for the commands that create. */
function serverFrom(option: string | undefined, env: Environment): string {
  const fromEnv = env[SERVER_ENV];
  if (option !== undefined) return parseServerUrl(option, "--server");
  return fromEnv ? parseServerUrl(fromEnv, SERVER_ENV) : DEFAULT_SERVER;
}

/** --only names, checked as get and collect save them; --all excludes them. */
function fileSelection(values: Record<string, unknown>, all: boolean): string[] {
  const only = Array.isArray(values.only) ? (values.only as string[]) : [];
  for (const name of only) {
    if (sanitizeFileName(name, "") !== name)
      throw new UsageError(
        `--only takes a file name as burnlink saves it (no path, no leading dot, no control characters), not "${name}".`,
      );
  }
  if (all && only.length > 0)
    throw new UsageError("--all and --only exclude each other; give one of them.");
  return only;
}

function parsePositiveInteger(text: string, option: string): number {
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) < 1) {
    throw new UsageError(`${option} must be a whole number of at least 1, not "${text}".`);
  }
  return Number(text);
}

function oneLink(positionals: string[], command: CommandName, what: string): string {
  if (positionals.length === 0)
    throw new UsageError(`burnlink ${command} needs the ${what}; see burnlink ${command} --help.`);
  if (positionals.length > 1)
    throw new UsageError(`burnlink ${command} takes one ${what}, got ${positionals.length}.`);
  return (positionals[0] ?? "").trim();
}

/** Parses `argv` (without `node` and the script). */
export function parseCommandLine(argv: readonly string[], env: Environment): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) return { command: "help" };
    if (!isCommand(topic))
      throw new UsageError(`there is no command "${topic}"; commands are ${COMMANDS.join(", ")}.`);
    return { command: "help", topic };
  }
  if (first === "--version" || first === "-V") return { command: "version" };
  if (!isCommand(first)) {
    const what = first.startsWith("-") ? `option ${first}` : `command "${first}"`;
    throw new UsageError(
      `unknown ${what}; commands are ${COMMANDS.join(", ")} (see burnlink --help).`,
    );
  }

  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: OPTIONS[first],
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw rewordParseError(error, first);
  }
  // One parser serves four option tables; their union type is too wide to use directly.
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const positionals = parsed.positionals;
  if (values.help === true) return { command: "help", topic: first };
  const string = (name: string) =>
    typeof values[name] === "string" ? (values[name] as string) : undefined;
  const flag = (name: string) => values[name] === true;

  switch (first) {
    case "send": {
      const server = serverFrom(string("server"), env);
      const allowIps = (Array.isArray(values["allow-ip"]) ? values["allow-ip"] : [])
        .flatMap((entry) => entry.split(","))
        .map((entry) => entry.trim());
      if (allowIps.includes(""))
        throw new UsageError(
          "--allow-ip needs an address or CIDR, e.g. 203.0.113.7 or 2001:db8::/48.",
        );
      return {
        command: "send",
        options: {
          files: positionals,
          text: string("text"),
          ttlSeconds: parseTtl(string("ttl") ?? DEFAULT_TTL),
          views:
            string("views") === undefined
              ? DEFAULT_VIEWS
              : parsePositiveInteger(string("views") ?? "", "--views"),
          passphrase: flag("passphrase"),
          passphraseFile: string("passphrase-file"),
          allowIps,
          server,
          json: flag("json"),
          tokenFile: string("token-file"),
        },
      };
    }
    case "get": {
      const check = flag("check");
      if (flag("force"))
        throw new UsageError(
          "--force is gone: burnlink get never replaces a file (a taken name gets a numbered variant such as notes-2.txt).",
        );
      const only = fileSelection(values, flag("all"));
      if (flag("json") && !check)
        throw new UsageError(
          "--json works with --check only; the secret itself goes to stdout or to files.",
        );
      return {
        command: "get",
        options: {
          link: oneLink(positionals, "get", "share link"),
          outputDir: string("output"),
          all: flag("all"),
          only,
          check,
          json: flag("json"),
          passphraseFile: string("passphrase-file"),
          noRetry: flag("no-retry"),
        },
      };
    }
    case "status": {
      const wait = string("wait");
      if (wait !== undefined && wait !== "viewed" && wait !== "gone")
        throw new UsageError(`--wait takes viewed or gone, not "${wait}".`);
      const timeout = string("timeout");
      if (timeout !== undefined && wait === undefined)
        throw new UsageError("--timeout works with --wait only.");
      return {
        command: "status",
        options: {
          link: oneLink(positionals, "status", "manage link"),
          json: flag("json"),
          ...(wait === undefined ? {} : { wait }),
          timeoutSeconds: parseTtl(timeout ?? DEFAULT_WAIT_TIMEOUT, "--timeout"),
        },
      };
    }
    case "burn":
      return {
        command: first,
        options: { link: oneLink(positionals, first, "manage link"), json: flag("json") },
      };
    case "request": {
      if (positionals.length > 0)
        throw new UsageError(
          `burnlink request takes no arguments, got "${positionals[0]}"; give the instructions with --label TEXT.`,
        );
      const label = string("label");
      if (label === "")
        throw new UsageError("--label is empty; leave it out to ask without instructions.");
      const responses = string("responses");
      return {
        command: "request",
        options: {
          ...(label === undefined ? {} : { label }),
          ttlSeconds: parseTtl(string("ttl") ?? DEFAULT_TTL),
          responses:
            responses === undefined
              ? DEFAULT_RESPONSES
              : parsePositiveInteger(responses, "--responses"),
          server: serverFrom(string("server"), env),
          json: flag("json"),
          tokenFile: string("token-file"),
        },
      };
    }
    case "respond": {
      const [link, ...files] = positionals;
      if (link === undefined)
        throw new UsageError("burnlink respond needs the request link; see burnlink respond --help.");
      return {
        command: "respond",
        options: { link: link.trim(), files, text: string("text"), json: flag("json") },
      };
    }
    case "collect": {
      const wait = string("wait");
      return {
        command: "collect",
        options: {
          link: oneLink(positionals, "collect", "collect link"),
          outputDir: string("output"),
          all: flag("all"),
          only: fileSelection(values, flag("all")),
          json: flag("json"),
          ...(wait === undefined ? {} : { waitSeconds: parseTtl(wait, "--wait") }),
          noRetry: flag("no-retry"),
        },
      };
    }
  }
}
