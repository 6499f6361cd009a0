"use client";

import { useCallback, useEffect, useState } from "react";
import type { MySecretBody } from "@/lib/api/wire";
import { api, isApiError } from "@/components/browser/api";

/** What the My secrets page shows: one stage at a time, never loading and failed at once. */
export type MySecretsLoad =
  | { kind: "loading" }
  | { kind: "ok"; secrets: MySecretBody[] }
  | { kind: "signed_out" }
  | { kind: "failed"; message: string };

/** The last burn's outcome, for the status line. */
export type BurnOutcome = { kind: "burned_all"; count: number } | { kind: "burned_one" } | { kind: "failed"; message: string };

function messageOf(error: unknown): string {
  return isApiError(error) ? error.message : "The server could not be reached.";
}

/**
 * State for "My secrets" (issue 13 §5): the list from GET /api/me/secrets (the session
 * cookie goes with the same-origin fetch), a burn per row and one call that burns all.
 */
export function useMySecrets() {
  const [load, setLoad] = useState<MySecretsLoad>({ kind: "loading" });
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<BurnOutcome | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      setLoad({ kind: "ok", secrets: (await api.mySecrets()).secrets });
    } catch (error) {
      setLoad(isApiError(error) && error.code === "auth_required" ? { kind: "signed_out" } : { kind: "failed", message: messageOf(error) });
    }
  }, []);

  useEffect(() => {
    // The first load, once the page has hydrated; every later one follows a burn.
    void Promise.resolve().then(refresh);
  }, [refresh]);

  const run = useCallback(
    async (action: () => Promise<BurnOutcome>) => {
      setBusy(true);
      try {
        setOutcome(await action());
      } catch (error) {
        setOutcome({ kind: "failed", message: messageOf(error) });
      } finally {
        await refresh();
        setBusy(false);
      }
    },
    [refresh],
  );

  const burnOne = useCallback(
    (id: string) =>
      run(async () => {
        await api.burnMySecret(id);
        return { kind: "burned_one" };
      }),
    [run],
  );

  const burnAll = useCallback(
    () =>
      run(async () => {
        const { burned } = await api.burnAllMySecrets();
        return { kind: "burned_all", count: burned };
      }),
    [run],
  );

  return { load, busy, outcome, burnOne, burnAll };
}
