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

let nextKey = 0;

/**
 * Drop or pick several files. Each is read into memory right away (it will be encrypted
 * as a whole anyway), except when it alone is already over the server's limit: then it is
 * refused without reading it. The limit is awaited, so a pick made before /api/config
 * answered is still checked.
 */
export function FileAttachments({
  files,
  onAdd,
  onRemove,
  onRefuse,
  limit,
  disabled,
}: {
  files: PickedFile[];
  onAdd: (files: PickedFile[]) => void;
  onRemove: (key: string) => void;
  onRefuse: (message: string) => void;
  /** The server's maximum ciphertext size in bytes, or null when it is unknown. */
  limit: () => Promise<number | null>;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  async function add(list: FileList | null) {
    if (!list || list.length === 0) return;
    const picked = Array.from(list);
    const maxBytes = await limit();
    const accepted: PickedFile[] = [];
    const refused: string[] = [];
    for (const file of picked) {
      if (maxBytes !== null && file.size > maxBytes) {
        refused.push(`“${visibleFileName(file.name)}” (${formatBytes(file.size)})`);
        continue;
      }
      accepted.push({ key: `f${++nextKey}`, name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) });
    }
    if (accepted.length > 0) onAdd(accepted);
    if (refused.length > 0 && maxBytes !== null) {
      onRefuse(`${refused.join(", ")} ${refused.length === 1 ? "is" : "are"} larger than this server accepts (${formatBytes(maxBytes)} in all). Send a smaller file, or split it.`);
    }
    if (input.current) input.current.value = "";
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (!disabled) void add(event.dataTransfer.files);
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
          onChange={(event) => void add(event.target.files)}
        />
      </div>
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
