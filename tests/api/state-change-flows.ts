/**
 * Real flows that change every kind of state once, for the tests that follow §9 events out
 * of two instances (the audit log, the webhooks): each event of PROTOCOL.md §9 happens, and
 * every value that must never be printed is collected in `forbidden` as it is made.
 */
import { expect } from "vitest";
import { ApiError, createApiClient, type ApiClient } from "@/lib/api/client";
import {
  bytesToBase64url,
  claimVerifier,
  collectLinkProofs,
  manageToken,
  newClaim,
  requestLinkProofs,
  revealProofs,
  sealRequest,
  sealResponse,
  type SealedRequest,
} from "@/lib/crypto";
import type { NextServer } from "../support/next-server";
import { makeSecret, type TestSecret } from "./support";

/** A client whose requests come from `ip` (the servers trust one proxy: TRUST_PROXY=1). */
export function clientFrom(server: NextServer, ip: string): ApiClient {
  return createApiClient(server.url, (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-forwarded-for", ip);
    return fetch(input, { ...init, headers });
  });
}

/** The ApiError a call must end with. */
export async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

/** Everything of a test secret that must never be printed: its id, keys, verifiers and ciphertext. */
export function secretValues({ sealed }: TestSecret): string[] {
  return [
    sealed.id,
    bytesToBase64url(sealed.linkKey),
    bytesToBase64url(sealed.manageKey),
    manageToken(sealed.manageKey),
    sealed.accessVerifier,
    sealed.unlockVerifier,
    sealed.manageVerifier,
    sealed.ciphertext,
  ];
}

/** Creates a secret through `via`, after adding its secretValues to `forbidden`. */
export async function createdSecret(
  via: ApiClient,
  forbidden: string[],
  options: Parameters<typeof makeSecret>[0] = {},
): Promise<TestSecret> {
  const secret = await makeSecret(options);
  forbidden.push(...secretValues(secret));
  await via.createSecret(secret.request);
  return secret;
}

export interface EveryStateChangeOptions {
  insideA: ApiClient;
  insideB: ApiClient;
  /** A client outside the fenced secret's allowlist (203.0.113.0/24). */
  outsideB: ApiClient;
  forbidden: string[];
  passphrase: string;
  wrongPassphrase: string;
  /** Who makes each wrong-passphrase attempt, in order. */
  wrongAttemptsVia: ApiClient[];
  /** Who reveals the fenced secret with a claim, and who repeats that claim. */
  revealVia: ApiClient;
  retryVia: ApiClient;
  requestLabel: string;
  responseText: string;
}

export interface EveryStateChange {
  /** ip_blocked, wrong_passphrase, viewed (plus a claim retry that must record nothing), burned. */
  fenced: TestSecret;
  /** Viewed once, so it must never expire with an event. */
  read: TestSecret;
  /** Never read: expires with views left (secret.expired). */
  unread: TestSecret;
  /** Created, responded, collected, revoked. */
  request: SealedRequest;
  /** Created, then expires unanswered (request.expired). */
  lapsing: SealedRequest;
}

export async function driveEveryStateChange(
  options: EveryStateChangeOptions,
): Promise<EveryStateChange> {
  const { insideA, insideB, outsideB, forbidden } = options;

  const fenced = await createdSecret(insideA, forbidden, {
    passphrase: options.passphrase,
    maxViews: 2,
    allowedIps: ["203.0.113.0/24"],
  });
  const right = await revealProofs(fenced.sealed.linkKey, options.passphrase);
  const wrong = await revealProofs(fenced.sealed.linkKey, options.wrongPassphrase);
  forbidden.push(right.access, right.unlock, wrong.unlock, bytesToBase64url(right.encryptionKey));
  expect((await refusal(outsideB.checkSecret(fenced.sealed.id, right.access))).code).toBe(
    "ip_not_allowed",
  );
  for (const via of options.wrongAttemptsVia) {
    expect(
      (await refusal(via.revealSecret(fenced.sealed.id, wrong.access, wrong.unlock))).code,
    ).toBe("wrong_passphrase");
  }
  const claim = newClaim();
  forbidden.push(claim, claimVerifier(claim));
  const first = await options.revealVia.revealSecret(
    fenced.sealed.id,
    right.access,
    right.unlock,
    claim,
  );
  expect(
    await options.retryVia.revealSecret(fenced.sealed.id, right.access, right.unlock, claim),
  ).toEqual(first);
  await insideA.burnSecret(fenced.sealed.id, manageToken(fenced.sealed.manageKey));

  const read = await createdSecret(insideB, forbidden, { ttlSeconds: 1 });
  const readProofs = await revealProofs(read.sealed.linkKey);
  forbidden.push(readProofs.access, readProofs.unlock);
  await insideA.revealSecret(read.sealed.id, readProofs.access, readProofs.unlock);
  const unread = await createdSecret(insideB, forbidden, { ttlSeconds: 1, maxViews: 3 });

  const request = sealRequest({ label: options.requestLabel });
  const write = requestLinkProofs(request.publicKey);
  const collect = collectLinkProofs(request.collectKey);
  const response = sealResponse({ text: options.responseText }, request.publicKey);
  forbidden.push(
    request.id,
    bytesToBase64url(request.collectKey),
    bytesToBase64url(request.publicKey),
    request.writeVerifier,
    request.collectVerifier,
    request.label!,
    write.write,
    collect.collect,
    response.ciphertext,
  );
  await insideA.createRequest({
    id: request.id,
    writeVerifier: request.writeVerifier,
    collectVerifier: request.collectVerifier,
    label: request.label!,
    ttlSeconds: 3600,
    maxResponses: 2,
  });
  await insideB.respondToRequest(request.id, {
    write: write.write,
    epk: response.epk,
    ciphertext: response.ciphertext,
  });
  expect((await insideA.collectResponses(request.id, collect.collect)).responses).toHaveLength(1);
  await insideB.revokeRequest(request.id, collect.collect);
  const lapsing = sealRequest();
  forbidden.push(
    lapsing.id,
    bytesToBase64url(lapsing.collectKey),
    lapsing.writeVerifier,
    lapsing.collectVerifier,
  );
  await insideB.createRequest({
    id: lapsing.id,
    writeVerifier: lapsing.writeVerifier,
    collectVerifier: lapsing.collectVerifier,
    ttlSeconds: 1,
    maxResponses: 1,
  });

  return { fenced, read, unread, request, lapsing };
}
