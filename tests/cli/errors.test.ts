import { describe, expect, it } from "vitest";
import { ApiError, type ApiErrorCode } from "@/lib/api/client";
import type { ErrorBody } from "@/lib/api/wire";
import { toCliError, UsageError, type Action } from "@/lib/cli/errors";
import { EXIT, EXIT_CODE_HELP } from "@/lib/cli/exit-codes";
import { DecryptError, EnvelopeError, LinkFormatError } from "@/lib/crypto";

function apiError(status: number, code: ApiErrorCode, extra: Partial<ErrorBody> = {}): ApiError {
  const body =
    code === "network_error"
      ? undefined
      : ({ error: code, message: `server says ${code}`, ...extra } as ErrorBody);
  return new ApiError(
    status,
    code,
    code === "network_error" ? "fetch failed (ECONNREFUSED)" : `server says ${code}`,
    body,
  );
}

describe("toCliError", () => {
  it.each<[string, ApiError, number]>([
    ["network failure", apiError(0, "network_error"), EXIT.unavailable],
    ["store unavailable", apiError(503, "store_unavailable"), EXIT.unavailable],
    ["internal error", apiError(500, "internal_error"), EXIT.unavailable],
    ["not found", apiError(404, "not_found"), EXIT.notFound],
    [
      "gone",
      apiError(410, "gone", { reason: "viewed", at: "2026-01-01T00:00:00.000Z" }),
      EXIT.notFound,
    ],
    [
      "wrong passphrase",
      apiError(403, "wrong_passphrase", { attemptsLeft: 2 }),
      EXIT.wrongPassphrase,
    ],
    ["ip not allowed", apiError(403, "ip_not_allowed"), EXIT.refused],
    ["rate limited", apiError(429, "rate_limited"), EXIT.refused],
    ["too large", apiError(413, "too_large"), EXIT.refused],
    ["invalid request", apiError(400, "invalid_request"), EXIT.usage],
    ["id taken", apiError(409, "id_taken"), EXIT.other],
    ["method not allowed", apiError(405, "method_not_allowed"), EXIT.other],
    ["unsupported media type", apiError(415, "unsupported_media_type"), EXIT.other],
  ])("maps %s to its documented exit code", (_, error, exitCode) => {
    expect(toCliError(error, { action: "get", origin: "https://b.example" }).exitCode).toBe(
      exitCode,
    );
  });

  it.each<[Error, number]>([
    [new LinkFormatError("truncated", "This link is incomplete."), EXIT.usage],
    [new DecryptError("does not open"), EXIT.other],
    [new EnvelopeError("bad envelope"), EXIT.other],
    [new TypeError("a bug"), EXIT.other],
  ])("maps %s to exit %i", (error, exitCode) => {
    expect(toCliError(error, { action: "get" }).exitCode).toBe(exitCode);
  });

  it("passes a CliError through unchanged", () => {
    const original = new UsageError("bad option");
    expect(toCliError(original, { action: "send" })).toBe(original);
  });

  it("names the server and the remedy when the network fails", () => {
    const { message } = toCliError(apiError(0, "network_error"), {
      action: "send",
      origin: "http://127.0.0.1:9",
    });
    expect(message).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:9.*ECONNREFUSED.*check the address/i,
    );
  });

  it("says how a secret went, and when", () => {
    const at = "2026-11-28T06:30:00.000Z";
    const cases: Array<[string, RegExp]> = [
      ["viewed", /already viewed \(2026-11-28 06:30:00 UTC\).*someone else/],
      ["burned", /sender burned/],
      ["attempts", /too many wrong passphrases/],
      ["expired", /expired/],
    ];
    for (const [reason, message] of cases) {
      const error = apiError(410, "gone", { reason: reason as ErrorBody["reason"], at });
      expect(toCliError(error, { action: "get" }).message).toMatch(message);
    }
  });

  it("counts the attempts left, and says when the last one destroyed the secret", () => {
    expect(
      toCliError(apiError(403, "wrong_passphrase", { attemptsLeft: 1 }), { action: "get" }).message,
    ).toMatch(/1 attempt left/);
    expect(
      toCliError(apiError(403, "wrong_passphrase", { attemptsLeft: 0 }), { action: "get" }).message,
    ).toMatch(/now destroyed/);
  });

  it("words not_found for the manage link on status and burn", () => {
    for (const action of ["status", "burn"] as Action[]) {
      expect(toCliError(apiError(404, "not_found"), { action }).message).toMatch(/manage link/);
    }
    expect(toCliError(apiError(404, "not_found"), { action: "get" }).message).toMatch(
      /Ask the sender/,
    );
  });

  it("keeps every message on one line", () => {
    const errors = [
      apiError(0, "network_error"),
      apiError(410, "gone"),
      new TypeError("x"),
      new DecryptError("y"),
    ];
    for (const error of errors)
      expect(toCliError(error, { action: "get" }).message).not.toMatch(/\n/);
  });
});

describe("exit codes", () => {
  it("are distinct and each documented once", () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODE_HELP.map(([code]) => code).sort((a, b) => a - b)).toEqual(
      [...codes].sort((a, b) => a - b),
    );
  });
});
