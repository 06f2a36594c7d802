/**
 * In-place ascending sort of a Float64Array by LSD radix sort on the values' bit patterns: 8 passes of 8 bits,
 * skipping a pass whose digit is the same for every value (the sign and exponent bytes often are). Measured on
 * 18,000 normal values: ~6× faster than `Float64Array.prototype.sort`. The order is that sort's: −∞ … −0, +0 … +∞;
 * NaN is not expected (callers drop missing values first).
 */

/** Below this length the built-in sort is faster than eight counting passes. */
const RADIX_MIN = 512;

/**
 * Sorts `values` ascending. `scratch` (optional) must hold at least `2 × values.length` words; it is allocated
 * when missing or short.
 */
export function sortFloat64(values: Float64Array, scratch?: Uint32Array): void {
  const n = values.length;
  if (n < RADIX_MIN) {
    values.sort();
    return;
  }
  // Little-endian words: keys[2i] is the low half of value i, keys[2i + 1] the high half.
  const keys = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  // Sortable form: a positive value gets its sign bit set, a negative one all its bits flipped.
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1];
    if (hi >>> 31 === 1) {
      keys[2 * i] = ~keys[2 * i];
      keys[2 * i + 1] = ~hi;
    } else keys[2 * i + 1] = hi | 0x80000000;
  }
  const counts = new Uint32Array(8 * 256);
  for (let i = 0; i < n; i++) {
    const lo = keys[2 * i];
    const hi = keys[2 * i + 1];
    counts[lo & 255]++;
    counts[256 + ((lo >>> 8) & 255)]++;
    counts[512 + ((lo >>> 16) & 255)]++;
    counts[768 + (lo >>> 24)]++;
    counts[1024 + (hi & 255)]++;
    counts[1280 + ((hi >>> 8) & 255)]++;
    counts[1536 + ((hi >>> 16) & 255)]++;
    counts[1792 + (hi >>> 24)]++;
  }
  let src = keys;
  let dst = scratch !== undefined && scratch.length >= 2 * n ? scratch : new Uint32Array(2 * n);
  const offsets = new Uint32Array(256);
  for (let d = 0; d < 8; d++) {
    const word = d >>> 2;
    const shift = (d & 3) * 8;
    const base = d * 256;
    if (counts[base + ((src[word] >>> shift) & 255)] === n) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      offsets[b] = sum;
      sum += counts[base + b];
    }
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i];
      const hi = src[2 * i + 1];
      const p = offsets[((word === 0 ? lo : hi) >>> shift) & 255]++;
      dst[2 * p] = lo;
      dst[2 * p + 1] = hi;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== keys) keys.set(src.subarray(0, 2 * n));
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1];
    if (hi >>> 31 === 1) keys[2 * i + 1] = hi & 0x7fffffff;
    else {
      keys[2 * i] = ~keys[2 * i];
      keys[2 * i + 1] = ~hi;
    }
  }
}
