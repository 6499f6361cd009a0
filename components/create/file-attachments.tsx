"use client";

import { useRef, useState, type DragEvent } from "react";
import { formatBytes } from "@/components/browser/format";
import { visibleFileName } from "@/components/browser/files";
import { Button } from "@/components/ui/button";

export interface PickedFile {
  key: string;
  name: string;
  type: string;
  bytes: Uint8Array;
}

/**
 * Drop or pick several files, and the list of those attached. Reading them is the
 * caller's (see use-create-secret.ts), so that a submit can wait for reads in progress.
 */
export function FileAttachments({
  files,
  onPick,
  onRemove,
  reading,
  disabled,
}: {
  files: PickedFile[];
  onPick: (files: File[]) => void;
  onRemove: (key: string) => void;
  /** Whether picked files are still being read. */
  reading: boolean;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  function add(list: FileList | null) {
    if (list && list.length > 0) onPick(Array.from(list));
    if (input.current) input.current.value = "";
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (!disabled) add(event.dataTransfer.files);
  }

  return (
    <div>
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        className={`flex flex-wrap items-center justify-center gap-x-3 gap-y-2 rounded-lg border-2 border-dashed px-4 py-4 text-center text-sm transition-colors ${
          dragging
            ? "border-orange-600 bg-orange-50 dark:bg-orange-950/40"
            : "border-zinc-300 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
        }`}
      >
        <span>Drop files here, or</span>
        <Button disabled={disabled} onClick={() => input.current?.click()}>
          Attach files
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          className="sr-only"
          tabIndex={-1}
          aria-label="Attach files"
          data-testid="file-input"
          onChange={(event) => add(event.target.files)}
        />
      </div>
      {reading ? (
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400" role="status" data-testid="files-reading">
          Reading files…
        </p>
      ) : null}
      {files.length > 0 ? (
        <ul className="mt-3 divide-y divide-zinc-200 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" aria-label="Attached files">
          {files.map((file) => (
            <li key={file.key} className="flex items-center gap-3 px-3 py-2 text-sm">
              <span className="min-w-0 flex-1 truncate font-mono" title={visibleFileName(file.name)}>
                {visibleFileName(file.name)}
              </span>
              <span className="shrink-0 text-zinc-600 tabular-nums dark:text-zinc-400">{formatBytes(file.bytes.length)}</span>
              <Button variant="ghost" size="sm" className="shrink-0" disabled={disabled} onClick={() => onRemove(file.key)} aria-label={`Remove ${visibleFileName(file.name)}`}>
                Remove
              </Button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
