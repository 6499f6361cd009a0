import "server-only";
import type { SenderBody } from "@/lib/api/wire";
import type { Creator } from "@/lib/store/types";

/** PROTOCOL.md §8: the token's name, or the signed-in user's verified email (else their subject). */
export function senderOf(creator: Creator): SenderBody {
  if (creator.kind === "token") return { name: creator.name };
  return { name: creator.email !== "" ? creator.email : creator.subject };
}
