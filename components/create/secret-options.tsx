"use client";

import { useId } from "react";
import { formatDuration } from "@/components/browser/format";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Hint, TextInput } from "@/components/ui/field";
import { Segmented } from "@/components/ui/segmented";
import { AllowlistField } from "./allowlist-field";

/** Expiry, views, passphrase and the IP allowlist: the options card of the create form. */
export function SecretOptions({
  disabled,
  expiryOptions,
  ttlSeconds,
  onExpiry,
  viewOptions,
  maxViews,
  onViews,
  passphrase,
  onPassphrase,
  showPassphrase,
  onShowPassphrase,
  passphraseAttempts,
  allowlist,
  onAllowlist,
  maxAllowedIps,
}: {
  disabled: boolean;
  expiryOptions: number[];
  ttlSeconds: number;
  onExpiry: (seconds: number) => void;
  viewOptions: number[];
  maxViews: number;
  onViews: (views: number) => void;
  passphrase: string;
  onPassphrase: (value: string) => void;
  showPassphrase: boolean;
  onShowPassphrase: (show: boolean) => void;
  /** null until the server's limits are known. */
  passphraseAttempts: number | null;
  allowlist: string;
  onAllowlist: (value: string) => void;
  maxAllowedIps: number;
}) {
  const passphraseId = useId();
  return (
    <Card>
      <h2 className="sr-only">Options</h2>
      <div className="grid gap-6 sm:grid-cols-2">
        <Segmented
          legend="Expires after"
          name="expiry"
          disabled={disabled}
          value={ttlSeconds}
          onChange={onExpiry}
          options={expiryOptions.map((seconds) => ({
            value: seconds,
            label: formatDuration(seconds),
          }))}
        />
        <Segmented
          legend="Can be opened"
          name="views"
          disabled={disabled}
          value={maxViews}
          onChange={onViews}
          options={viewOptions.map((count) => ({
            value: count,
            label: count === 1 ? "Once" : `${count} times`,
          }))}
        />
      </div>
      <div className="mt-6">
        <label htmlFor={passphraseId} className="mb-1 block text-sm font-medium">
          Passphrase{" "}
          <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
        </label>
        <div className="flex gap-2">
          <TextInput
            id={passphraseId}
            type={showPassphrase ? "text" : "password"}
            value={passphrase}
            disabled={disabled}
            onChange={(event) => onPassphrase(event.target.value)}
            autoComplete="new-password"
            spellCheck={false}
            aria-describedby={`${passphraseId}-hint`}
            data-testid="passphrase"
          />
          <Button
            onClick={() => onShowPassphrase(!showPassphrase)}
            aria-pressed={showPassphrase}
            className="shrink-0"
          >
            {showPassphrase ? "Hide" : "Show"}
          </Button>
        </div>
        <Hint id={`${passphraseId}-hint`}>
          The recipient needs it as well as the link. Send it through another channel (a call,
          another app), never with the link.
          {passphraseAttempts !== null
            ? ` After ${passphraseAttempts} wrong tries the secret is destroyed.`
            : ""}
        </Hint>
      </div>
      <details className="mt-6 group" data-testid="advanced">
        <summary className="w-fit rounded text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Advanced: restrict by IP address
        </summary>
        <div className="mt-3">
          <AllowlistField
            value={allowlist}
            onChange={onAllowlist}
            maxEntries={maxAllowedIps}
            disabled={disabled}
          />
        </div>
      </details>
    </Card>
  );
}
