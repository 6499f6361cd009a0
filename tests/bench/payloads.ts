/**
 * What the API load sends, made with the real lib/crypto: 1 KiB padded envelopes sealed
 * into real ciphertexts, and secrets stored ahead of the check and reveal runs through the
 * real Redis driver (lib/store), so every request finds a live secret.
 *
 * Sealing one secret per request in the load generator would cost more CPU than the server
 * spends on it (the generator shares the two cores with the server), so create bodies draw
 * their ciphertext and verifiers from a pool of real sealed secrets and get a fresh,
 * never-used id each: the server cannot tell (it never sees K), and stores the same bytes.
 */
import { randomBytes } from "node:crypto";
import {
  bytesToBase64url,
  envelopeSize,
  generateLinkKey,
  revealProofs,
  sealSecret,
  verifierOf,
  type SealedSecret,
} from "@/lib/crypto";
import { createRedisStore } from "@/lib/store";

/** The padded envelope size of the API runs. */
export const ENVELOPE_BYTES = 1024;
export const MAX_VIEWS = 10;
export const TTL_SECONDS = 3600;

/** The longest ASCII text whose padded envelope is exactly `bytes` (a full 1 KiB secret). */
export function textFilling(bytes: number): string {
  let length = 0;
  while (envelopeSize({ text: "x".repeat(length + 1) }) <= bytes) length++;
  return randomBytes(length).toString("base64url").slice(0, length);
}

export async function sealedPool(count: number): Promise<SealedSecret[]> {
  const text = textFilling(ENVELOPE_BYTES);
  const pool: SealedSecret[] = [];
  for (let index = 0; index < count; index++) pool.push(await sealSecret({ text }));
  return pool;
}

/** Ids that no earlier run used: 8 random bytes of this run and an 8-byte counter, as b64u (canonical, 22 characters). */
export function idFactory(): () => string {
  const bytes = Buffer.alloc(16);
  randomBytes(8).copy(bytes);
  let counter = 0n;
  return () => {
    bytes.writeBigUInt64BE(counter++, 8);
    return bytes.toString("base64url");
  };
}

export function createBody(sealed: SealedSecret, id: string): string {
  return JSON.stringify({
    id,
    ciphertext: sealed.ciphertext,
    accessVerifier: sealed.accessVerifier,
    unlockVerifier: sealed.unlockVerifier,
    manageVerifier: sealed.manageVerifier,
    ttlSeconds: TTL_SECONDS,
    maxViews: MAX_VIEWS,
  });
}

/** SHA512(proof)[0..32] of a b64u proof, b64u: what the server stores and compares. */
export function verifierOfProof(proof: string): string {
  return bytesToBase64url(verifierOf(Buffer.from(proof, "base64url")));
}

export interface StoredSecret {
  id: string;
  access: string;
  unlock: string;
}

/**
 * Stores `count` secrets (maxViews 10, own link key each, so own id and proofs) through the
 * real Redis driver, and returns what check and reveal requests need.
 */
export async function storeSecrets(redisUrl: string, count: number, ciphertexts: SealedSecret[]): Promise<StoredSecret[]> {
  const store = createRedisStore({ url: redisUrl, commandTimeoutMs: 10_000 });
  const stored: StoredSecret[] = [];
  try {
    // Connected before the batches start, so no operation has to wait for the connection.
    await store.ping();
    const batch = 200;
    for (let start = 0; start < count; start += batch) {
      const writes: Promise<unknown>[] = [];
      for (let index = start; index < Math.min(count, start + batch); index++) {
        const proofs = await revealProofs(generateLinkKey());
        const sealed = ciphertexts[index % ciphertexts.length];
        if (!sealed) throw new Error("the ciphertext pool is empty");
        stored.push({ id: proofs.id, access: proofs.access, unlock: proofs.unlock });
        writes.push(
          store
            .create({
              id: proofs.id,
              ciphertext: sealed.ciphertext,
              accessVerifier: verifierOfProof(proofs.access),
              unlockVerifier: verifierOfProof(proofs.unlock),
              manageVerifier: sealed.manageVerifier,
              ttlSeconds: TTL_SECONDS,
              maxViews: MAX_VIEWS,
              attemptsLimit: 5,
              allowedIps: [],
              allowedPrefixes: [],
              retentionSeconds: 7 * 24 * 3600,
              nowMs: Date.now(),
              requester: { ipHex: "00000000000000000000ffff7f000001", auditIp: "127.0.0.0/24" },
            })
            .then((result) => {
              if (result.kind !== "created") throw new Error(`could not store a bench secret: ${result.kind}`);
            }),
        );
      }
      await Promise.all(writes);
    }
  } finally {
    await store.close();
  }
  return stored;
}
