/**
 * Client work in Chromium: seal + upload and reveal + open of 1 KiB, 100 KiB and 1 MiB
 * secrets, and one PBKDF2 derivation (600,000 iterations), against the running server.
 *
 * Method: tests/bench/browser-entry.ts (the pages' own calls into lib/crypto and
 * lib/api/client, bundled and minified by esbuild) is served as a blank page at the app's
 * origin through Playwright's request routing, so its fetches go to the real API and the
 * real store. The React UI is not in the clock: only the work the pages hand to lib/crypto
 * and the network.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { CHROMIUM_LAUNCH_OPTIONS } from "../support/chromium";
import { chromium } from "playwright-core";
import { TOOLS_DIR } from "./processes";

export const CLIENT_SIZES = [
  { label: "1 KiB", bytes: 1024, runs: 15 },
  { label: "100 KiB", bytes: 100 * 1024, runs: 9 },
  { label: "1 MiB", bytes: 1024 * 1024, runs: 7 },
] as const;
const DERIVE_RUNS = 3;

export interface Timing {
  label: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median of the crypto part alone: sealSecret for seal + upload, openSecret for reveal + open. */
  cryptoMedianMs?: number;
}

export interface ClientWork {
  chromiumVersion: string;
  seal: Timing[];
  reveal: Timing[];
  pbkdf2: Timing;
}

interface BenchPage {
  sealAndUpload(bytes: number): Promise<{ ms: number; partMs: number; linkKey: string }>;
  revealAndOpen(linkKey: string): Promise<{ ms: number; partMs: number }>;
  derivePassphraseKey(): Promise<{ ms: number }>;
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;
}

function timing(label: string, samples: number[], cryptoSamples?: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const result: Timing = {
    label,
    runs: sorted.length,
    medianMs: median(samples),
    minMs: sorted[0] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
  if (cryptoSamples) result.cryptoMedianMs = median(cryptoSamples);
  return result;
}

export async function measureClientWork(baseUrl: string): Promise<ClientWork> {
  const script = readFileSync(path.join(TOOLS_DIR, "browser-entry.js"), "utf8");
  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage();
    await page.route(`${baseUrl}/__bench`, (route) =>
      route.fulfill({ contentType: "text/html", body: `<!doctype html><title>bench</title><script>${script}</script>` }),
    );
    await page.goto(`${baseUrl}/__bench`);
    const seal: Timing[] = [];
    const reveal: Timing[] = [];
    for (const size of CLIENT_SIZES) {
      const sealMs: number[] = [];
      const sealCryptoMs: number[] = [];
      const revealMs: number[] = [];
      const openMs: number[] = [];
      // One extra, discarded round first: JIT warm-up and the first connection.
      for (let run = 0; run <= size.runs; run++) {
        const sealed = await page.evaluate(
          (bytes) => (globalThis as unknown as { burnlinkBench: BenchPage }).burnlinkBench.sealAndUpload(bytes),
          size.bytes,
        );
        const opened = await page.evaluate(
          (linkKey) => (globalThis as unknown as { burnlinkBench: BenchPage }).burnlinkBench.revealAndOpen(linkKey),
          sealed.linkKey,
        );
        if (run === 0) continue;
        sealMs.push(sealed.ms);
        sealCryptoMs.push(sealed.partMs);
        revealMs.push(opened.ms);
        openMs.push(opened.partMs);
      }
      seal.push(timing(size.label, sealMs, sealCryptoMs));
      reveal.push(timing(size.label, revealMs, openMs));
    }
    const deriveMs: number[] = [];
    for (let run = 0; run < DERIVE_RUNS; run++) {
      const derived = await page.evaluate(() => (globalThis as unknown as { burnlinkBench: BenchPage }).burnlinkBench.derivePassphraseKey());
      deriveMs.push(derived.ms);
    }
    return { chromiumVersion: browser.version(), seal, reveal, pbkdf2: timing("PBKDF2-SHA-256, 600,000 iterations", deriveMs) };
  } finally {
    await browser.close();
  }
}
