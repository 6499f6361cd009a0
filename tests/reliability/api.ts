/**
 * The client side of the reliability tests: secrets sealed the way the browser seals
 * them (lib/crypto) and timed JSON calls to the real server. Imports nothing that
 * starts processes, so Playwright specs can use it too.
 */
import { accessProof, manageToken, revealProofs, sealSecret, type SealedSecret } from "@/lib/crypto";
import type { CreateSecretRequest } from "@/lib/api/wire";

/** Settings every test server gets: no rate limits (the races are bursts from one address on purpose). */
export const BASE_ENV: Record<string, string> = {
  RATE_LIMIT_CREATE_PER_MINUTE: "0",
  RATE_LIMIT_READ_PER_MINUTE: "0",
  RATE_LIMIT_MANAGE_PER_MINUTE: "0",
  // The passphrase races send dozens of wrong passphrases from one address on purpose.
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "0",
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "0",
};

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** Wall-clock duration of the whole exchange, body included. */
  ms: number;
}

/** A JSON exchange; a network failure or a non-JSON answer is reported as status 0. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers["content-type"] = "application/json";
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
      ms: performance.now() - started,
    };
  } catch (error) {
    return { status: 0, body: { error: String(error) }, ms: performance.now() - started };
  }
}

export interface TestSecret {
  text: string;
  maxViews: number;
  sealed: SealedSecret;
  create: CreateSecretRequest;
  /** The proofs a link holder sends (PBKDF2 already done when there is a passphrase). */
  access: string;
  unlock: string;
  encryptionKey: Uint8Array;
  manage: string;
}

/** Seals `text` as a client would and derives the proofs a recipient will send. */
export async function makeSecret(
  text: string,
  options: { maxViews?: number; ttlSeconds?: number; passphrase?: string } = {},
): Promise<TestSecret> {
  const passphrase = options.passphrase === undefined ? {} : { passphrase: options.passphrase };
  const sealed = await sealSecret({ text }, passphrase);
  const proofs = await revealProofs(sealed.linkKey, options.passphrase);
  const maxViews = options.maxViews ?? 1;
  return {
    text,
    maxViews,
    sealed,
    create: {
      id: sealed.id,
      ciphertext: sealed.ciphertext,
      accessVerifier: sealed.accessVerifier,
      unlockVerifier: sealed.unlockVerifier,
      manageVerifier: sealed.manageVerifier,
      ttlSeconds: options.ttlSeconds ?? 3600,
      maxViews,
    },
    access: proofs.access,
    unlock: proofs.unlock,
    encryptionKey: proofs.encryptionKey,
    manage: manageToken(sealed.manageKey),
  };
}

export function createSecret(baseUrl: string, secret: TestSecret): Promise<Answer> {
  return request(baseUrl, "POST", "/api/secrets", { json: secret.create });
}

/** A reveal; with `claim` (PROTOCOL.md §6) a retry of the same attempt sends the same one. */
export function revealSecret(baseUrl: string, secret: TestSecret, unlock = secret.unlock, claim?: string): Promise<Answer> {
  return request(baseUrl, "POST", `/api/secrets/${secret.sealed.id}/reveal`, {
    json: claim === undefined ? { access: secret.access, unlock } : { access: secret.access, unlock, claim },
  });
}

/**
 * A v1.1 client's reveal attempt (PROTOCOL.md §6): a 503 or a network failure is retried
 * with the same claim and backoff, for at most `forMs`; resolves with the first other answer
 * and how many were retried.
 */
export async function revealWithClaim(
  baseUrl: string,
  secret: TestSecret,
  claim: string,
  forMs = 60_000,
): Promise<{ answer: Answer; retried: number }> {
  const deadline = Date.now() + forMs;
  let backoffMs = 100;
  for (let retried = 0; ; retried++) {
    const answer = await revealSecret(baseUrl, secret, secret.unlock, claim);
    if ((answer.status !== 503 && answer.status !== 0) || Date.now() > deadline) return { answer, retried };
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
    backoffMs = Math.min(backoffMs * 2, 2_000);
  }
}

export function checkSecret(baseUrl: string, secret: TestSecret): Promise<Answer> {
  return request(baseUrl, "POST", `/api/secrets/${secret.sealed.id}/check`, {
    json: { access: accessProof(secret.sealed.linkKey).access },
  });
}

export function secretStatus(baseUrl: string, secret: TestSecret): Promise<Answer> {
  return request(baseUrl, "GET", `/api/secrets/${secret.sealed.id}`, { headers: { authorization: `Bearer ${secret.manage}` } });
}

