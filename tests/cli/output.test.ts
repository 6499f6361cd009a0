import { describe, expect, it } from "vitest";
import { formatStatus } from "@/lib/cli/commands/status";
import {
  formatBytes,
  formatRelative,
  formatTime,
  printable,
  terminalSafe,
  terminalSafeJson,
} from "@/lib/cli/output";

const NOW = Date.parse("2026-11-28T06:00:00.000Z");

describe("formatRelative", () => {
  it.each([
    ["2026-11-28T06:00:00.000Z", "now"],
    ["2026-11-28T06:00:42.000Z", "in 42 s"],
    ["2026-11-28T06:59:59.000Z", "in 59 min 59 s"],
    ["2026-11-29T05:59:00.000Z", "in 23 hours 59 min"],
    ["2026-11-29T06:00:00.000Z", "in 1 day"],
    ["2026-11-30T07:30:00.000Z", "in 2 days 1 hour"],
    ["2026-11-28T05:00:00.000Z", "1 hour ago"],
  ])("describes %s as %j", (iso, text) => {
    expect(formatRelative(iso, NOW)).toBe(text);
  });
});

describe("formatTime and formatBytes", () => {
  it("prints UTC times to the second", () => {
    expect(formatTime("2026-11-28T06:30:05.123Z")).toBe("2026-11-28 06:30:05 UTC");
  });

  it.each([
    [1, "1 byte"],
    [411, "411 bytes"],
    [1536, "1.5 KiB"],
    [1_081_344, "1.03 MiB"],
  ])("prints %i bytes as %j", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("printable", () => {
  it("shows control and bidi characters as escapes, so a sender's name cannot drive the terminal", () => {
    expect(printable("a\u001b[2Jb\u202ec")).toBe("a\\u001b[2Jb\\u202ec");
  });
});

describe("terminalSafe", () => {
  it("escapes sequences that could drive a terminal, and says so", () => {
    expect(terminalSafe("a\u001b]52;c;cHduZWQ=\u0007b")).toEqual({
      text: "a\\u001b]52;c;cHduZWQ=\\u0007b",
      escaped: true,
    });
    expect(terminalSafe("over\rwrite")).toEqual({ text: "over\\u000dwrite", escaped: true });
  });

  it("leaves ordinary text alone: tabs, newlines, CRLF line ends and any script", () => {
    const text = "KEY=välue\tπ 😀\r\nNEXT=1\n";
    expect(terminalSafe(text)).toEqual({ text, escaped: false });
  });
});

describe("terminalSafeJson", () => {
  it("escapes DEL, C1 and bidi characters that JSON.stringify leaves raw, and parses back the same", () => {
    const value = { note: "a\u009b31m\u202eb\u007f\u2028\u001b]52;c;x\u0007", list: ["ü 😀"] };
    for (const indent of [undefined, 2]) {
      const text = terminalSafeJson(value, indent);
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u2028]/);
      expect(JSON.parse(text)).toEqual(value);
    }
    expect(terminalSafeJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });
});

describe("formatTime on a value that is not a time", () => {
  it("escapes it rather than printing it raw", () => {
    expect(formatTime("\u001b]52;c;x\u0007")).toBe("\\u001b]52;c;x\\u0007");
  });
});

describe("formatStatus", () => {
  it("prints the state, the facts and an aligned timeline, oldest event first", () => {
    const text = formatStatus(
      {
        id: "AAAAAAAAAAAAAAAAAAAAAA",
        state: "burned",
        createdAt: "2026-11-28T05:00:00.000Z",
        expiresAt: "2026-11-28T07:00:00.000Z",
        maxViews: 3,
        viewsLeft: 0,
        failedAttempts: 2,
        allowedIps: ["203.0.113.0/24"],
        events: [
          { type: "created", at: "2026-11-28T05:00:00.000Z" },
          { type: "ip_blocked", at: "2026-11-28T05:10:00.000Z", ip: "198.51.100.0/24" },
          { type: "wrong_passphrase", at: "2026-11-28T05:20:00.000Z", ip: "203.0.113.0/24" },
          { type: "wrong_passphrase", at: "2026-11-28T05:21:00.000Z", ip: "203.0.113.0/24" },
          { type: "burned", at: "2026-11-28T05:21:00.000Z", ip: "203.0.113.0/24" },
        ],
      },
      NOW,
    );
    expect(text).toBe(
      [
        "State:       burned: destroyed after too many wrong passphrases",
        "Created:     2026-11-28 05:00:00 UTC (1 hour ago)",
        "Expires:     2026-11-28 07:00:00 UTC (in 1 hour)",
        "Wrong passphrases: 2",
        "Allowed IPs: 203.0.113.0/24",
        "Timeline:",
        "  2026-11-28 05:00:00 UTC  created",
        "  2026-11-28 05:10:00 UTC  blocked (IP not allowed)  from 198.51.100.0/24",
        "  2026-11-28 05:20:00 UTC  wrong passphrase          from 203.0.113.0/24",
        "  2026-11-28 05:21:00 UTC  wrong passphrase          from 203.0.113.0/24",
        "  2026-11-28 05:21:00 UTC  burned                    from 203.0.113.0/24",
        "",
      ].join("\n"),
    );
  });

  it("says Expired for a time in the past, and that the creator burned it when no failures preceded", () => {
    const text = formatStatus(
      {
        id: "AAAAAAAAAAAAAAAAAAAAAA",
        state: "burned",
        createdAt: "2026-11-28T04:00:00.000Z",
        expiresAt: "2026-11-28T05:00:00.000Z",
        maxViews: 1,
        viewsLeft: 0,
        failedAttempts: 0,
        allowedIps: [],
        events: [
          { type: "created", at: "2026-11-28T04:00:00.000Z" },
          { type: "burned", at: "2026-11-28T04:30:00.000Z" },
        ],
      },
      NOW,
    );
    expect(text).toMatch(/^State: +burned: destroyed by its creator$/m);
    expect(text).toMatch(/^Expired: +2026-11-28 05:00:00 UTC \(1 hour ago\)$/m);
    expect(text).toMatch(/^Allowed IPs: any$/m);
  });
});
