"use client";

import { useState } from "react";
import type { MySecretBody } from "@/lib/api/wire";
import { formatDateTime } from "@/components/browser/format";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { useMySecrets, type BurnOutcome } from "./use-my-secrets";

const STATE_LABEL: Record<MySecretBody["state"], string> = {
  active: "Waiting",
  viewed: "Viewed",
  burned: "Burned",
  expired: "Expired",
};

function outcomeText(outcome: BurnOutcome): string {
  if (outcome.kind === "burned_all") {
    return outcome.count === 0 ? "Nothing to burn: none of your secrets was still active." : `Burned ${outcome.count} active secret${outcome.count === 1 ? "" : "s"}.`;
  }
  if (outcome.kind === "burned_one") return "Burned. That link no longer opens.";
  return outcome.message;
}

function SecretRow({ secret, busy, onBurn }: { secret: MySecretBody; busy: boolean; onBurn: (id: string) => void }) {
  return (
    <tr className="border-t border-zinc-200 dark:border-zinc-800" data-testid="my-secret-row">
      <td className="py-2 pr-3 font-mono text-xs">{secret.id.slice(0, 8)}…</td>
      <td className="py-2 pr-3" data-testid="my-secret-state">
        {STATE_LABEL[secret.state]}
      </td>
      <td className="py-2 pr-3">{secret.state === "active" ? `${secret.viewsLeft} of ${secret.maxViews} left` : `0 of ${secret.maxViews} left`}</td>
      <td className="py-2 pr-3">
        <time dateTime={secret.createdAt}>{formatDateTime(secret.createdAt)}</time>
      </td>
      <td className="py-2 pr-3">
        <time dateTime={secret.expiresAt}>{formatDateTime(secret.expiresAt)}</time>
      </td>
      <td className="py-2 text-right">
        {secret.state === "active" ? (
          <Button size="sm" variant="danger" disabled={busy} onClick={() => onBurn(secret.id)} aria-label={`Burn secret ${secret.id.slice(0, 8)}`}>
            Burn
          </Button>
        ) : null}
      </td>
    </tr>
  );
}

/** The signed-in creator's secrets (issue 13 §5): state, views, expiry, burn one, burn all. */
export function MySecrets() {
  const { load, busy, outcome, burnOne, burnAll } = useMySecrets();
  const [confirming, setConfirming] = useState(false);

  if (load.kind === "loading") return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading your secrets…</p>;
  if (load.kind === "signed_out") return <Notice tone="warning" title="You are signed out">Sign in again to see your secrets.</Notice>;
  if (load.kind === "failed") return <Notice tone="error" title="Could not load your secrets">{load.message}</Notice>;

  const active = load.secrets.filter((secret) => secret.state === "active").length;
  return (
    <div className="space-y-6">
      {outcome ? (
        <Notice tone={outcome.kind === "failed" ? "error" : "success"} testId="burn-outcome">
          {outcomeText(outcome)}
        </Notice>
      ) : null}
      <Card>
        <h2 className="text-lg font-semibold">Incident response</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          A link leaked, or a device was lost? Burn everything still waiting: every active link stops working at once.
        </p>
        <div className="mt-4">
          {confirming ? (
            <div className="space-y-3" role="group" aria-label="Confirm burning all">
              <p className="text-sm font-medium">
                Burn all {active} active secret{active === 1 ? "" : "s"} now? Their ciphertexts are deleted at once. This cannot be undone.
              </p>
              <div className="flex flex-wrap gap-3">
                <Button
                  variant="danger"
                  disabled={busy}
                  autoFocus
                  data-testid="burn-all-confirm"
                  onClick={() => {
                    setConfirming(false);
                    void burnAll();
                  }}
                >
                  Yes, burn them all
                </Button>
                <Button disabled={busy} onClick={() => setConfirming(false)}>
                  Keep them
                </Button>
              </div>
            </div>
          ) : (
            <Button variant="danger" disabled={busy || active === 0} onClick={() => setConfirming(true)} data-testid="burn-all">
              Burn all my active secrets
            </Button>
          )}
        </div>
      </Card>
      <Card>
        <h2 className="mb-3 text-lg font-semibold">Your secrets</h2>
        {load.secrets.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="my-secrets-empty">
            Nothing here yet. Secrets you create while signed in are listed until their record expires.
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="my-secrets">
              <caption className="sr-only">Secrets you created, newest first</caption>
              <thead className="text-zinc-600 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="pb-2 pr-3 font-medium">Id</th>
                  <th scope="col" className="pb-2 pr-3 font-medium">State</th>
                  <th scope="col" className="pb-2 pr-3 font-medium">Views</th>
                  <th scope="col" className="pb-2 pr-3 font-medium">Created</th>
                  <th scope="col" className="pb-2 pr-3 font-medium">Expires</th>
                  <th scope="col" className="pb-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.secrets.map((secret) => (
                  <SecretRow key={secret.id} secret={secret} busy={busy} onBurn={(id) => void burnOne(id)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="mt-4 text-xs text-zinc-600 dark:text-zinc-400">
          The server holds no key or link to these secrets: open their manage links for the timeline.
        </p>
      </Card>
    </div>
  );
}
