"use client";

import { formatDateTime, formatRelative, plural } from "@/components/browser/format";
import { QrSvg } from "@/components/qr/qr-svg";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { LinkBox } from "@/components/ui/link-box";
import { Notice } from "@/components/ui/notice";
import type { CreatedRequest } from "./use-create-request";

/** What the requester sees once the request is stored: the link to send and the link to keep. */
export function RequestResult({ created, onAnother }: { created: CreatedRequest; onAnother: () => void }) {
  return (
    <div className="space-y-6" data-testid="request-result">
      <Card>
        <h2 className="text-lg font-semibold" tabIndex={-1} id="request-heading">
          Your request link is ready
        </h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Send this link to the person who has the secret. Their browser encrypts the answer to a key only your collect link holds: neither the server nor
          anyone who sees this link can read it.
        </p>
        <div className="mt-4 flex flex-col gap-5 sm:flex-row sm:items-start">
          <div className="min-w-0 flex-1 space-y-4">
            <LinkBox label="Request link" value={created.requestLink} testId="request-link" primary />
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm" data-testid="request-summary">
              <dt className="text-zinc-600 dark:text-zinc-400">Takes answers until</dt>
              <dd>
                {formatDateTime(created.expiresAt)}{" "}
                <span className="text-zinc-600 dark:text-zinc-400">({formatRelative(created.expiresAt, created.createdAtMs)})</span>
              </dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Answers</dt>
              <dd>{created.maxResponses === 1 ? "One, then the link stops working" : `Up to ${plural(created.maxResponses, "answer", "answers")}`}</dd>
              <dt className="text-zinc-600 dark:text-zinc-400">Instructions</dt>
              <dd>{created.withInstructions ? "Encrypted; shown to whoever opens the request link" : "None"}</dd>
            </dl>
          </div>
          <figure className="mx-auto w-44 shrink-0 sm:mx-0">
            <QrSvg value={created.requestLink} label="QR code of the request link" className="w-44 border border-zinc-200 dark:border-zinc-700" />
            <figcaption className="mt-1 text-center text-xs text-zinc-600 dark:text-zinc-400">Drawn in this browser</figcaption>
          </figure>
        </div>
      </Card>

      <Card>
        <h2 className="text-lg font-semibold">Collect link (keep it for yourself)</h2>
        <Notice tone="warning" className="mt-3 mb-4" testId="collect-keep">
          <p className="font-semibold">Keep this: it is the only way to read the answers.</p>
          <p className="mt-1">
            It holds the key that decrypts them, and Burnlink cannot show it to you again. Never send it to the person you ask. It is also saved in this
            browser under “Sent from this browser”.
          </p>
        </Notice>
        <LinkBox label="Collect link" value={created.collectLink} testId="collect-link" />
      </Card>

      <div className="flex flex-wrap gap-3">
        <Button variant="secondary" onClick={onAnother}>
          Make another request
        </Button>
        <a
          className="inline-flex items-center rounded-lg px-4 py-2 text-sm font-semibold text-orange-800 underline-offset-4 hover:underline dark:text-orange-300"
          href={created.collectLink}
          target="_blank"
          rel="noopener noreferrer"
        >
          Open the collect page in a new tab
        </a>
      </div>
    </div>
  );
}
