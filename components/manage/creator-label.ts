import type { CreatorBody } from "@/lib/api/wire";

/**
 * PROTOCOL.md §8: who this server recorded as the creator of a secret or a request, for the
 * manage and collect pages; callers render it as text, never markup.
 */
export function creatorLabel(creator: CreatorBody): string {
  if (creator.kind === "token") return `API token "${creator.name}"`;
  return `${creator.email !== "" ? creator.email : creator.subject} (signed in)`;
}
