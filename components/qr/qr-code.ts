/**
 * A small QR code encoder (ISO/IEC 18004), byte mode, error correction level M.
 * It exists so the share link's QR code is drawn in the browser: the link holds the
 * key in its fragment, and no QR service may ever see it. Follows the structure of
 * Nayuki's public-domain reference ("QR Code generator library"); versions 1-40.
 */

export interface QrMatrix {
  /** Modules per side (21 for version 1, +4 per version). */
  size: number;
  /** Row-major, true = dark. */
  dark: boolean[];
}

/** Error-correction codewords per block, level M, index = version. */
const ECC_CODEWORDS_PER_BLOCK = [
  -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
/** Error-correction blocks, level M, index = version. */
const ERROR_CORRECTION_BLOCKS = [
  -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
  26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];
/** Format bits of level M (PROTOCOL-independent: ISO 18004 table 12). */
const LEVEL_M_FORMAT_BITS = 0;
const MAX_VERSION = 40;

/** Encodes `text` (as UTF-8 bytes) in the smallest version that holds it; throws when nothing does. */
export function encodeQr(text: string): QrMatrix {
  const data = new TextEncoder().encode(text);
  let version = 1;
  for (; ; version++) {
    if (version > MAX_VERSION) throw new RangeError("Text too long for a QR code");
    const countBits = version < 10 ? 8 : 16;
    if (4 + countBits + data.length * 8 <= dataCodewords(version) * 8 && data.length < 1 << countBits) break;
  }
  const codewords = addEccAndInterleave(dataBits(data, version), version);
  return drawSymbol(codewords, version);
}

function rawDataModules(version: number): number {
  let result = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const alignCount = Math.floor(version / 7) + 2;
    result -= (25 * alignCount - 10) * alignCount - 55;
    if (version >= 7) result -= 36;
  }
  return result;
}

function dataCodewords(version: number): number {
  return (
    Math.floor(rawDataModules(version) / 8) -
    at(ECC_CODEWORDS_PER_BLOCK, version) * at(ERROR_CORRECTION_BLOCKS, version)
  );
}

function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new RangeError(`index ${index} out of range`);
  return value;
}

/** Mode indicator, count, bytes, terminator and pad codewords, as bytes. */
function dataBits(data: Uint8Array, version: number): number[] {
  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(data.length, version < 10 ? 8 : 16);
  for (const byte of data) push(byte, 8);
  const capacityBits = dataCodewords(version) * 8;
  push(0, Math.min(4, capacityBits - bits.length));
  push(0, (8 - (bits.length % 8)) % 8);
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | (bits[i + j] ?? 0);
    bytes.push(byte);
  }
  for (let pad = 0xec; bytes.length < capacityBits / 8; pad ^= 0xec ^ 0x11) bytes.push(pad);
  return bytes;
}

function addEccAndInterleave(data: number[], version: number): number[] {
  const blockCount = at(ERROR_CORRECTION_BLOCKS, version);
  const eccLength = at(ECC_CODEWORDS_PER_BLOCK, version);
  const rawCodewords = Math.floor(rawDataModules(version) / 8);
  const shortBlockCount = blockCount - (rawCodewords % blockCount);
  const shortBlockLength = Math.floor(rawCodewords / blockCount);
  const divisor = reedSolomonDivisor(eccLength);
  const blocks: number[][] = [];
  for (let i = 0, k = 0; i < blockCount; i++) {
    const block = data.slice(k, k + shortBlockLength - eccLength + (i < shortBlockCount ? 0 : 1));
    k += block.length;
    const ecc = reedSolomonRemainder(block, divisor);
    // Short blocks get a placeholder so every block has the same length while interleaving.
    if (i < shortBlockCount) block.push(0);
    blocks.push(block.concat(ecc));
  }
  const result: number[] = [];
  const length = blocks[0]?.length ?? 0;
  for (let i = 0; i < length; i++) {
    blocks.forEach((block, j) => {
      if (i !== shortBlockLength - eccLength || j >= shortBlockCount) result.push(block[i] ?? 0);
    });
  }
  return result;
}

function gfMultiply(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z;
}

function reedSolomonDivisor(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      result[j] = gfMultiply(result[j] ?? 0, root);
      if (j + 1 < degree) result[j] = (result[j] ?? 0) ^ (result[j + 1] ?? 0);
    }
    root = gfMultiply(root, 0x02);
  }
  return result;
}

function reedSolomonRemainder(data: readonly number[], divisor: readonly number[]): number[] {
  const result = divisor.map(() => 0);
  for (const byte of data) {
    const factor = byte ^ (result.shift() ?? 0);
    result.push(0);
    divisor.forEach((coefficient, i) => {
      result[i] = (result[i] ?? 0) ^ gfMultiply(coefficient, factor);
    });
  }
  return result;
}

