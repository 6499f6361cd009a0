"use client";

import { formatDateTime, formatRelative, plural } from "@/components/browser/format";
import { QrSvg } from "@/components/qr/qr-svg";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { LinkBox } from "@/components/ui/link-box";

export interface CreatedSecret {
  shareLink: string;
  manageLink: string;
  expiresAt: string;
  maxViews: number;
  passphrase: boolean;
  allowedIps: string[];
  createdAtMs: number;
}

/** What the creator sees once the ciphertext is stored: the two links and a summary. */
export function ShareResult({ created, onAnother }: { created: CreatedSecret; onAnother: () => void }) {
  return (
    <div className="space-y-6" data-testid="share-result">
      <Card>
        <h2 className="text-lg font-semibold" tabIndex={-1} id="share-heading">
          Your secret link is ready
        </h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Send this link to the recipient. It holds the key, so Burnlink cannot show it to you again.
        </p>
        <div className="mt-4 flex flex-col gap-5 sm:flex-row sm:items-start">
          <div className="min-w-0 flex-1 space-y-4">
            <LinkBox label="Share link" value={created.shareLink} testId="share-link" primary />
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm" data-testid="share-summary">
              <dt className="text-zinc-600 dark:text-zinc-400">Expires</dt>
              <dd>
                {formatDateTime(created.expiresAt)}{" "}
                <span className="text-zinc-600 dark:text-zinc-400">({formatRelative(created.expiresAt, created.createdAtMs)})</span>
              </dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Views</dt>
              <dd>{created.maxViews === 1 ? "1 view, then it is deleted" : `${plural(created.maxViews, "view", "views")}, then it is deleted`}</dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Passphrase</dt>
              <dd>{created.passphrase ? "Yes. Send it through another channel than the link." : "No"}</dd>
              <dt className="text-zinc-600 dark:text-zinc-400">IP restriction</dt>
              <dd className="break-words">
                {created.allowedIps.length > 0 ? <span className="font-mono">{created.allowedIps.join(", ")}</span> : "None"}
              </dd>
            </dl>
          </div>
          <figure className="mx-auto w-44 shrink-0 sm:mx-0">
            <QrSvg value={created.shareLink} label="QR code of the share link" className="w-44 border border-zinc-200 dark:border-zinc-700" />
            <figcaption className="mt-1 text-center text-xs text-zinc-600 dark:text-zinc-400">Drawn in this browser</figcaption>
          </figure>
        </div>
      </Card>

      <Card>
        <h2 className="text-lg font-semibold">Manage link (keep it for yourself)</h2>
        <p className="mt-1 mb-4 text-sm text-zinc-600 dark:text-zinc-400">
          Shows whether the secret has been opened, when and from which network, and lets you burn it before anyone reads it.
          It cannot decrypt the secret. It is also saved in this browser under “Sent from this browser”.
        </p>
        <LinkBox label="Manage link" value={created.manageLink} testId="manage-link" />
      </Card>

      <div className="flex flex-wrap gap-3">
        <Button variant="secondary" onClick={onAnother}>
          Create another
        </Button>
        <a className="inline-flex items-center rounded-lg px-4 py-2 text-sm font-semibold text-orange-800 underline-offset-4 hover:underline dark:text-orange-300"
          href={created.manageLink}
          target="_blank"
          rel="noopener noreferrer"
        >
          Open the manage page in a new tab
        </a>
      </div>
    </div>
  );
}
