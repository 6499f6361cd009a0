/**
 * Builders for the store contract: random ids and proofs with their verifiers
 * (PROTOCOL.md §1, computed here with node:crypto so these tests do not depend
 * on lib/crypto), canonical 128-bit address forms, and a polling wait.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IpPrefix, NewSecret, Requester } from "@/lib/store/types";

export interface Proof {
  /** What a client sends (b64u); must never be stored. */
  proof: string;
  /** SHA-512(proof)[0..32] as b64u: what the store keeps. */
  verifier: string;
}

export function makeProof(): Proof {
  const proof = randomBytes(32);
  return {
    proof: proof.toString("base64url"),
    verifier: createHash("sha512").update(proof).digest().subarray(0, 32).toString("base64url"),
  };
}

export function randomId(): string {
  return randomBytes(16).toString("base64url");
}

/** The canonical hex of an IPv4 address: mapped into ::ffff:0:0/96. */
export function v4Hex(address: string): string {
  const octets = address.split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not IPv4: ${address}`);
  }
  return "00000000000000000000ffff" + octets.map((o) => o.toString(16).padStart(2, "0")).join("");
}

/** The hex of an IPv6 address ("::" allowed, no embedded IPv4). */
export function v6Hex(address: string): string {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill("0"), ...right];
  if (groups.length !== 8) throw new Error(`not IPv6: ${address}`);
  return groups.map((g) => g.padStart(4, "0").toLowerCase()).join("");
}

/** An allowlist entry for "a.b.c.d/n" or "v6/n" (no length = a single address). */
export function prefixOf(entry: string): IpPrefix {
  const [address = "", length] = entry.split("/");
  if (address.includes(":")) return { network: v6Hex(address), prefixLength: length === undefined ? 128 : Number(length) };
  return { network: v4Hex(address), prefixLength: 96 + (length === undefined ? 32 : Number(length)) };
}

export function requester(ipHex = v4Hex("198.51.100.7"), auditIp?: string): Requester {
  return auditIp === undefined ? { ipHex } : { ipHex, auditIp };
}

export interface TestSecret {
  input: NewSecret;
  access: Proof;
  unlock: Proof;
  manage: Proof;
  /** A fake b64u ciphertext, distinct per secret. */
  ciphertext: string;
}

export function makeSecret(overrides: Partial<NewSecret> = {}): TestSecret {
  const access = makeProof();
  const unlock = makeProof();
  const manage = makeProof();
  const ciphertext = randomBytes(1100).toString("base64url");
  const allowedIps = overrides.allowedIps ?? [];
  const input: NewSecret = {
    id: randomId(),
    ciphertext,
    accessVerifier: access.verifier,
    unlockVerifier: unlock.verifier,
    manageVerifier: manage.verifier,
    ttlSeconds: 3600,
    maxViews: 1,
    attemptsLimit: 5,
    allowedIps,
    allowedPrefixes: allowedIps.map(prefixOf),
    retentionSeconds: 7 * 24 * 3600,
    idTombstoneSeconds: 90 * 24 * 3600,
    nowMs: Date.now(),
    requester: requester(v4Hex("192.0.2.1"), "192.0.2.0/24"),
    ...overrides,
  };
  return { input, access, unlock, manage, ciphertext: input.ciphertext };
}

/**
 * Polls `probe` until it returns a value other than undefined. Polling is the
 * synchronisation here (the condition is re-checked each round), never a bare sleep.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
