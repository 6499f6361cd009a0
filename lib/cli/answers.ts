/**
 * Checks every answer a server gives the CLI against PROTOCOL.md §4 before anything of it is
 * used or printed. The server is whoever the link names, so it may be hostile: a number must
 * be a whole number in range, a time an ISO-8601 UTC time, a state or reason one of its set,
 * an id or ciphertext base64url, an address only address characters. Anything else throws
 * InvalidAnswerError (exit 7), naming the field but never echoing its value. Members this
 * client does not know are left alone (a newer server may add some); they are never printed
 * raw (output.ts escapes them in --json output).
 */
import type { ApiError } from "@/lib/api/client";
import type {
  CheckRequestResponse,
  CheckSecretResponse,
  CollectResponsesResponse,
  CreateRequestResponse,
  RequestEventName,
  RequestGoneReasonName,
  RequestStateName,
  RequestStatusResponse,
  RespondToRequestResponse,
  HealthResponse,
  CreateSecretResponse,
  GoneReasonName,
  RevealSecretResponse,
  SecretEventName,
  SecretStateName,
  SecretStatusResponse,
  ServerConfigResponse,
} from "@/lib/api/wire";

/** The server's answer does not have the shape PROTOCOL.md gives it. */
export class InvalidAnswerError extends Error {
  /** What is wrong, in words that never include the server's value. */
  readonly problem: string;

  constructor(problem: string) {
    super(`invalid answer: ${problem}`);
    this.name = "InvalidAnswerError";
    this.problem = problem;
  }
}

/** Larger than any count, size or duration a real server sends; keeps arithmetic exact. */
export const MAX_ANSWER_INTEGER = 2_147_483_647;
/** More than maxAllowedIps (default 20) or any timeline a real server keeps. */
const MAX_LIST_LENGTH = 10_000;

const STATES: readonly SecretStateName[] = ["active", "viewed", "burned", "expired"];
const GONE_REASONS: readonly GoneReasonName[] = ["viewed", "burned", "attempts", "expired"];
const EVENT_TYPES: readonly SecretEventName[] = [
  "created",
  "viewed",
  "wrong_passphrase",
  "ip_blocked",
  "burned",
];

const REQUEST_STATES: readonly RequestStateName[] = ["open", "answered", "expired", "revoked"];
/** PROTOCOL.md §7: why a request stopped taking answers. */
export const REQUEST_GONE_REASONS: readonly RequestGoneReasonName[] = [
  "expired",
  "revoked",
  "answered",
];
const REQUEST_EVENT_TYPES: readonly RequestEventName[] = [
  "created",
  "responded",
  "collected",
  "revoked",
];
/** An X25519 public key (epk) in base64url. */
const PUBLIC_KEY_CHARS = 43;

/** `2026-11-28T06:30:00.000Z`; an offset is allowed too. Four-digit years only. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** IPv4, IPv6 (also IPv4-mapped) and CIDR forms use nothing else. */
const IP_TEXT = /^[0-9A-Fa-f.:]{2,45}(?:\/\d{1,3})?$/;

type Fields = Record<string, unknown>;

function fields(value: unknown, what: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidAnswerError(`${what} is not a JSON object`);
  }
  return value as Fields;
}

function integer(value: unknown, what: string, min: number): number {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_ANSWER_INTEGER
  ) {
    throw new InvalidAnswerError(
      `${what} is not a whole number from ${min} to ${MAX_ANSWER_INTEGER}`,
    );
  }
  return value;
}

function time(value: unknown, what: string): string {
  if (typeof value !== "string" || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidAnswerError(`${what} is not an ISO-8601 time`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, what: string, set: readonly T[]): T {
  if (typeof value !== "string" || !(set as readonly string[]).includes(value)) {
    throw new InvalidAnswerError(`${what} is not one of ${set.join(", ")}`);
  }
  return value as T;
}

function base64url(value: unknown, what: string, length?: number): string {
  if (
    typeof value !== "string" ||
    !BASE64URL.test(value) ||
    (length !== undefined && value.length !== length)
  ) {
    throw new InvalidAnswerError(
      `${what} is not ${length === undefined ? "" : `${length} characters of `}base64url`,
    );
  }
  return value;
}

/** Longer than any token name or e-mail address this server issues or accepts. */
const MAX_NAME_CHARS = 1024;

function name(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME_CHARS) {
    throw new InvalidAnswerError(`${what} is not a text of 1 to ${MAX_NAME_CHARS} characters`);
  }
  return value;
}

/** PROTOCOL.md §8 `sender: {name}`; the name is the server's text, escaped wherever it is printed. */
function sender(value: unknown): void {
  const body = fields(value, "sender");
  name(body.name, "sender.name");
  if (Object.keys(body).some((key) => key !== "name")) throw new InvalidAnswerError("sender has fields other than name");
}

/** PROTOCOL.md §8 `creator`: a token by its name, or a signed-in user. */
function creator(value: unknown): void {
  const body = fields(value, "creator");
  if (body.kind === "token") {
    name(body.name, "creator.name");
  } else if (body.kind === "sso") {
    name(body.issuer, "creator.issuer");
    name(body.subject, "creator.subject");
    if (typeof body.email !== "string" || body.email.length > MAX_NAME_CHARS) throw new InvalidAnswerError("creator.email is not a text");
  } else {
    throw new InvalidAnswerError("creator.kind is not one of token, sso");
  }
}

function ipText(value: unknown, what: string): string {
  if (typeof value !== "string" || !IP_TEXT.test(value)) {
    throw new InvalidAnswerError(`${what} is not an IP address or CIDR`);
  }
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length > MAX_LIST_LENGTH) {
    throw new InvalidAnswerError(`${what} is not a list`);
  }
  return value;
}

