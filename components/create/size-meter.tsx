import { formatBytes } from "@/components/browser/format";

/** How large the content will be once encrypted, against the server's limit; also used when answering a request. */
export function SizeMeter({ id, size, limit }: { id: string; size: number | null; limit: number | null }) {
  const overLimit = size !== null && limit !== null && size > limit;
  return (
    <p id={id} className={`mt-3 text-xs ${overLimit ? "font-semibold text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-400"}`} data-testid="size-meter">
      {size === null
        ? "Encrypted in this browser before anything is sent."
        : limit === null
          ? `${formatBytes(size)} once encrypted.`
          : overLimit
            ? `${formatBytes(size)} once encrypted: over this server’s limit of ${formatBytes(limit)}.`
            : `${formatBytes(size)} of ${formatBytes(limit)} once encrypted (small secrets are padded to the same size).`}
    </p>
  );
}
