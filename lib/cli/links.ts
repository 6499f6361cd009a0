/**
 * Reads share and manage links (PROTOCOL.md §2) and request and collect links (§7) given on
 * the command line, before any
 * request: a malformed link is a usage error (exit 2) and nothing is sent anywhere. A valid
 * link of the other kind gets a hint naming the command that takes it.
 */
import {
  LinkFormatError,
  parseCollectLink,
  parseManageLink,
  parseRequestLink,
  parseShareLink,
} from "@/lib/crypto";
import { UsageError } from "./errors";

function parses(parse: (link: string) => unknown, link: string): boolean {
  try {
    parse(link);
    return true;
  } catch {
    return false;
  }
}

function malformed(error: unknown): unknown {
  if (!(error instanceof LinkFormatError)) return error;
  const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  return new UsageError(`malformed link: ${message}`, { cause: error });
}

/** A well-formed link of the other kind (request-links.ts words it) is not "malformed". */
function wrongKindOrMalformed(error: unknown): unknown {
  if (!(error instanceof LinkFormatError) || error.reason !== "wrong_kind") return malformed(error);
  const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  return new UsageError(message, { cause: error });
}

/** The hint for a request or collect link given to a command for secrets. */
function requestKindHint(link: string, expected: string): UsageError | undefined {
  if (parses(parseRequestLink, link))
    return new UsageError(`this is a request link, not a ${expected}: answer it with burnlink respond.`);
  if (parses(parseCollectLink, link))
    return new UsageError(`this is a collect link, not a ${expected}: read its answers with burnlink collect.`);
  return undefined;
}

export function readShareLink(link: string): ReturnType<typeof parseShareLink> {
  try {
    return parseShareLink(link);
  } catch (error) {
    if (parses(parseManageLink, link)) {
      throw new UsageError(
        "this is a manage link, not a share link: use it with burnlink status or burnlink burn.",
      );
    }
    throw requestKindHint(link, "share link") ?? malformed(error);
  }
}

/** A request link for `respond`; a collect link is refused with its own message (request-links.ts). */
export function readRequestLink(link: string): ReturnType<typeof parseRequestLink> {
  try {
    return parseRequestLink(link);
  } catch (error) {
    if (parses(parseShareLink, link))
      throw new UsageError("this is a share link for a secret, not a request link: open it with burnlink get.");
    throw wrongKindOrMalformed(error);
  }
}

/** A collect link for `collect`; a request link is refused with its own message. */
export function readCollectLink(link: string): ReturnType<typeof parseCollectLink> {
  try {
    return parseCollectLink(link);
  } catch (error) {
    if (parses(parseShareLink, link))
      throw new UsageError("this is a share link for a secret, not a collect link: open it with burnlink get.");
    throw wrongKindOrMalformed(error);
  }
}

export function readManageLink(link: string): ReturnType<typeof parseManageLink> {
  try {
    return parseManageLink(link);
  } catch (error) {
    if (parses(parseShareLink, link)) {
      throw new UsageError(
        "this is a share link, not a manage link: burnlink get opens it; status and burn need the manage link that burnlink send printed.",
      );
    }
    throw requestKindHint(link, "manage link") ?? malformed(error);
  }
}
