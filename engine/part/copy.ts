// Copying byte ranges between buffers without allocating subarrays: 4 bytes at a time through
// DataViews for short ranges, TypedArray.set for long ones.

const SET_MIN = 128;

/** Copies src[sp, sp + len) to dst[dp, dp + len). */
export function copyRange(dst: Uint8Array, dv: DataView, dp: number, src: Uint8Array, sv: DataView, sp: number, len: number): void {
  if (len >= SET_MIN) {
    dst.set(src.subarray(sp, sp + len), dp);
    return;
  }
  let j = 0;
  for (; j + 4 <= len; j += 4) dv.setInt32(dp + j, sv.getInt32(sp + j, true), true);
  for (; j < len; j++) dst[dp + j] = src[sp + j];
}

/**
 * A copy of old with room for at least need bytes, of which the first used are kept; capacity
 * grows by factor (untouched capacity of a large buffer costs address space, not memory).
 */
export function grownBytes(old: Uint8Array, used: number, need: number, factor = 2): Uint8Array {
  let cap = Math.max(16, old.length * factor);
  while (cap < need) cap *= factor;
  cap = Math.min(cap, Math.max(need, 0x7fffffff));
  const b = new Uint8Array(cap);
  b.set(old.subarray(0, used));
  return b;
}
