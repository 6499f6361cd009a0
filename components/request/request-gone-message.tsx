import { formatDateTime } from "@/components/browser/format";
import { Notice } from "@/components/ui/notice";
import type { RequestGone } from "./use-respond";

/** Why a request takes no more answers (410, PROTOCOL.md §7), in the responder's words. */
export function RequestGoneMessage({ gone }: { gone: RequestGone }) {
  const when = gone.at ? formatDateTime(gone.at) : null;
  switch (gone.reason) {
    case "answered":
      return (
        <Notice tone="warning" title="This request has already been answered" testId="request-gone-answered">
          <p>It received all the answers it asked for{when ? ` (the last at ${when})` : ""}, so it takes no more.</p>
          <p className="mt-2 font-medium">
            If you did not answer it yourself, someone else who had the link did: tell the requester, and compare the code they see with the one you
            were shown, if any.
          </p>
        </Notice>
      );
    case "revoked":
      return (
        <Notice tone="warning" title="The requester closed this request" testId="request-gone-revoked">
          It was revoked{when ? ` at ${when}` : ""} by the person who asked, and takes no answers any more. Ask them for a new request link if they still need
          something from you.
        </Notice>
      );
    case "expired":
    default:
      return (
        <Notice tone="warning" title="This request has expired" testId="request-gone-expired">
          It stopped taking answers{when ? ` at ${when}` : ""}. Ask the requester for a new request link; nothing was sent.
        </Notice>
      );
  }
}
