/**
 * The per-creator index of issue 13 §5: who an owner is and where their index lives.
 *
 * Guarantees: an owner is an API token's kid or a signed-in user's issuer + subject, never
 * an email; the index key carries only SHA-256 of that identity, under its own hash tag
 * (`<prefix>:owner:{<sha256 hex>}:secrets`), so neither the kid nor the user's identity
 * appears in a key name. On a cluster the index therefore lives in another slot than the
 * secrets it lists: it is written and pruned by separate calls (best effort), while every
 * decision about a secret (is it this owner's? burn it) is taken in the secret's own slot
 * against the creator recorded in its metadata.
 */
import "server-only";
import { createHash } from "node:crypto";
import type { Creator, Owner } from "./types";

const KID = /^[A-Za-z0-9]{8}$/;
/** Issuers are URLs and subjects at most 255 ASCII characters (OpenID Connect Core §2). */
const MAX_IDENTITY_CHARS = 2048;

/** Refuses an owner the server side should never have built (a programming error). */
export function assertOwner(owner: Owner): void {
  if (owner.kind === "token") {
    if (!KID.test(owner.kid)) throw new TypeError("A token owner needs an 8-character kid");
    return;
  }
  for (const part of [owner.issuer, owner.subject]) {
    if (typeof part !== "string" || part === "" || part.length > MAX_IDENTITY_CHARS) {
      throw new TypeError("A signed-in owner needs a non-empty issuer and subject");
    }
  }
}

/** The two identity fields the scripts compare with the recorded creator ("" when unused). */
export function ownerFields(owner: Owner): [kind: string, first: string, second: string] {
  return owner.kind === "token" ? ["token", owner.kid, ""] : ["sso", owner.issuer, owner.subject];
}

/** SHA-256 hex of the owner's identity; JSON keeps issuer and subject apart unambiguously. */
export function ownerHash(owner: Owner): string {
  return createHash("sha256").update(JSON.stringify(ownerFields(owner)), "utf8").digest("hex");
}

export function ownerIndexKey(prefix: string, owner: Owner): string {
  return `${prefix}:owner:{${ownerHash(owner)}}:secrets`;
}

/** The owner a creator stands for, or undefined (a token creator recorded without its kid). */
export function ownerOfCreator(creator: Creator): Owner | undefined {
  if (creator.kind === "sso") return { kind: "sso", issuer: creator.issuer, subject: creator.subject };
  return creator.kid !== undefined && KID.test(creator.kid) ? { kind: "token", kid: creator.kid } : undefined;
}

/** True when the recorded creator is this owner: the memory driver's form of the scripts' owned_by. */
export function isOwnedBy(creator: Creator | undefined, owner: Owner): boolean {
  if (!creator) return false;
  if (owner.kind === "token") return creator.kind === "token" && creator.kid === owner.kid;
  return creator.kind === "sso" && creator.issuer === owner.issuer && creator.subject === owner.subject;
}
