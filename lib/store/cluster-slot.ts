/**
 * The Redis Cluster hash slot of a key (Redis Cluster specification, "Keys distribution
 * model"): CRC16-XMODEM of the key's hash tag (the part between the first `{` and the next
 * `}`, when not empty) or of the whole key, modulo 16384.
 *
 * node-redis computes the same internally but does not export it; the cluster driver needs
 * it to find the node that ran a secret's script (every key of a secret is tagged {id},
 * PROTOCOL.md §5). Pure; no I/O.
 */
import "server-only";

export const CLUSTER_SLOTS = 16384;

/** CRC16 with polynomial 0x1021 and initial value 0 (XMODEM), as Redis's crc16.c. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash tag Redis hashes instead of the key, or the key itself when it has none. */
function hashedPart(key: string): string {
  const open = key.indexOf("{");
  if (open === -1) return key;
  const close = key.indexOf("}", open + 1);
  // "{}" or an unclosed "{" means no tag: the whole key is hashed.
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

/** The slot (0..16383) that owns `key`. */
export function clusterKeySlot(key: string): number {
  return crc16(new TextEncoder().encode(hashedPart(key))) % CLUSTER_SLOTS;
}
