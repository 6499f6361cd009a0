/**
 * Who sent the secret, as the server vouches for it (PROTOCOL.md §8, SHOW_SENDER=1). The
 * name comes from the server, not from the link, so the page says whose word it is; React
 * renders it as text, so markup in a name shows literally.
 */
export function SenderLine({ name }: { name: string }) {
  return (
    <div className="mt-3" data-testid="reveal-sender">
      <p className="font-medium text-zinc-800 dark:text-zinc-200">
        Sent by{" "}
        <span dir="auto" className="break-all" data-testid="reveal-sender-name">
          {name}
        </span>{" "}
        (verified by this server)
      </p>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        This is the server’s word about who created the link, not something the link itself proves.
      </p>
    </div>
  );
}
