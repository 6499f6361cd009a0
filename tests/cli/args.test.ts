import { describe, expect, it } from "vitest";
import { DEFAULT_SERVER, parseCommandLine, parseServerUrl, type SendOptions } from "@/lib/cli/args";
import type { Environment } from "@/lib/cli/context";
import { UsageError } from "@/lib/cli/errors";

const LINK = "http://localhost:3000/s#kAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const MANAGE =
  "http://localhost:3000/m#mAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

function sendOptions(argv: string[], env: Environment = {}): SendOptions {
  const parsed = parseCommandLine(["send", ...argv], env);
  if (parsed.command !== "send") throw new Error(`expected send, got ${parsed.command}`);
  return parsed.options;
}

describe("parseCommandLine", () => {
  it("shows the main help with no arguments, --help, -h or help", () => {
    for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
      expect(parseCommandLine(argv, {})).toEqual({ command: "help" });
    }
  });

  it("shows a command's help with COMMAND --help, -h anywhere, or help COMMAND", () => {
    expect(parseCommandLine(["send", "--help"], {})).toEqual({ command: "help", topic: "send" });
    expect(parseCommandLine(["get", LINK, "-h"], {})).toEqual({ command: "help", topic: "get" });
    expect(parseCommandLine(["help", "burn"], {})).toEqual({ command: "help", topic: "burn" });
  });

  it("answers --version and -V", () => {
    expect(parseCommandLine(["--version"], {})).toEqual({ command: "version" });
    expect(parseCommandLine(["-V"], {})).toEqual({ command: "version" });
  });

  it("gives send its defaults: stdin, one view, one day, no passphrase, localhost", () => {
    expect(sendOptions([])).toEqual({
      files: [],
      text: undefined,
      ttlSeconds: 86_400,
      views: 1,
      passphrase: false,
      passphraseFile: undefined,
      allowIps: [],
      server: DEFAULT_SERVER,
      json: false,
    });
  });

  it("reads every send option, files in order, and repeated or comma-separated --allow-ip", () => {
    const options = sendOptions([
      "a.txt",
      "--ttl",
      "1h",
      "--views=3",
      "-p",
      "--passphrase-file",
      "pass.txt",
      "--allow-ip",
      "203.0.113.7",
      "--allow-ip",
      "198.51.100.0/24, 2001:db8::/48",
      "--text",
      "note",
      "--server",
      "https://Burnlink.Example:443/",
      "--json",
      "b.bin",
    ]);
    expect(options).toEqual({
      files: ["a.txt", "b.bin"],
      text: "note",
      ttlSeconds: 3_600,
      views: 3,
      passphrase: true,
      passphraseFile: "pass.txt",
      allowIps: ["203.0.113.7", "198.51.100.0/24", "2001:db8::/48"],
      server: "https://burnlink.example",
      json: true,
    });
  });

  it("takes the server from BURNLINK_SERVER unless --server is given", () => {
    expect(sendOptions([], { BURNLINK_SERVER: "https://env.example" }).server).toBe(
      "https://env.example",
    );
    expect(
      sendOptions(["--server", "http://127.0.0.1:9"], { BURNLINK_SERVER: "https://env.example" })
        .server,
    ).toBe("http://127.0.0.1:9");
  });

  it("treats a file named after -- as a file, even when it starts with a dash", () => {
    expect(sendOptions(["--", "--weird-name"]).files).toEqual(["--weird-name"]);
  });

  it("reads get, status and burn with their link, trimming a pasted newline", () => {
    expect(parseCommandLine(["get", `${LINK}\n`, "-o", "out", "--all"], {})).toEqual({
      command: "get",
      options: {
        link: LINK,
        outputDir: "out",
        all: true,
        only: [],
        check: false,
        json: false,
        passphraseFile: undefined,
        noRetry: false,
      },
    });
    expect(parseCommandLine(["get", LINK, "--no-retry"], {})).toMatchObject({
      command: "get",
      options: { noRetry: true },
    });
    expect(
      parseCommandLine(["get", LINK, "--only", "cert.pem", "--only", "key with space.pem"], {}),
    ).toMatchObject({ options: { all: false, only: ["cert.pem", "key with space.pem"] } });
    expect(parseCommandLine(["get", "--check", "--json", LINK], {})).toMatchObject({
      command: "get",
      options: { check: true, json: true },
    });
    expect(parseCommandLine(["status", "--json", MANAGE], {})).toEqual({
      command: "status",
      options: { link: MANAGE, json: true, timeoutSeconds: 3600 },
    });
    expect(
      parseCommandLine(["status", MANAGE, "--wait", "viewed", "--timeout", "90s"], {}),
    ).toEqual({
      command: "status",
      options: { link: MANAGE, json: false, wait: "viewed", timeoutSeconds: 90 },
    });
    expect(parseCommandLine(["burn", MANAGE], {})).toEqual({
      command: "burn",
      options: { link: MANAGE, json: false },
    });
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["--frob"], /unknown option --frob/],
    [["help", "frob"], /no command "frob"/],
    [["send", "--frob"], /burnlink send has no option --frob/],
    [["send", "--ttl"], /option --ttl needs a value/],
    [["send", "--ttl", "soon"], /--ttl "soon" is not a duration/],
    [["send", "--views", "0"], /--views must be a whole number of at least 1/],
    [["send", "--views", "two"], /--views must be a whole number/],
    [["send", "--allow-ip", ""], /--allow-ip needs an address/],
    [["status", MANAGE, "--wait", "read"], /--wait takes viewed or gone, not "read"/],
    [["status", MANAGE, "--timeout", "1h"], /--timeout works with --wait only/],
    [
      ["status", MANAGE, "--wait", "gone", "--timeout", "soon"],
      /--timeout "soon" is not a duration/,
    ],
    [["get", LINK, "--force"], /--force is gone: burnlink get never replaces a file/],
    [["get", LINK, "-f"], /--force is gone/],
    [["get", LINK, "--all", "--only", "a.txt"], /--all and --only exclude each other/],
    [
      ["get", LINK, "--only", "../.ssh/authorized_keys"],
      /--only takes a file name as burnlink saves it/,
    ],
    [["get", LINK, "--only", ".env"], /--only takes a file name/],
    [["get", LINK, "--only"], /option --only needs a value/],
    [["send", "--server", "ftp://x"], /must start with https:\/\/ or http:\/\//],
    [["send", "--server", "not a url"], /is not a URL/],
    [["send", "--server", "https://user:pw@host"], /without credentials/],
    [["send", "--json=yes"], /--json/],
    [["get"], /needs the share link/],
    [["get", LINK, LINK], /takes one share link, got 2/],
    [["get", "--json", LINK], /--json works with --check only/],
    [["status"], /needs the manage link/],
    [["burn", "--json", MANAGE], /has no option --json/],
  ])("refuses %j as a usage error", (argv, message) => {
    let thrown: unknown;
    try {
      parseCommandLine(argv, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    expect((thrown as UsageError).message).toMatch(message);
  });

  it("refuses a bad BURNLINK_SERVER by naming the variable", () => {
    expect(() => sendOptions([], { BURNLINK_SERVER: "localhost:3000" })).toThrow(/BURNLINK_SERVER/);
  });
});

describe("parseServerUrl", () => {
  it("keeps a base path without its trailing slash, as links keep it", () => {
    expect(parseServerUrl("https://host.example/burnlink/", "--server")).toBe(
      "https://host.example/burnlink",
    );
  });

  it("drops the default port and lower-cases the host", () => {
    expect(parseServerUrl("HTTPS://HOST.example:443", "--server")).toBe("https://host.example");
  });
});

describe("parseCommandLine for request, respond and collect", () => {
  it("gives request its defaults and reads every option; it takes no positional text", () => {
    expect(parseCommandLine(["request"], {})).toEqual({
      command: "request",
      options: {
        ttlSeconds: 86_400,
        responses: 1,
        server: DEFAULT_SERVER,
        json: false,
        tokenFile: undefined,
      },
    });
    expect(
      parseCommandLine(
        [
          "request",
          "--label",
          "your key",
          "--ttl",
          "2d",
          "--responses",
          "5",
          "--json",
          "--token-file",
          "t",
        ],
        { BURNLINK_SERVER: "https://burnlink.example/" },
      ),
    ).toEqual({
      command: "request",
      options: {
        label: "your key",
        ttlSeconds: 172_800,
        responses: 5,
        server: "https://burnlink.example",
        json: true,
        tokenFile: "t",
      },
    });
    expect(() => parseCommandLine(["request", "your key"], {})).toThrow(
      /takes no arguments.*--label TEXT/,
    );
    expect(() => parseCommandLine(["request", "--label", ""], {})).toThrow(/--label is empty/);
    expect(() => parseCommandLine(["request", "--responses", "0"], {})).toThrow(
      /--responses must be a whole number/,
    );
  });

  it("reads respond's link, then its files, and refuses a missing link", () => {
    expect(parseCommandLine(["respond", " LINK ", "a.pem", "b.pem", "--text", "note"], {})).toEqual(
      {
        command: "respond",
        options: { link: "LINK", files: ["a.pem", "b.pem"], text: "note", json: false },
      },
    );
    expect(() => parseCommandLine(["respond"], {})).toThrow(/needs the request link/);
    expect(() => parseCommandLine(["respond", "LINK", "--views", "2"], {})).toThrow(
      /has no option --views/,
    );
  });

  it("reads collect's options and refuses a bad --wait, a second link and --all with --only", () => {
    expect(
      parseCommandLine(
        ["collect", "LINK", "-o", "dir", "--wait", "1h", "--json", "--no-retry"],
        {},
      ),
    ).toEqual({
      command: "collect",
      options: {
        link: "LINK",
        outputDir: "dir",
        all: false,
        only: [],
        json: true,
        waitSeconds: 3_600,
        noRetry: true,
      },
    });
    expect(() => parseCommandLine(["collect", "LINK", "--wait", "soon"], {})).toThrow(
      /--wait "soon" is not a duration/,
    );
    expect(() => parseCommandLine(["collect", "A", "B"], {})).toThrow(
      /takes one collect link, got 2/,
    );
    expect(() => parseCommandLine(["collect", "A", "--all", "--only", "x"], {})).toThrow(
      /exclude each other/,
    );
    expect(() => parseCommandLine(["collect", "A", "--only", "../x"], {})).toThrow(UsageError);
  });
});
