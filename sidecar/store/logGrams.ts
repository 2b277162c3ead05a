// A chunk's search summary: a bitmap of the trigrams its bytes contain (ASCII letters folded
// to lower case, as the search folds them), one bit per trigram hash. A search text can be
// in the chunk only if every one of its trigrams' bits is set, so most chunks are skipped
// without reading their bytes; a chunk that passes is still scanned, so results stay exact.
// The bitmap has about one bit per four bytes of the chunk (a power of two, at least 1,024
// and at most 65,536 bits: 128 B–8 KiB, ~3 % of the chunk above 4 KiB). A chunk of 256 KiB
// of build output has a few thousand distinct trigrams, which set a few percent of the bits,
// so a text of ten letters (eight trigrams) lets through almost no chunk that lacks it.
// Pure: no I/O. Stored in log_grams (schema.ts, migration 8) by logIndex.ts.

export const GRAM_BITS_MIN = 1024;
export const GRAM_BITS_MAX = 65536;

/** ASCII A–Z to a–z, every other byte as it is: what Needle matches case-insensitively. */
export const LOWER = new Uint8Array(256).map((_, i) => (i >= 0x41 && i <= 0x5a ? i + 0x20 : i));

/** Fibonacci hashing: the top bits of the product are well mixed, whatever the width. */
const GOLDEN = 0x9e3779b1;

/** The bitmap of `bytes`' trigrams. Its length (a power of two, in bytes) tells the width. */
export function gramsOf(bytes: Uint8Array): Buffer {
  let bits = GRAM_BITS_MIN;
  while (bits * 4 < bytes.length && bits < GRAM_BITS_MAX) bits *= 2;
  const map = Buffer.alloc(bits >> 3);
  const shift = 32 - Math.log2(bits);
  // The first two positions see a zero in place of the bytes before the chunk: two extra
  // bits at most, which can only let a chunk through, never skip it.
  let gram = 0;
  for (let i = 0; i < bytes.length; i++) {
    gram = ((gram << 8) | LOWER[bytes[i]!]!) & 0xffffff;
    const bit = Math.imul(gram, GOLDEN) >>> shift;
    map[bit >> 3]! |= 1 << (bit & 7);
  }
  return map;
}

/**
 * The hashes of a search text's trigrams (the text already lower-cased as `gramsOf` folds
 * it), or null when it has fewer than three bytes: then no chunk can be skipped.
 */
export function needleGrams(lower: Uint8Array): Uint32Array | null {
  if (lower.length < 3) return null;
  const hashes = new Set<number>();
  for (let i = 2; i < lower.length; i++) {
    const gram = (lower[i - 2]! << 16) | (lower[i - 1]! << 8) | lower[i]!;
    hashes.add(Math.imul(gram, GOLDEN) >>> 0);
  }
  return Uint32Array.from(hashes);
}

/** False only when the chunk summarised by `map` cannot contain the text of `hashes`. */
export function mayContain(map: Uint8Array, hashes: Uint32Array): boolean {
  const bits = map.length * 8;
  // A summary of another width than gramsOf writes (damaged, or a future format): no verdict.
  if (bits < GRAM_BITS_MIN || bits > GRAM_BITS_MAX || (bits & (bits - 1)) !== 0) return true;
  const shift = 32 - Math.log2(bits);
  for (let i = 0; i < hashes.length; i++) {
    const bit = hashes[i]! >>> shift;
    if ((map[bit >> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
