// The one-line status of a request in "Sent from this browser": answers waiting to be
// collected come first, because they are deleted when the collect window ends.
import { describe, expect, it } from "vitest";
import type { RequestStatusResponse } from "@/lib/api/wire";
import { describeRequestStatus } from "@/components/request/request-status-text";

function status(state: RequestStatusResponse["state"], pending: number, responsesLeft = 0): RequestStatusResponse {
  return {
    id: "A".repeat(22),
    state,
    createdAt: "2026-01-01T12:00:00.000Z",
    expiresAt: "2026-01-02T12:00:00.000Z",
    maxResponses: 3,
    responsesLeft,
    pending,
    events: [],
  };
}

describe("describeRequestStatus", () => {
  it.each([
    ["open", 0, 3, "Waiting for an answer"],
    ["open", 1, 2, "1 answer waiting to be collected; open for 2 more answers"],
    ["answered", 2, 0, "Answered: 2 answers waiting to be collected"],
    ["answered", 0, 0, "Answered; nothing left to collect"],
    ["expired", 1, 0, "Expired: 1 answer waiting to be collected"],
    ["expired", 0, 0, "Expired"],
    ["revoked", 0, 0, "Revoked"],
  ] as const)("a %s request with %i pending, %i left, reads: %s", (state, pending, left, text) => {
    expect(describeRequestStatus(status(state, pending, left)).text).toBe(text);
  });
});
