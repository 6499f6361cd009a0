import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import {
  checkCheckAnswer,
  checkConfigAnswer,
  checkErrorAnswer,
  checkRequestCheckAnswer,
  checkRequestStatusAnswer,
  checkStatusAnswer,
  InvalidAnswerError,
  MAX_ANSWER_INTEGER,
} from "@/lib/cli/answers";

const ID = "AAAAAAAAAAAAAAAAAAAAAA";
const STATUS = {
  id: ID,
  state: "viewed",
  createdAt: "2026-11-28T06:00:00.000Z",
  expiresAt: "2026-11-29T06:00:00Z",
  maxViews: 1,
  viewsLeft: 0,
  failedAttempts: 2,
  allowedIps: ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32", "::ffff:192.0.2.1"],
  events: [
    { type: "created", at: "2026-11-28T06:00:00.000Z", ip: "2001:db8:1::/48" },
    { type: "wrong_passphrase", at: "2026-11-28T06:01:00.000+00:00" },
    { type: "viewed", at: "2026-11-28T06:02:00.000Z", ip: "203.0.113.0/24" },
  ],
};

describe("checkStatusAnswer", () => {
  it("accepts every state, event type and address form a real server sends, and keeps unknown members", () => {
    const answer = { ...STATUS, creator: { kind: "token", name: "ci" } };
    expect(checkStatusAnswer(answer)).toBe(answer);
  });

  it.each<[string, Record<string, unknown>]>([
    ["a zone id in an address", { allowedIps: ["fe80::1%eth0"] }],
    ["a space in an address", { allowedIps: ["10.0.0.1 "] }],
    ["a time without a zone", { createdAt: "2026-11-28T06:00:00" }],
    ["a date alone", { expiresAt: "2026-11-28" }],
    ["an impossible date", { expiresAt: "2026-13-45T99:00:00Z" }],
    ["an extended year", { expiresAt: "+275760-09-13T00:00:00.000Z" }],
    ["a count just over the bound", { failedAttempts: MAX_ANSWER_INTEGER + 1 }],
    ["events that are not a list", { events: { type: "viewed" } }],
    ["an event that is not an object", { events: ["viewed"] }],
    ["a short id", { id: "AAAA" }],
  ])("refuses %s", (_, change) => {
    expect(() => checkStatusAnswer({ ...STATUS, ...change })).toThrow(InvalidAnswerError);
  });

  it("names the field in its message but never echoes the value", () => {
    try {
      checkStatusAnswer({ ...STATUS, state: "\u001b]52;c;x\u0007" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidAnswerError);
      expect((error as InvalidAnswerError).problem).toBe(
        "state is not one of active, viewed, burned, expired",
      );
    }
  });
});

describe("checkConfigAnswer and checkCheckAnswer", () => {
  it("accept the server's defaults and refuse a maximum below the minimum", () => {
    const config = {
      maxCiphertextBytes: 1_048_616,
      minTtlSeconds: 60,
      maxTtlSeconds: 604_800,
      maxViews: 10,
      maxAllowedIps: 20,
      passphraseAttempts: 5,
      protocol: "1.1",
    };
    expect(checkConfigAnswer(config)).toBe(config);
    expect(() => checkConfigAnswer({ ...config, maxTtlSeconds: 59 })).toThrow(/maxTtlSeconds/);
  });

  it("accept a config with or without the v1.1 members and refuse them in the wrong shape", () => {
    const v1 = {
      maxCiphertextBytes: 1_048_616,
      minTtlSeconds: 60,
      maxTtlSeconds: 604_800,
      maxViews: 10,
      maxAllowedIps: 20,
      passphraseAttempts: 5,
    };
    expect(checkConfigAnswer(v1)).toBe(v1);
    const v11 = { ...v1, protocol: "1.1", revealGraceSeconds: 0 };
    expect(checkConfigAnswer(v11)).toBe(v11);
    expect(() => checkConfigAnswer({ ...v1, revealGraceSeconds: -1 })).toThrow(/revealGraceSeconds/);
    expect(() => checkConfigAnswer({ ...v1, revealGraceSeconds: "120" })).toThrow(/revealGraceSeconds/);
    expect(() => checkConfigAnswer({ ...v1, revealGraceSeconds: 1.5 })).toThrow(/revealGraceSeconds/);
    expect(() => checkConfigAnswer({ ...v1, protocol: "\u001b[2J" })).toThrow(/protocol is not a version/);
    expect(() => checkConfigAnswer({ ...v1, protocol: 1.1 })).toThrow(/protocol/);
    expect(checkCheckAnswer({ expiresAt: "2026-11-28T06:00:00.000Z", viewsLeft: 0 })).toEqual({
      expiresAt: "2026-11-28T06:00:00.000Z",
      viewsLeft: 0,
    });
    expect(() => checkCheckAnswer(null)).toThrow(/not a JSON object/);
  });
});

describe("checkErrorAnswer", () => {
  it("accepts the protocol's gone and wrong_passphrase members, and refuses others' shapes", () => {
    const gone = new ApiError(410, "gone", "gone", {
      error: "gone",
      message: "gone",
      reason: "attempts",
      at: "2026-11-28T06:00:00.000Z",
    });
    expect(() => checkErrorAnswer(gone)).not.toThrow();
    const odd = new ApiError(403, "wrong_passphrase", "no", {
      error: "wrong_passphrase",
      message: "no",
      attemptsLeft: -1,
    });
    expect(() => checkErrorAnswer(odd)).toThrow(/attemptsLeft/);
    expect(() => checkErrorAnswer(new ApiError(0, "network_error", "fetch failed"))).not.toThrow();
  });
});

describe("checkRequestCheckAnswer and checkRequestStatusAnswer: sender and creator (PROTOCOL.md §8)", () => {
  const CHECK = { expiresAt: "2026-11-29T06:00:00Z", responsesLeft: 1 };
  const REQUEST_STATUS = {
    id: ID,
    state: "open",
    createdAt: "2026-11-28T06:00:00.000Z",
    expiresAt: "2026-11-29T06:00:00Z",
    maxResponses: 1,
    responsesLeft: 1,
    pending: 0,
    events: [{ type: "created", at: "2026-11-28T06:00:00.000Z" }],
  };

  it("accepts an answer without them, and a sender or creator of the protocol's shape", () => {
    expect(checkRequestCheckAnswer(CHECK, 4096)).toEqual(CHECK);
    expect(checkRequestCheckAnswer({ ...CHECK, sender: { name: "ops-bot" } }, 4096)).toMatchObject({ sender: { name: "ops-bot" } });
    expect(checkRequestStatusAnswer(REQUEST_STATUS)).toEqual(REQUEST_STATUS);
    expect(checkRequestStatusAnswer({ ...REQUEST_STATUS, creator: { kind: "token", name: "ci" } })).toMatchObject({ creator: { kind: "token", name: "ci" } });
    const sso = { kind: "sso", issuer: "https://idp.example", subject: "u-1", email: "" };
    expect(checkRequestStatusAnswer({ ...REQUEST_STATUS, creator: sso })).toMatchObject({ creator: sso });
  });

  it("refuses a sender or creator in any other shape, naming the field", () => {
    const refused = (run: () => unknown) => {
      try {
        run();
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidAnswerError);
        return (error as InvalidAnswerError).problem;
      }
    };
    expect(refused(() => checkRequestCheckAnswer({ ...CHECK, sender: "ops-bot" }, 4096))).toBe("sender is not a JSON object");
    expect(refused(() => checkRequestCheckAnswer({ ...CHECK, sender: { name: "" } }, 4096))).toMatch(/^sender\.name is not a text/);
    expect(refused(() => checkRequestCheckAnswer({ ...CHECK, sender: { name: "x".repeat(1025) } }, 4096))).toMatch(/^sender\.name is not a text/);
    expect(refused(() => checkRequestCheckAnswer({ ...CHECK, sender: { name: "a", email: "b" } }, 4096))).toBe("sender has fields other than name");
    expect(refused(() => checkRequestStatusAnswer({ ...REQUEST_STATUS, creator: { kind: "admin", name: "x" } }))).toBe("creator.kind is not one of token, sso");
    expect(refused(() => checkRequestStatusAnswer({ ...REQUEST_STATUS, creator: { kind: "token", name: 7 } }))).toMatch(/^creator\.name is not a text/);
    expect(refused(() => checkRequestStatusAnswer({ ...REQUEST_STATUS, creator: { kind: "sso", issuer: "i", subject: "s" } }))).toBe("creator.email is not a text");
  });
});
