/**
 * Per-command cost of the node-redis drivers (issue 15): one deadline per store operation,
 * withDeadline's abort signal, and no AbortSignal.timeout per command on top. node-redis
 * gives every command a 5 s AbortSignal.timeout unless its timeout is 0; each one fires long
 * after the answer came, building a DOMException, for what the signal already does.
 */
import { describe, expect, it, vi } from "vitest";
import type { SecretStore } from "@/lib/store/types";
import { makeSecret, requester } from "./helpers";

export function describeNoCommandTimeouts(name: string, makeStore: () => SecretStore): void {
  describe(`${name} driver's per-call cost`, () => {
    it("makes no AbortSignal.timeout per command: the operation's one deadline is its own (withDeadline)", async () => {
      const store = makeStore();
      try {
        const secret = makeSecret();
        // Also connects (and on a cluster learns the slots): the spy then sees only the check.
        await store.create(secret.input);
        const timeouts = vi.spyOn(AbortSignal, "timeout");
        try {
          const result = await store.check({ id: secret.input.id, accessVerifier: secret.access.verifier, nowMs: Date.now(), requester: requester() });
          expect(result.kind).toBe("ok");
          expect(timeouts).not.toHaveBeenCalled();
        } finally {
          timeouts.mockRestore();
        }
      } finally {
        await store.close();
      }
    });
  });
}