export function checkHealthAnswer(value: unknown): HealthResponse {
  const answer = fields(value, "the health answer");
  oneOf(answer.status, "status", ["ok"]);
  oneOf(answer.store, "store", ["memory", "redis", "redis-cluster", "upstash"]);
  return answer as unknown as HealthResponse;
}

export function checkConfigAnswer(value: unknown): ServerConfigResponse {
  const answer = fields(value, "the config");
  integer(answer.maxCiphertextBytes, "maxCiphertextBytes", 1);
  const minTtl = integer(answer.minTtlSeconds, "minTtlSeconds", 1);
  integer(answer.maxTtlSeconds, "maxTtlSeconds", minTtl);
  integer(answer.maxViews, "maxViews", 1);
  integer(answer.maxAllowedIps, "maxAllowedIps", 0);
  integer(answer.passphraseAttempts, "passphraseAttempts", 1);
  // PROTOCOL.md §6 (v1.1): both optional, a v1 server sends neither.
  if (answer.protocol !== undefined && (typeof answer.protocol !== "string" || !/^\d{1,3}\.\d{1,3}$/.test(answer.protocol))) {
    throw new InvalidAnswerError("protocol is not a version such as 1.1");
  }
  if (answer.revealGraceSeconds !== undefined) integer(answer.revealGraceSeconds, "revealGraceSeconds", 0);
  // PROTOCOL.md §7 (v1.1): absent from a server without requests; the request commands say so.
  if (answer.maxRequestResponses !== undefined) integer(answer.maxRequestResponses, "maxRequestResponses", 1);
  if (answer.maxLabelBytes !== undefined) integer(answer.maxLabelBytes, "maxLabelBytes", 1);
  if (answer.collectWindowSeconds !== undefined) integer(answer.collectWindowSeconds, "collectWindowSeconds", 0);
  return answer as unknown as ServerConfigResponse;
}

/** `sentId` is the id the CLI created: a server that answers with another one is not ours. */
export function checkCreateAnswer(value: unknown, sentId: string): CreateSecretResponse {
  const answer = fields(value, "the create answer");
  if (base64url(answer.id, "id", 22) !== sentId) {
    throw new InvalidAnswerError("id is not the id that was sent");
  }
  time(answer.expiresAt, "expiresAt");
  integer(answer.maxViews, "maxViews", 1);
  return answer as unknown as CreateSecretResponse;
}

export function checkCheckAnswer(value: unknown): CheckSecretResponse {
  const answer = fields(value, "the check answer");
  time(answer.expiresAt, "expiresAt");
  integer(answer.viewsLeft, "viewsLeft", 0);
  return answer as unknown as CheckSecretResponse;
}

export function checkRevealAnswer(value: unknown): RevealSecretResponse {
  const answer = fields(value, "the reveal answer");
  base64url(answer.ciphertext, "ciphertext");
  integer(answer.viewsLeft, "viewsLeft", 0);
  time(answer.expiresAt, "expiresAt");
  return answer as unknown as RevealSecretResponse;
}

export function checkStatusAnswer(value: unknown): SecretStatusResponse {
  const answer = fields(value, "the status");
  base64url(answer.id, "id", 22);
  oneOf(answer.state, "state", STATES);
  time(answer.createdAt, "createdAt");
  time(answer.expiresAt, "expiresAt");
  integer(answer.maxViews, "maxViews", 1);
  integer(answer.viewsLeft, "viewsLeft", 0);
  integer(answer.failedAttempts, "failedAttempts", 0);
  list(answer.allowedIps, "allowedIps").forEach((entry) => ipText(entry, "an allowedIps entry"));
  list(answer.events, "events").forEach((entry) => {
    const event = fields(entry, "an event");
    oneOf(event.type, "an event's type", EVENT_TYPES);
    time(event.at, "an event's time");
    if (event.ip !== undefined) ipText(event.ip, "an event's ip");
  });
  return answer as unknown as SecretStatusResponse;
}

