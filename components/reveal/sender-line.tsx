/**
 * Who sent the secret, or who asks for one (PROTOCOL.md §8, SHOW_SENDER=1), as the server
 * vouches for it. The name comes from the server, not from the link, so the page says whose
 * word it is; React renders it as text, so markup in a name shows literally. The reveal page
 * and the responder page (components/request/respond-flow.tsx) share it, each with its verb.
 */
export function SenderLine({ name, lead = "Sent by", testId = "reveal-sender" }: { name: string; lead?: "Sent by" | "Requested by"; testId?: string }) {
  return (
    <div className="mt-3" data-testid={testId}>
      <p className="font-medium text-zinc-800 dark:text-zinc-200">
        {lead}{" "}
        <span dir="auto" className="break-all" data-testid={`${testId}-name`}>
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
