"use client";

import { useId, useState } from "react";
import type { SecretContent } from "@/lib/crypto";
import { downloadBytes, hiddenCharacters, safeFileName, visibleFileName } from "@/components/browser/files";
import { formatBytes } from "@/components/browser/format";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { inputClass } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

const MIN_ROWS = 3;
const MAX_ROWS = 18;

/** The decrypted secret: text read-only with copy and hide, files as downloads. Text only, never HTML. */
export function RevealedContent({ content }: { content: SecretContent }) {
  const [hidden, setHidden] = useState(false);
  const textId = useId();
  const text = content.text;
  const files = content.files ?? [];
  const unusual = text === undefined ? [] : hiddenCharacters(text);
  const rows = Math.min(MAX_ROWS, Math.max(MIN_ROWS, (text ?? "").split("\n").length + 1));

  return (
    <div className="space-y-5">
      {text !== undefined ? (
        <div>
          <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
            <label htmlFor={textId} className="text-sm font-medium">
              Secret
            </label>
            <div className="flex gap-2">
              <Button size="sm" onClick={() => setHidden((value) => !value)} aria-pressed={hidden}>
                {hidden ? "Show" : "Hide"}
              </Button>
              <CopyButton text={text} label="Copy" variant="primary" size="sm" />
            </div>
          </div>
          {unusual.length > 0 ? (
            <Notice tone="warning" className="mb-2" testId="revealed-text-warning">
              This text holds invisible or direction-changing characters ({unusual.join(", ")}), so it may not be what it looks like: a
              number or a name can read differently from the characters it is made of. Check it with the sender before you rely on it.
            </Notice>
          ) : null}
          {hidden ? (
            <div id={textId} className={`${inputClass} flex min-h-20 items-center justify-center text-zinc-600 dark:text-zinc-400`}>
              Hidden. Press Show to see it again.
            </div>
          ) : (
            <textarea
              id={textId}
              readOnly
              value={text}
              rows={rows}
              spellCheck={false}
              translate="no"
              className={`${inputClass} resize-y font-mono leading-relaxed`}
              data-testid="revealed-text"
            />
          )}
        </div>
      ) : null}
      {files.length > 0 ? (
        <div>
          <h2 className="mb-2 text-sm font-medium">{files.length === 1 ? "Attached file" : `${files.length} attached files`}</h2>
          <ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" data-testid="revealed-files">
            {files.map((file, index) => (
              <li key={index} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2.5 text-sm" data-testid="revealed-file">
                <span className="min-w-0 flex-1 break-all font-mono" translate="no" data-testid="revealed-file-name">
                  {visibleFileName(file.name)}
                </span>
                <span className="text-zinc-600 tabular-nums dark:text-zinc-400">{formatBytes(file.bytes.length)}</span>
                <Button size="sm" onClick={() => downloadBytes(file.bytes, file.name)} aria-label={`Download ${safeFileName(file.name)}`}>
                  Download
                </Button>
              </li>
            ))}
          </ul>
          <p className="mt-1.5 text-xs text-zinc-600 dark:text-zinc-400">
            Files are saved as downloads, never opened in this page. Open them only if you expected them.
          </p>
        </div>
      ) : null}
    </div>
  );
}