/** Characters of base64url that `bytes` decoded bytes take, at most. */
export function base64urlCharsFor(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** `sent` is what the CLI created: a server that answers for another request is not ours. */
export function checkCreateRequestAnswer(
  value: unknown,
  sent: { id: string; maxResponses: number },
): CreateRequestResponse {
  const answer = fields(value, "the create answer");
  if (base64url(answer.id, "id", 22) !== sent.id) {
    throw new InvalidAnswerError("id is not the id that was sent");
  }
  time(answer.expiresAt, "expiresAt");
  if (integer(answer.maxResponses, "maxResponses", 1) !== sent.maxResponses) {
    throw new InvalidAnswerError("maxResponses is not the number that was sent");
  }
  return answer as unknown as CreateRequestResponse;
}

/**
 * The check answer of a request; `maxLabelBytes` is the server's own limit (a label beyond
 * it is refused before it is decrypted or shown).
 */
export function checkRequestCheckAnswer(value: unknown, maxLabelBytes: number): CheckRequestResponse {
  const answer = fields(value, "the check answer");
  if (answer.label !== undefined) {
    const label = base64url(answer.label, "label");
    if (label.length > base64urlCharsFor(maxLabelBytes)) {
      throw new InvalidAnswerError(`label is larger than the server's maxLabelBytes`);
    }
  }
  time(answer.expiresAt, "expiresAt");
  integer(answer.responsesLeft, "responsesLeft", 0);
  if (answer.sender !== undefined) sender(answer.sender);
  return answer as unknown as CheckRequestResponse;
}

export function checkRespondAnswer(value: unknown): RespondToRequestResponse {
  const answer = fields(value, "the answer to the response");
  integer(answer.n, "n", 1);
  integer(answer.responsesLeft, "responsesLeft", 0);
  return answer as unknown as RespondToRequestResponse;
}

export function checkRequestStatusAnswer(value: unknown): RequestStatusResponse {
  const answer = fields(value, "the status");
  base64url(answer.id, "id", 22);
  oneOf(answer.state, "state", REQUEST_STATES);
  time(answer.createdAt, "createdAt");
  time(answer.expiresAt, "expiresAt");
  const maxResponses = integer(answer.maxResponses, "maxResponses", 1);
  if (integer(answer.responsesLeft, "responsesLeft", 0) > maxResponses) {
    throw new InvalidAnswerError("responsesLeft is more than maxResponses");
  }
  if (integer(answer.pending, "pending", 0) > maxResponses) {
    throw new InvalidAnswerError("pending is more than maxResponses");
  }
  list(answer.events, "events").forEach((entry) => {
    const event = fields(entry, "an event");
    oneOf(event.type, "an event's type", REQUEST_EVENT_TYPES);
    time(event.at, "an event's time");
    if (event.ip !== undefined) ipText(event.ip, "an event's ip");
    if (event.n !== undefined) {
      if (Array.isArray(event.n)) list(event.n, "an event's n").forEach((n) => integer(n, "an event's n", 1));
      else integer(event.n, "an event's n", 1);
    }
  });
  if (answer.creator !== undefined) creator(answer.creator);
  return answer as unknown as RequestStatusResponse;
}

/**
 * The collect answer: answers in strictly rising order of `n`, each `n` at most
 * `maxResponses` (from the status), each ciphertext within the server's maxCiphertextBytes.
 */
export function checkCollectAnswer(
  value: unknown,
  limits: { maxResponses: number; maxCiphertextBytes: number },
): CollectResponsesResponse {
  const answer = fields(value, "the collect answer");
  oneOf(answer.state, "state", REQUEST_STATES);
  let previous = 0;
  list(answer.responses, "responses").forEach((entry) => {
    const response = fields(entry, "an answer");
    const n = integer(response.n, "an answer's n", 1);
    if (n <= previous) throw new InvalidAnswerError("the answers are not in rising order of n");
    if (n > limits.maxResponses) {
      throw new InvalidAnswerError("an answer's n is beyond the request's maxResponses");
    }
    previous = n;
    base64url(response.epk, "an answer's epk", PUBLIC_KEY_CHARS);
    const ciphertext = base64url(response.ciphertext, "an answer's ciphertext");
    if (ciphertext.length > base64urlCharsFor(limits.maxCiphertextBytes)) {
      throw new InvalidAnswerError("an answer's ciphertext is larger than the server's maxCiphertextBytes");
    }
    time(response.at, "an answer's time");
  });
  return answer as unknown as CollectResponsesResponse;
}

/**
 * The members of an error body the CLI uses (PROTOCOL.md §4 and §7: gone `{reason, at}`,
 * wrong_passphrase `{attemptsLeft}`); the code and message were checked by the API client,
 * and the message is escaped wherever it is printed.
 */
export function checkErrorAnswer(
  error: ApiError,
  goneReasons: readonly string[] = GONE_REASONS,
): void {
  const body = error.body;
  if (body === undefined) return;
  if (body.reason !== undefined) oneOf(body.reason, "the gone reason", goneReasons);
  if (body.at !== undefined) time(body.at, "the gone time");
  if (body.attemptsLeft !== undefined) integer(body.attemptsLeft, "attemptsLeft", 0);
}
