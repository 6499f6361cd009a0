/**
 * Runs in Chromium (bundled by tests/bench/run.mjs for the browser): the same calls the
 * create and reveal pages make (components/create/create-secret.tsx,
 * components/reveal/reveal-secret.tsx) with the same lib/crypto and lib/api/client, timed
 * with performance.now(). Content is built before the clock starts. Each call also reports
 * its crypto part alone (sealSecret; openSecret), so the network and server share shows.
 */
import { createApiClient } from "@/lib/api/client";
import {
  base64urlToBytes,
  bytesToBase64url,
  envelopeSize,
  generateLinkKey,
  openSecret,
  passphraseKey,
  revealProofs,
  saltFromLinkKey,
  sealSecret,
  type SecretContent,
} from "@/lib/crypto";

const api = createApiClient("");

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  return bytes;
}

/** Text for 1 KiB (a typical note), a file for larger secrets; padded envelope exactly `bytes`. */
function contentOf(bytes: number): SecretContent {
  const make = (length: number): SecretContent =>
    bytes <= 1024
      ? { text: "x".repeat(length) }
      : { files: [{ name: "bench.bin", type: "application/octet-stream", bytes: randomBytes(length) }] };
  let low = 0;
  let high = bytes;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (envelopeSize(make(middle)) <= bytes) low = middle;
    else high = middle - 1;
  }
  return make(low);
}

async function sealAndUpload(bytes: number): Promise<{ ms: number; partMs: number; linkKey: string }> {
  const content = contentOf(bytes);
  const start = performance.now();
  const sealed = await sealSecret(content);
  const sealedAt = performance.now();
  await api.createSecret({
    id: sealed.id,
    ciphertext: sealed.ciphertext,
    accessVerifier: sealed.accessVerifier,
    unlockVerifier: sealed.unlockVerifier,
    manageVerifier: sealed.manageVerifier,
    ttlSeconds: 600,
    maxViews: 1,
  });
  return { ms: performance.now() - start, partMs: sealedAt - start, linkKey: bytesToBase64url(sealed.linkKey) };
}

async function revealAndOpen(linkKey: string): Promise<{ ms: number; partMs: number }> {
  const key = base64urlToBytes(linkKey, 32);
  const start = performance.now();
  const proofs = await revealProofs(key);
  const answer = await api.revealSecret(proofs.id, proofs.access, proofs.unlock);
  const answeredAt = performance.now();
  openSecret(answer.ciphertext, proofs.encryptionKey);
  const end = performance.now();
  return { ms: end - start, partMs: end - answeredAt };
}

async function derivePassphraseKey(): Promise<{ ms: number }> {
  const salt = saltFromLinkKey(generateLinkKey());
  const start = performance.now();
  await passphraseKey("correct horse battery staple", salt);
  return { ms: performance.now() - start };
}

(globalThis as Record<string, unknown>).burnlinkBench = { sealAndUpload, revealAndOpen, derivePassphraseKey };
