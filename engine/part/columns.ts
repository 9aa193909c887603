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
 * Part-sized column buffers that users taking turns may share (a builder's arena writes its sorted
 * output into them, its run merges join their output parts in them: never at the same time). A
 * user grows them when they are short and keeps nothing in them across its turns.
 */
export interface ColumnBuffers {
  ko: Int32Array;
  vo: Int32Array;
  kd: Uint8Array;
  vd: Uint8Array;
  t: Float64Array;
  d: Float64Array;
}

export function newColumnBuffers(): ColumnBuffers {
  return {
    ko: new Int32Array(1),
    vo: new Int32Array(1),
    kd: EMPTY_BYTES,
    vd: EMPTY_BYTES,
    t: new Float64Array(0),
    d: new Float64Array(0),
  };
}

/**
 * Chunks appended into buffers kept from one output part to the next: a writer of many parts in
 * sequence (a builder's run merges) joins a part's chunks without a part-sized join per part, and
 * may take chunks that are valid only until the next one (a merge reusing its chunk buffers).
 */
export class ColumnsAccumulator {
  len = 0;

  /** b: buffers to join in, maybe shared with another user (see ColumnBuffers). */
  constructor(private readonly b: ColumnBuffers = newColumnBuffers()) {}

  /** Copies c's rows after the ones held. */
  append(c: PartColumns): void {
    const n = c.len;
    if (n === 0) return;
    const b = this.b;
    const k0 = c.keys.offsets[0];
    const v0 = c.vals.offsets[0];
    const kLen = c.keys.offsets[n] - k0;
    const vLen = c.vals.offsets[n] - v0;
    const row = this.len;
    if (row === 0) {
      b.ko[0] = 0;
      b.vo[0] = 0;
    }
    const kb = b.ko[row];
    const vb = b.vo[row];
    if (b.t.length < row + n || b.d.length < row + n || b.ko.length < row + n + 1 || b.vo.length < row + n + 1) {
      this.growRows(row + n);
    }
    if (b.kd.length < kb + kLen) b.kd = grown(b.kd, kb, kb + kLen);
    if (b.vd.length < vb + vLen) b.vd = grown(b.vd, vb, vb + vLen);
    b.kd.set(c.keys.data.subarray(k0, k0 + kLen), kb);
    b.vd.set(c.vals.data.subarray(v0, v0 + vLen), vb);
    const ko = b.ko;
    const vo = b.vo;
    const sko = c.keys.offsets;
    const svo = c.vals.offsets;
    const kShift = kb - k0;
    const vShift = vb - v0;
    for (let i = 1; i <= n; i++) {
      ko[row + i] = sko[i] + kShift;
      vo[row + i] = svo[i] + vShift;
    }
    b.t.set(c.times.subarray(0, n), row);
    b.d.set(c.diffs.subarray(0, n), row);
    this.len = row + n;
  }

  /** Views of the rows held: valid until the next append or clear (or another user's turn). */
  columns(): PartColumns {
    const n = this.len;
    const b = this.b;
    if (n === 0) return emptyColumns();
    return {
      len: n,
      keys: { offsets: b.ko.subarray(0, n + 1), data: b.kd.subarray(0, b.ko[n]) },
      vals: { offsets: b.vo.subarray(0, n + 1), data: b.vd.subarray(0, b.vo[n]) },
      times: b.t.subarray(0, n),
      diffs: b.d.subarray(0, n),
    };
  }

  /** Forgets the rows, keeping the buffers for the next part. */
  clear(): void {
    this.len = 0;
  }

  private growRows(need: number): void {
    const b = this.b;
    const cap = Math.max(need + (need >> 2), 1024);
    const used = this.len;
    const ko = new Int32Array(cap + 1);
    ko.set(b.ko.subarray(0, used + 1));
    const vo = new Int32Array(cap + 1);
    vo.set(b.vo.subarray(0, used + 1));
    const t = new Float64Array(cap);
    t.set(b.t.subarray(0, used));
    const d = new Float64Array(cap);
    d.set(b.d.subarray(0, used));
    b.ko = ko;
    b.vo = vo;
    b.t = t;
    b.d = d;
  }
}

// Growth by a quarter, not double: the buffers are kept (live) as long as their owner, and grow
// only while the first part fills them.
function grown(old: Uint8Array, used: number, need: number): Uint8Array {
  const b = new Uint8Array(Math.max(need + (need >> 2), 4096));
  b.set(old.subarray(0, used));
  return b;
}
