// Safe integers <-> little-endian int64 words (lo, hi 32-bit halves), without a BigInt per value.
// Negative values are two's complement. The platform must be little-endian (checked at load).

const TWO32 = 4294967296;
// The largest hi word of a safe integer is 2^21 - 1; the smallest is -2^21 (with lo >= 1).
const HI_MAX = 0x1fffff;
const HI_MIN = -0x200000;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('shardscope parts need a little-endian platform');
}

/**
 * Writes src[0, len) as int64 into words (2 words per value). Returns the index of the first value
 * that is not a safe integer (or is negative, when nonNegative), else -1.
 */
export function int64FromNumbers(src: Float64Array, len: number, words: Int32Array, nonNegative: boolean): number {
  const hiMin = nonNegative ? 0 : HI_MIN;
  for (let i = 0, w = 0; i < len; i++, w += 2) {
    const v = src[i];
    const hi = Math.floor(v / TWO32);
    const lo = v - hi * TWO32;
    // lo is an integer in [0, 2^32) iff v is an integer (NaN and infinities fail too).
    if (lo >>> 0 !== lo || hi > HI_MAX || hi < hiMin || (hi === HI_MIN && lo === 0)) return i;
    words[w] = lo; // ToInt32 wraps it to the same bits
    words[w + 1] = hi;
  }
  return -1;
}

/**
 * Reads len int64 values from the word view (2 words per value) into numbers. Returns the index
 * of the first value that is not a safe integer (or negative, when nonNegative), else -1.
 */
export function numbersFromInt64(words: Int32Array, len: number, out: Float64Array, nonNegative: boolean): number {
  const hiMin = nonNegative ? 0 : HI_MIN;
  for (let i = 0, w = 0; i < len; i++, w += 2) {
    const lo = words[w] >>> 0;
    const hi = words[w + 1];
    if (hi > HI_MAX || hi < hiMin || (hi === HI_MIN && lo === 0)) return i;
    out[i] = hi * TWO32 + lo;
  }
  return -1;
}
