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

/**
 * Chunks appended into buffers kept from one output part to the next: a writer of many parts in
 * sequence (a builder's run merges) joins a part's chunks without a part-sized join per part, and
 * may take chunks that are valid only until the next one (a merge reusing its chunk buffers).
 */
export class ColumnsAccumulator {
  len = 0;
  private ko = new Int32Array(1);
  private vo = new Int32Array(1);
  private kd: Uint8Array = EMPTY_BYTES;
  private vd: Uint8Array = EMPTY_BYTES;
  private t = new Float64Array(0);
  private d = new Float64Array(0);

  /** Copies c's rows after the ones held. */
  append(c: PartColumns): void {
    const n = c.len;
    if (n === 0) return;
    const k0 = c.keys.offsets[0];
    const v0 = c.vals.offsets[0];
    const kLen = c.keys.offsets[n] - k0;
    const vLen = c.vals.offsets[n] - v0;
    const row = this.len;
    const kb = this.ko[row];
    const vb = this.vo[row];
    if (this.t.length < row + n) this.growRows(row + n);
    if (this.kd.length < kb + kLen) this.kd = grown(this.kd, kb, kb + kLen);
    if (this.vd.length < vb + vLen) this.vd = grown(this.vd, vb, vb + vLen);
    this.kd.set(c.keys.data.subarray(k0, k0 + kLen), kb);
    this.vd.set(c.vals.data.subarray(v0, v0 + vLen), vb);
    const ko = this.ko;
    const vo = this.vo;
    const sko = c.keys.offsets;
    const svo = c.vals.offsets;
    const kShift = kb - k0;
    const vShift = vb - v0;
    for (let i = 1; i <= n; i++) {
      ko[row + i] = sko[i] + kShift;
      vo[row + i] = svo[i] + vShift;
    }
    this.t.set(c.times.subarray(0, n), row);
    this.d.set(c.diffs.subarray(0, n), row);
    this.len = row + n;
  }

  /** Views of the rows held: valid until the next append or clear. */
  columns(): PartColumns {
    const n = this.len;
    return {
      len: n,
      keys: { offsets: this.ko.subarray(0, n + 1), data: this.kd.subarray(0, this.ko[n]) },
      vals: { offsets: this.vo.subarray(0, n + 1), data: this.vd.subarray(0, this.vo[n]) },
      times: this.t.subarray(0, n),
      diffs: this.d.subarray(0, n),
    };
  }

  /** Forgets the rows, keeping the buffers for the next part. */
  clear(): void {
    this.len = 0;
  }

  private growRows(need: number): void {
    const cap = Math.max(need + (need >> 2), 1024);
    const used = this.len;
    const ko = new Int32Array(cap + 1);
    ko.set(this.ko.subarray(0, used + 1));
    const vo = new Int32Array(cap + 1);
    vo.set(this.vo.subarray(0, used + 1));
    const t = new Float64Array(cap);
    t.set(this.t.subarray(0, used));
    const d = new Float64Array(cap);
    d.set(this.d.subarray(0, used));
    this.ko = ko;
    this.vo = vo;
    this.t = t;
    this.d = d;
  }
}

// Growth by a quarter, not double: the buffers are kept (live) as long as their owner, and grow
// only while the first part fills them.
function grown(old: Uint8Array, used: number, need: number): Uint8Array {
  const b = new Uint8Array(Math.max(need + (need >> 2), 4096));
  b.set(old.subarray(0, used));
  return b;
}
