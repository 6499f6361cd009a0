/**
 * Reading the arrays the Lua scripts answer with, for every scripted store (secrets,
 * requests). A reply of the wrong shape is a StoreUnavailableError naming the operation,
 * never a crash or a guess: the store is then misbehaving, not the client.
 */
import "server-only";
import { StoreUnavailableError } from "./types";

export function unexpected(what: string): StoreUnavailableError {
  return new StoreUnavailableError(`The secret store gave an unexpected answer to ${what}`);
}

/** A reply element as a string; Upstash and RESP3 may hand back numbers for integers. */
export function text(reply: unknown[], index: number, what: string): string {
  const value = reply[index];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw unexpected(what);
}

export function whole(reply: unknown[], index: number, what: string): number {
  const value = Number(text(reply, index, what));
  if (!Number.isSafeInteger(value)) throw unexpected(what);
  return value;
}

/** The reply's first element (its outcome) and the whole reply. */
export function outcome(reply: unknown, what: string): [string, unknown[]] {
  if (!Array.isArray(reply) || reply.length === 0 || typeof reply[0] !== "string") throw unexpected(what);
  return [reply[0], reply];
}