function drawSymbol(codewords: number[], version: number): QrMatrix {
  const size = version * 4 + 17;
  const dark = new Array<boolean>(size * size).fill(false);
  const reserved = new Array<boolean>(size * size).fill(false);
  const set = (x: number, y: number, value: boolean) => {
    dark[y * size + x] = value;
    reserved[y * size + x] = true;
  };

  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ] as const) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const distance = Math.max(Math.abs(dx), Math.abs(dy));
        const x = cx + dx;
        const y = cy + dy;
        if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, distance !== 2 && distance !== 4);
      }
    }
  }
  const positions = alignmentPositions(version, size);
  const last = positions.length - 1;
  positions.forEach((px, i) => {
    positions.forEach((py, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) set(px + dx, py + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    });
  });
  drawFormatBits(set, size, 0);
  if (version >= 7) drawVersionBits(set, size, version);

  let bit = 0;
  const totalBits = codewords.length * 8;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vertical = 0; vertical < size; vertical++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const upward = ((right + 1) & 2) === 0;
        const y = upward ? size - 1 - vertical : vertical;
        if (!reserved[y * size + x] && bit < totalBits) {
          dark[y * size + x] = (((codewords[bit >>> 3] ?? 0) >>> (7 - (bit & 7))) & 1) === 1;
          bit++;
        }
      }
    }
  }

  let bestMask = 0;
  let bestPenalty = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    const candidate = applyMask(dark, reserved, size, mask);
    drawFormatBits((x, y, value) => (candidate[y * size + x] = value), size, mask);
    const score = penalty(candidate, size);
    if (score < bestPenalty) {
      bestPenalty = score;
      bestMask = mask;
    }
  }
  const result = applyMask(dark, reserved, size, bestMask);
  drawFormatBits((x, y, value) => (result[y * size + x] = value), size, bestMask);
  return { size, dark: result };
}

function alignmentPositions(version: number, size: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = Math.floor((version * 8 + count * 3 + 5) / (count * 4 - 4)) * 2;
  const result = [6];
  for (let position = size - 7; result.length < count; position -= step) result.splice(1, 0, position);
  return result;
}

type Setter = (x: number, y: number, value: boolean) => void;

function drawFormatBits(set: Setter, size: number, mask: number) {
  const data = (LEVEL_M_FORMAT_BITS << 3) | mask;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  const bits = ((data << 10) | remainder) ^ 0x5412;
  const bitAt = (i: number) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) set(8, i, bitAt(i));
  set(8, 7, bitAt(6));
  set(8, 8, bitAt(7));
  set(7, 8, bitAt(8));
  for (let i = 9; i < 15; i++) set(14 - i, 8, bitAt(i));
  for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bitAt(i));
  for (let i = 8; i < 15; i++) set(8, size - 15 + i, bitAt(i));
  set(8, size - 8, true);
}

function drawVersionBits(set: Setter, size: number, version: number) {
  let remainder = version;
  for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
  const bits = (version << 12) | remainder;
  for (let i = 0; i < 18; i++) {
    const value = ((bits >>> i) & 1) === 1;
    const a = size - 11 + (i % 3);
    const b = Math.floor(i / 3);
    set(a, b, value);
    set(b, a, value);
  }
}

function maskBit(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}

function applyMask(dark: readonly boolean[], reserved: readonly boolean[], size: number, mask: number): boolean[] {
  return dark.map((value, index) => {
    if (reserved[index]) return value;
    return value !== maskBit(mask, index % size, Math.floor(index / size));
  });
}

/** ISO 18004 §7.8.3 penalty rules N1-N4; the mask with the lowest score scans most reliably. */
function penalty(dark: readonly boolean[], size: number): number {
  const get = (x: number, y: number) => dark[y * size + x] === true;
  let score = 0;
  const finderLike = [true, false, true, true, true, false, true];
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < size; a++) {
      const line: boolean[] = [];
      for (let b = 0; b < size; b++) line.push(pass === 0 ? get(b, a) : get(a, b));
      let run = 1;
      for (let b = 1; b <= size; b++) {
        if (b < size && line[b] === line[b - 1]) {
          run++;
        } else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      for (let b = 0; b + 7 <= size; b++) {
        if (!finderLike.every((value, k) => line[b + k] === value)) continue;
        const lightBefore = b >= 4 && [1, 2, 3, 4].every((k) => line[b - k] === false);
        const lightAfter = b + 11 <= size && [7, 8, 9, 10].every((k) => line[b + k] === false);
        if (lightBefore || lightAfter) score += 40;
      }
    }
  }
  for (let y = 0; y + 1 < size; y++) {
    for (let x = 0; x + 1 < size; x++) {
      const value = get(x, y);
      if (value === get(x + 1, y) && value === get(x, y + 1) && value === get(x + 1, y + 1)) score += 3;
    }
  }
  const darkCount = dark.filter(Boolean).length;
  const percent = (darkCount * 100) / (size * size);
  score += 10 * Math.floor(Math.abs(percent - 50) / 5);
  return score;
}

/** One SVG path ("M x y h1 v1 h-1 z" per dark module), offset by a quiet zone of `margin` modules. */
export function qrPath(matrix: QrMatrix, margin: number): string {
  const parts: string[] = [];
  for (let y = 0; y < matrix.size; y++) {
    for (let x = 0; x < matrix.size; x++) {
      if (matrix.dark[y * matrix.size + x]) parts.push(`M${x + margin} ${y + margin}h1v1h-1z`);
    }
  }
  return parts.join("");
}
