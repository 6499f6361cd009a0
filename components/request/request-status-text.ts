import type { RequestStatusResponse } from "@/lib/api/wire";
import { plural } from "@/components/browser/format";

/** Tones shared with the secrets' sent list (components/create/sent-list.tsx). */
const TONE = {
  waiting: "text-emerald-800 dark:text-emerald-300",
  ready: "text-sky-800 dark:text-sky-300",
  closed: "text-zinc-600 dark:text-zinc-400",
  revoked: "text-red-800 dark:text-red-300",
} as const;

/**
 * A request's status in one line for the requester: whether answers wait to be collected
 * comes first, because answers are deleted once the collect window ends (PROTOCOL.md §7).
 */
export function describeRequestStatus(status: RequestStatusResponse): { text: string; tone: string } {
  const waiting = status.pending > 0 ? `${plural(status.pending, "answer", "answers")} waiting to be collected` : null;
  switch (status.state) {
    case "open":
      return waiting
        ? { text: `${waiting}; open for ${plural(status.responsesLeft, "more answer", "more answers")}`, tone: TONE.ready }
        : { text: "Waiting for an answer", tone: TONE.waiting };
    case "answered":
      return waiting ? { text: `Answered: ${waiting}`, tone: TONE.ready } : { text: "Answered; nothing left to collect", tone: TONE.closed };
    case "expired":
      return waiting ? { text: `Expired: ${waiting}`, tone: TONE.ready } : { text: "Expired", tone: TONE.closed };
    case "revoked":
      return { text: "Revoked", tone: TONE.revoked };
  }
}
