/**
 * Every failure the CLI reports becomes one CliError: one line for stderr that names the
 * problem and what to do, and an exit code from exit-codes.ts. Messages never contain the
 * link key, the manage key, a passphrase or plaintext: stderr may end up in a CI log.
 */
import { ApiError } from "@/lib/api/client";
import { BurnlinkCryptoError, DecryptError, EnvelopeError, LinkFormatError } from "@/lib/crypto";
import { EXIT, type ExitCode } from "./exit-codes";
import { InvalidAnswerError } from "./answers";
import { formatTime, printable } from "./output";

export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** A mistake on the command line (exit 2); `burnlink COMMAND --help` shows the right form. */
export class UsageError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(EXIT.usage, message, options);
    this.name = "UsageError";
  }
}

/** What the CLI was doing when the server answered, so not_found can say the right thing. */
export type Action =
  | "send"
  | "get"
  | "check"
  | "status"
  | "burn"
  | "admin"
  | "request"
  | "respond"
  | "collect";

/** The calls on a request (PROTOCOL.md §7), whose messages speak of requests and answers. */
function isRequestAction(action: Action): boolean {
  return action === "request" || action === "respond" || action === "collect";
}

export interface ErrorContext {
  action: Action;
  /** The server's origin, named in network and availability messages. */
  origin?: string;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function apiErrorToCliError(error: ApiError, context: ErrorContext): CliError {
  const server = context.origin ?? "the server";
  const at = error.body?.at ? ` (${formatTime(error.body.at)})` : "";
  switch (error.code) {
    case "network_error":
      return new CliError(
        EXIT.unavailable,
        `cannot reach ${server}: ${error.message}. Check the address and that the server is running.`,
      );
    case "store_unavailable":
      return new CliError(
        EXIT.unavailable,
        `${server} is unavailable right now (its storage is down); try again in a minute.`,
      );
    case "internal_error":
      return new CliError(EXIT.unavailable, `${server} had an internal error; try again later.`);
    case "not_found":
      if (context.action === "admin") return new CliError(EXIT.notFound, `${server} has no live token with this id.`);
      if (context.action === "respond")
        return new CliError(
          EXIT.notFound,
          "no such request: the link is wrong or incomplete, or the request ended long ago. Ask the requester for a new request link.",
        );
      if (context.action === "collect")
        return new CliError(
          EXIT.notFound,
          "no request for this collect link: the link is wrong or incomplete, or the request and its answers have expired.",
        );
      return new CliError(
        EXIT.notFound,
        context.action === "status" || context.action === "burn"
          ? "no secret for this manage link: the link is wrong or incomplete, or the record has expired."
          : "no such secret: the link is wrong or incomplete, or the secret expired long ago. Ask the sender for a new link.",
      );
    case "gone":
      return new CliError(
        EXIT.notFound,
        isRequestAction(context.action)
          ? requestGoneMessage(error.body?.reason, at)
          : goneMessage(error.body?.reason, at),
      );
    case "wrong_passphrase": {
      const left = error.body?.attemptsLeft;
      if (left === 0) {
        return new CliError(
          EXIT.wrongPassphrase,
          "wrong passphrase: that was the last attempt, so the secret is now destroyed. Ask the sender for a new link.",
        );
      }
      const remaining =
        left === undefined
          ? ""
          : `; ${plural(left, "attempt")} left before the secret is destroyed`;
      return new CliError(
        EXIT.wrongPassphrase,
        `wrong passphrase${remaining}. Check the passphrase with the sender.`,
      );
    }
    case "ip_not_allowed":
      return new CliError(
        EXIT.refused,
        "refused: this secret opens only from certain IP addresses, and yours is not one of them. Ask the sender to allow your address.",
      );
    case "rate_limited":
      return new CliError(
        EXIT.refused,
        `refused: too many requests to ${server}; wait a minute and try again.`,
      );
    case "too_large":
      return new CliError(
        EXIT.refused,
        context.action === "request"
          ? `refused: the instructions are too long for ${server}; shorten --label.`
          : `refused: the ${context.action === "respond" ? "answer" : "secret"} is too large for ${server}; send less, or split it.`,
      );
    case "invalid_request":
      return new CliError(
        EXIT.usage,
        `${server} rejected the request: ${printable(error.body?.message ?? error.message)}`,
      );
    case "id_taken":
      return new CliError(
        EXIT.other,
        `${server} already holds a ${context.action === "request" ? "request" : "secret"} with this id (this should never happen); run the command again.`,
      );
    case "auth_required":
      return new CliError(
        EXIT.refused,
        context.action === "admin"
          ? `refused: ${server} did not accept the admin token; set BURNLINK_TOKEN or use --token-file with an admin-scoped token.`
          : `refused: ${server} lets only authorised senders create ${context.action === "request" ? "requests" : "secrets"}; set BURNLINK_TOKEN or use --token-file with a valid, unexpired token.`,
      );
    case "forbidden":
      return new CliError(EXIT.refused, `refused by ${server}: ${error.body?.message ?? error.message}`);
    case "method_not_allowed":
    case "unsupported_media_type":
      return new CliError(
        EXIT.other,
        `${server} does not answer like a Burnlink server (${error.code}); check the address.`,
      );
    default:
      return new CliError(
        EXIT.other,
        `${server} answered ${error.status}: ${printable(error.message)}`,
      );
  }
}

function goneMessage(reason: string | undefined, at: string): string {
  switch (reason) {
    case "viewed":
      return `gone: this secret was already viewed${at}. If that was not you, someone else opened the link: tell the sender.`;
    case "burned":
      return `gone: the sender burned this secret${at}. Ask them for a new link.`;
    case "attempts":
      return `gone: this secret was destroyed after too many wrong passphrases${at}. Ask the sender for a new link.`;
    case "expired":
      return `gone: this secret expired${at}. Ask the sender for a new link.`;
    default:
      return `gone: this secret no longer exists${at}. Ask the sender for a new link.`;
  }
}

/** PROTOCOL.md §7: a request stops taking answers when it expires, is revoked or is answered. */
function requestGoneMessage(reason: string | undefined, at: string): string {
  switch (reason) {
    case "answered":
      return `gone: this request has already received every answer it asked for${at}. If you did not answer it, someone else did: tell the requester.`;
    case "revoked":
      return `gone: the requester withdrew this request${at}; nothing was sent. Ask them for a new request link.`;
    case "expired":
      return `gone: this request expired${at}; nothing was sent. Ask the requester for a new request link.`;
    default:
      return `gone: this request no longer takes answers${at}. Ask the requester for a new request link.`;
  }
}

/** Turns anything thrown while running a command into a CliError; never loses the exit code. */
export function toCliError(error: unknown, context: ErrorContext): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof InvalidAnswerError) {
    return new CliError(
      EXIT.invalidAnswer,
      `${context.origin ?? "the server"} sent an invalid answer (${error.problem}); it does not answer like a Burnlink server, so nothing of it was used.`,
      { cause: error },
    );
  }
  if (error instanceof ApiError) return apiErrorToCliError(error, context);
  if (error instanceof LinkFormatError) {
    return new UsageError(`malformed link: ${error.message}`, { cause: error });
  }
  if ((error instanceof DecryptError || error instanceof EnvelopeError) && isRequestAction(context.action)) {
    return new CliError(
      EXIT.invalidAnswer,
      `${context.origin ?? "the server"} sent data that does not decrypt with this link, so nothing of it was used; check the link with the requester.`,
      { cause: error },
    );
  }
  if (error instanceof DecryptError || error instanceof EnvelopeError) {
    return new CliError(
      EXIT.other,
      "could not decrypt the secret: the data from the server does not match this link. Ask the sender for a new link.",
      { cause: error },
    );
  }
  if (error instanceof BurnlinkCryptoError) {
    return new CliError(EXIT.other, error.message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(EXIT.other, `unexpected error: ${message}`, { cause: error });
}
