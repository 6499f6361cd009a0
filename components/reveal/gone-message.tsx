import type { GoneReasonName } from "@/lib/api/wire";
import { formatDateTime } from "@/components/browser/format";
import { Notice } from "@/components/ui/notice";

/** What happened to a secret whose ciphertext is gone (410), in the recipient's words. */
export function GoneMessage({ reason, at }: { reason: GoneReasonName | undefined; at: string | undefined }) {
  const when = at ? formatDateTime(at) : null;
  switch (reason) {
    case "viewed":
      return (
        <Notice tone="warning" title="This secret has already been viewed" testId="gone-viewed">
          <p>
            It was opened{when ? ` at ${when}` : ""} and then deleted from the server, so it cannot be shown again.
          </p>
          <p className="mt-2 font-medium">
            If this was not you, assume the link was intercepted: tell the sender, so they can change the secret.
          </p>
        </Notice>
      );
    case "burned":
      return (
        <Notice tone="warning" title="The sender burned this secret" testId="gone-burned">
          It was deleted by the person who shared it{when ? `, at ${when}` : ""}, before it was opened. Ask them to send it again if you still need it.
        </Notice>
      );
    case "attempts":
      return (
        <Notice tone="warning" title="Destroyed after too many wrong passphrases" testId="gone-attempts">
          The secret was deleted{when ? ` at ${when}` : ""} because the passphrase was entered wrongly too many times. Ask the sender for a new link,
          and for the passphrase through another channel.
        </Notice>
      );
    case "expired":
    default:
      return (
        <Notice tone="warning" title="This secret has expired" testId="gone-expired">
          It expired{when ? ` at ${when}` : ""} without being opened, and the server deleted it. Ask the sender to share it again.
        </Notice>
      );
  }
}
