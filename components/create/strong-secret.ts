/** Random secrets from the CSPRNG, without modulo bias. */

export const CHARACTER_SETS = {
  lowercase: { label: "a–z", chars: "abcdefghijklmnopqrstuvwxyz" },
  uppercase: { label: "A–Z", chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
  digits: { label: "0–9", chars: "0123456789" },
  symbols: { label: "!#%…", chars: "!#$%&()*+,-./:;<=>?@[]^_{|}~" },
} as const;

export type CharacterSetName = keyof typeof CHARACTER_SETS;

export const MIN_GENERATED_LENGTH = 8;
export const MAX_GENERATED_LENGTH = 128;

/** A uniformly random index below `n`, by rejection sampling over 32-bit values. */
function randomIndex(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const value = buffer[0] ?? 0;
    if (value < limit) return value % n;
  }
}

/**
 * `length` characters drawn uniformly from the union of `sets`, redrawn until every chosen
 * set appears (so "digits" really means at least one digit).
 */
export function generateSecret(length: number, sets: readonly CharacterSetName[]): string {
  if (sets.length === 0) throw new RangeError("Choose at least one character set");
  const alphabet = sets.map((name) => CHARACTER_SETS[name].chars).join("");
  for (;;) {
    let result = "";
    for (let i = 0; i < length; i++) result += alphabet[randomIndex(alphabet.length)];
    const complete =
      length < sets.length || sets.every((name) => [...CHARACTER_SETS[name].chars].some((c) => result.includes(c)));
    if (complete) return result;
  }
}

/** Bits of entropy of a secret drawn from these sets (ignoring the every-set rule's tiny loss). */
export function entropyBits(length: number, sets: readonly CharacterSetName[]): number {
  const size = sets.reduce((sum, name) => sum + CHARACTER_SETS[name].chars.length, 0);
  return size > 1 ? Math.floor(length * Math.log2(size)) : 0;
}
