// Small helpers over PartColumns: the empty part, concatenation of merged chunks into one output
// part, its approximate size, and cutting over-allocated output buffers to their rows.
import type { PartColumns } from './types.js';

const EMPTY_BYTES = new Uint8Array(0);
/** Bytes a row costs besides its key and value: time f64, diff f64, two offsets or lengths. */
export const ROW_FIXED_BYTES = 24;
// Outputs with more unused bytes than this (and than used ones) are copied to size.
const TRIM_MIN_BYTES = 1 << 20;

/** A part with no rows. */
export function emptyColumns(): PartColumns {
  return {
    len: 0,
    keys: { offsets: new Int32Array(1), data: EMPTY_BYTES },
    vals: { offsets: new Int32Array(1), data: EMPTY_BYTES },
    times: new Float64Array(0),
    diffs: new Float64Array(0),
  };
}

/**
 * The first n rows of output buffers (of keyBytes and valBytes). Views when the buffers are mostly
 * used or `keep` (they are reused); copies to size when most of them would be unused, so a part
 * that consolidated small does not pin a part-sized allocation.
 */
export function cutColumns(
  b: { ko: Int32Array; kd: Uint8Array; vo: Int32Array; vd: Uint8Array; t: Float64Array; d: Float64Array },
  n: number,
  keep = false,
): PartColumns {
  const kb = b.ko[n];
  const vb = b.vo[n];
  const waste = (b.t.length - n) * ROW_FIXED_BYTES + (b.kd.length - kb) + (b.vd.length - vb);
  const trim = !keep && waste > TRIM_MIN_BYTES && waste > ROW_FIXED_BYTES * n + kb + vb;
  const cut = <T extends Int32Array | Uint8Array | Float64Array>(a: T, len: number): T =>
    (trim ? a.slice(0, len) : a.subarray(0, len)) as T;
  return {
    len: n,
    keys: { offsets: cut(b.ko, n + 1), data: cut(b.kd, kb) },
    vals: { offsets: cut(b.vo, n + 1), data: cut(b.vd, vb) },
    times: cut(b.t, n),
    diffs: cut(b.d, n),
  };
}

export function concatColumns(chunks: readonly PartColumns[]): PartColumns {
  if (chunks.length === 1) return chunks[0];
  let len = 0;
  let keyBytes = 0;
  let valBytes = 0;
  for (const c of chunks) {
    len += c.len;
    keyBytes += c.keys.offsets[c.len];
    valBytes += c.vals.offsets[c.len];
  }
  const keyOffsets = new Int32Array(len + 1);
  const valOffsets = new Int32Array(len + 1);
  const keyData = new Uint8Array(keyBytes);
  const valData = new Uint8Array(valBytes);
  const times = new Float64Array(len);
  const diffs = new Float64Array(len);
  let row = 0;
  let kb = 0;
  let vb = 0;
  for (const c of chunks) {
    const kEnd = c.keys.offsets[c.len];
    const vEnd = c.vals.offsets[c.len];
    keyData.set(c.keys.data.subarray(c.keys.offsets[0], kEnd), kb);
    valData.set(c.vals.data.subarray(c.vals.offsets[0], vEnd), vb);
    for (let i = 0; i < c.len; i++) {
      keyOffsets[row + i + 1] = kb + c.keys.offsets[i + 1] - c.keys.offsets[0];
      valOffsets[row + i + 1] = vb + c.vals.offsets[i + 1] - c.vals.offsets[0];
    }
    times.set(c.times.subarray(0, c.len), row);
    diffs.set(c.diffs.subarray(0, c.len), row);
    row += c.len;
    kb += kEnd - c.keys.offsets[0];
    vb += vEnd - c.vals.offsets[0];
  }
  return { len, keys: { offsets: keyOffsets, data: keyData }, vals: { offsets: valOffsets, data: valData }, times, diffs };
}

export function approxBytes(c: PartColumns): number {
  return c.keys.offsets[c.len] - c.keys.offsets[0] + c.vals.offsets[c.len] - c.vals.offsets[0] + ROW_FIXED_BYTES * c.len;
}
