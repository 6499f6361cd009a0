import { describe, expect, it } from "vitest";
import { UsageError } from "@/lib/cli/errors";
import { formatTtl, parseTtl } from "@/lib/cli/ttl";

describe("parseTtl", () => {
  it.each([
    ["5m", 300],
    ["1h", 3_600],
    ["1d", 86_400],
    ["7d", 604_800],
    ["1w", 604_800],
    ["90s", 90],
    ["3600", 3_600],
    [" 2h ", 7_200],
  ])("reads %j as %i seconds", (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds);
  });

  it.each([
    "",
    "0",
    "0m",
    "-5m",
    "1.5h",
    "5 m",
    "5M",
    "1h30m",
    "5y",
    "h",
    "abc",
    "1e3",
    "9999999999999",
  ])("refuses %j as a usage error", (text) => {
    expect(() => parseTtl(text)).toThrow(UsageError);
  });

  it("names the accepted forms in its message", () => {
    expect(() => parseTtl("soon")).toThrow(/5m, 1h, 1d, 7d or a number of seconds/);
  });
});

describe("formatTtl", () => {
  it.each([
    [60, "1m"],
    [90, "90s"],
    [3_600, "1h"],
    [86_400, "1d"],
    [604_800, "7d"],
    [5_400, "90m"],
  ])("spells %i seconds as %j", (seconds, text) => {
    expect(formatTtl(seconds)).toBe(text);
  });

  it("round-trips through parseTtl", () => {
    for (const seconds of [1, 59, 60, 61, 3_599, 3_600, 86_400, 604_800, 1_000_000]) {
      expect(parseTtl(formatTtl(seconds))).toBe(seconds);
    }
  });
});
