/**
 * Reads share and manage links given on the command line (PROTOCOL.md §2), before any
 * request: a malformed link is a usage error (exit 2) and nothing is sent anywhere. A valid
 * link of the other kind gets a hint naming the command that takes it.
 */
import { LinkFormatError, parseManageLink, parseShareLink } from "@/lib/crypto";
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

export function readShareLink(link: string): ReturnType<typeof parseShareLink> {
  try {
    return parseShareLink(link);
  } catch (error) {
    if (parses(parseManageLink, link)) {
      throw new UsageError(
        "this is a manage link, not a share link: use it with burnlink status or burnlink burn.",
      );
    }
    throw malformed(error);
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
    throw malformed(error);
  }
}
