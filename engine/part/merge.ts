// Consolidating k-way merge of sorted runs: a loser tree over the runs' current rows, comparing
// bytes in place, appending into columnar output chunks.
//
// A run is an ordered sequence of sorted parts whose concatenation is sorted; its parts are
// loaded one at a time. Rows with a time outside the run's [timeLower, timeUpper) are dropped and
// kept times are advanced to max(t, advanceTo), which keeps every run sorted (advancing is
// monotone), though it can make neighbouring rows equal: consolidation sums equal (key, val, time)
// across and within runs and drops zero sums.
import { cutColumns, emptyColumns } from './columns.js';
import { compareBytesDV, equalBytesDV } from './compare.js';
import { copyRange, grownBytes } from './copy.js';
import { MAX_DIFF, overflowRest, spillOf } from './diff-sum.js';
import type { PartColumns } from './types.js';

/**
 * Buffers a run may decode a part's times and diffs into (when they are long enough) instead of
 * allocating: the merge's scratch, copied out of before the next part is asked for.
 */
export interface DecodeInto {
  readonly times: Float64Array;
  readonly diffs: Float64Array;
}

export interface MergeRun {
  nextPart(into?: DecodeInto): Promise<PartColumns | null>;
  timeLower: number;
  timeUpper: number; // Infinity = none
}

export interface MergeOptions {
  advanceTo: number;
  consolidate: boolean;
  /** about how many rows per output chunk; with consolidate, a group is never split */
  chunkRows: number;
  /**
   * mergeRuns only: each chunk is valid only until the next one is asked for (its buffers are
   * reused: a cursor that converts each chunk before the next churns no chunk-sized buffers).
   */
  reuseChunks?: boolean;
  /**
   * mergeRuns only: read each fetched part from a copy in the run's own reused buffers (default
   * true). A fetched part's bytes then die young, freed by the next scavenge, instead of living
   * as long as the run takes to pass them (long enough to be promoted, and then freed only by a
   * full collection: a cursor over 8 runs held twice its parts in dead buffers).
   */
  copyParts?: boolean;
  /**
   * mergeRuns with copyParts: the part copies and decode scratch to use, kept by a caller that
   * merges again and again (a builder), so each merge does not grow part-sized buffers anew.
   * Merges sharing them must not overlap.
   */
  buffers?: MergeBuffers;
}

export interface MergePart {
  cols: PartColumns;
  timeLower: number;
  timeUpper: number; // Infinity = none
}

const MAX_SAFE = MAX_DIFF;
/** Key bytes a cursor keeps as a number (48 bits: exact in a double). */
const PREFIX_BYTES = 6;
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_OFFSETS = new Int32Array(1);
const EMPTY_F64 = new Float64Array(0);

/** Times or diffs as a cursor holds them: the narrowest integer array that holds a part's values. */
type Ints = Int8Array | Int16Array | Int32Array | Float64Array;

/**
 * The one buffer pair a merge decodes every part's times and diffs into before its run copies
 * them narrow: parts are asked for one at a time, and each is copied before the next is asked.
 */
class DecodeScratch implements DecodeInto {
  times: Float64Array = EMPTY_F64;
  diffs: Float64Array = EMPTY_F64;

  /**
   * Room for the next parts after one of len rows (that did not fit, so was decoded elsewhere).
   * Never the part's own arrays: a run may hand out columns that someone else still holds.
   */
  fit(len: number): void {
    if (this.times.length >= len) return;
    const cap = len + (len >> 3);
    this.times = new Float64Array(cap);
    this.diffs = new Float64Array(cap);
  }
}

/** Buffers mergeRuns may keep from one merge to the next (see MergeOptions.buffers). */
export class MergeBuffers {
  private readonly copies: PartCopy[] = [];
  private readonly scratches: DecodeScratch[] = [];
  readonly scratch = new DecodeScratch();

  /** Without copies: the i-th run's own decode scratch (its cursor reads its part from it). */
  scratchOf(i: number): DecodeScratch {
    while (this.scratches.length <= i) this.scratches.push(new DecodeScratch());
    return this.scratches[i];
  }

  /** The copy buffers of the i-th run. */
  copy(i: number): PartCopy {
    while (this.copies.length <= i) this.copies.push(new PartCopy());
    return this.copies[i];
  }
}

/** Bytes an integer of values[0, n) needs: 1, 2, 4, or 8 (kept as a double). */
function intWidth(values: Float64Array, n: number): number {
  let min = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (min >= -0x80 && max <= 0x7f) return 1;
  if (min >= -0x8000 && max <= 0x7fff) return 2;
  if (min >= -0x80000000 && max <= 0x7fffffff) return 4;
  return 8;
}

/**
 * A run's reused buffers that its parts are copied into, grown to the largest part and never
 * shrunk; times and diffs at the width they need (a bulk load's are a byte each, not 16).
 */
class PartCopy {
  kd = EMPTY_BYTES;
  kv = EMPTY_VIEW;
  ko = EMPTY_OFFSETS;
  vd = EMPTY_BYTES;
  vv = EMPTY_VIEW;
  vo = EMPTY_OFFSETS;
  private tb = new ArrayBuffer(0);
  private db = new ArrayBuffer(0);

  /** c, copied into these buffers (valid until the next copy). */
  of(c: PartColumns): { len: number; keys: CopiedColumn; vals: CopiedColumn; times: Ints; diffs: Ints } {
    const n = c.len;
    const kb = c.keys.data.length;
    const vb = c.vals.data.length;
    // 1/8 slack: parts of one run are about the same size, so most copies reuse the buffers.
    if (this.kd.length < kb) {
      this.kd = new Uint8Array(kb + (kb >> 3));
      this.kv = new DataView(this.kd.buffer);
    }
    if (this.vd.length < vb) {
      this.vd = new Uint8Array(vb + (vb >> 3));
      this.vv = new DataView(this.vd.buffer);
    }
    this.kd.set(c.keys.data);
    this.vd.set(c.vals.data);
    const kw = fixedWidth(c.keys.offsets, n);
    const vw = fixedWidth(c.vals.offsets, n);
    if ((kw < 0 || vw < 0) && this.ko.length < n + 1) {
      const cap = n + (n >> 3) + 1;
      this.ko = new Int32Array(cap);
      this.vo = new Int32Array(cap);
    }
    if (kw < 0) this.ko.set(c.keys.offsets.subarray(0, n + 1));
    if (vw < 0) this.vo.set(c.vals.offsets.subarray(0, n + 1));
    const t = narrow(this.tb, c.times, n);
    const d = narrow(this.db, c.diffs, n);
    this.tb = t.buffer as ArrayBuffer;
    this.db = d.buffer as ArrayBuffer;
    return {
      len: n,
      keys: { offsets: kw < 0 ? this.ko : EMPTY_OFFSETS, data: this.kd, base: c.keys.offsets[0], width: kw },
      vals: { offsets: vw < 0 ? this.vo : EMPTY_OFFSETS, data: this.vd, base: c.vals.offsets[0], width: vw },
      times: t,
      diffs: d,
    };
  }
}

/**
 * A copied binary column: value i is data[offsets[i], offsets[i + 1]), or, when every value has
 * the same length (width >= 0: hex ids, fixed-size encodings), data[base + i * width, ...) with
 * no offsets kept at all.
 */
interface CopiedColumn {
  readonly offsets: Int32Array;
  readonly data: Uint8Array;
  readonly base: number;
  readonly width: number;
}

/** The one length of every value of the column's first n, else -1. */
function fixedWidth(offsets: Int32Array, n: number): number {
  if (n === 0) return -1;
  const base = offsets[0];
  const w = (offsets[n] - base) / n;
  if (!Number.isInteger(w)) return -1;
  for (let i = 1; i < n; i++) if (offsets[i] !== base + i * w) return -1;
  return w;
}

/** values[0, n) in the narrowest array that holds them, in buf when it is big enough. */
function narrow(buf: ArrayBuffer, values: Float64Array, n: number): Ints {
  const w = intWidth(values, n);
  const b = buf.byteLength >= n * w ? buf : new ArrayBuffer((n + (n >> 3)) * w);
  const out = w === 1 ? new Int8Array(b, 0, n) : w === 2 ? new Int16Array(b, 0, n) : w === 4 ? new Int32Array(b, 0, n) : new Float64Array(b, 0, n);
  out.set(values.subarray(0, n));
  return out;
}

/** The current row of one run. */
class Cursor {
  kd: Uint8Array = EMPTY_BYTES;
  kv: DataView = EMPTY_VIEW;
  ko: Int32Array = EMPTY_OFFSETS;
  vd: Uint8Array = EMPTY_BYTES;
  vv: DataView = EMPTY_VIEW;
  vo: Int32Array = EMPTY_OFFSETS;
  // With a width >= 0, value p is at base + p * width and ko (or vo) is unused.
  kb = 0;
  kw = -1;
  vb = 0;
  vw = -1;
  times: Ints = EMPTY_F64;
  diffs: Ints = EMPTY_F64;
  len = 0;
  pos = -1;
  // The current row (valid while pos < len).
  ks = 0;
  ke = 0;
  vs = 0;
  ve = 0;
  t = 0;
  /**
   * The current key's first PREFIX_BYTES bytes (zero-padded) as a number: where two rows' prefixes
   * differ they order as their keys do, so most comparisons of the merge touch no bytes.
   */
  pre = 0;
  /** no current row and no more parts */
  done = false;

  constructor(
    readonly lo: number,
    readonly hi: number,
    readonly advanceTo: number,
    private copy: PartCopy | null = null,
  ) {}

  /** The run has no more parts: its copy buffers can go. */
  end(): void {
    this.done = true;
    this.copy = null;
  }

  /** Starts on a new part; false when it has no row in range. */
  load(part: PartColumns): boolean {
    const copy = this.copy;
    if (copy) {
      const c = copy.of(part);
      this.kd = c.keys.data;
      this.kv = copy.kv;
      this.ko = c.keys.offsets;
      this.kb = c.keys.base;
      this.kw = c.keys.width;
      this.vd = c.vals.data;
      this.vv = copy.vv;
      this.vo = c.vals.offsets;
      this.vb = c.vals.base;
      this.vw = c.vals.width;
      this.times = c.times;
      this.diffs = c.diffs;
    } else {
      this.kd = part.keys.data;
      this.kv = new DataView(this.kd.buffer, this.kd.byteOffset, this.kd.byteLength);
      this.ko = part.keys.offsets;
      this.kw = -1;
      this.vd = part.vals.data;
      this.vv = new DataView(this.vd.buffer, this.vd.byteOffset, this.vd.byteLength);
      this.vo = part.vals.offsets;
      this.vw = -1;
      this.times = part.times;
      this.diffs = part.diffs;
    }
    this.len = part.len;
    this.pos = -1;
    return this.next();
  }

  /** Moves to the next row in range; false when the part is exhausted. */
  next(): boolean {
    const times = this.times;
    const len = this.len;
    const lo = this.lo;
    const hi = this.hi;
    let p = this.pos + 1;
    let t = 0;
    for (; p < len; p++) {
      t = times[p];
      if (t >= lo && t < hi) break;
    }
    this.pos = p;
    if (p >= len) {
      this.release();
      return false;
    }
    const kw = this.kw;
    const ks = kw < 0 ? this.ko[p] : this.kb + p * kw;
    const ke = kw < 0 ? this.ko[p + 1] : ks + kw;
    this.ks = ks;
    this.ke = ke;
    const kd = this.kd;
    const kl = ke - ks;
    let pre = 0;
    if (kl >= PREFIX_BYTES) {
      pre = kd[ks] * 2 ** 40 + kd[ks + 1] * 2 ** 32 + (((kd[ks + 2] << 24) >>> 0) + ((kd[ks + 3] << 16) | (kd[ks + 4] << 8) | kd[ks + 5]));
    } else {
      for (let j = 0; j < PREFIX_BYTES; j++) pre = pre * 256 + (j < kl ? kd[ks + j] : 0);
    }
    this.pre = pre;
    const vw = this.vw;
    const vs = vw < 0 ? this.vo[p] : this.vb + p * vw;
    this.vs = vs;
    this.ve = vw < 0 ? this.vo[p + 1] : vs + vw;
    this.t = t < this.advanceTo ? this.advanceTo : t;
    return true;
  }

  /** Drops the exhausted part so that it can be collected. */
  private release(): void {
    this.kd = this.vd = EMPTY_BYTES;
    this.kv = this.vv = EMPTY_VIEW;
    this.ko = this.vo = EMPTY_OFFSETS;
    this.times = this.diffs = EMPTY_F64;
  }
}

/** Output columns being built; with consolidate, the last row is the group in progress. */
class ChunkBuilder {
  private kd: Uint8Array;
  private kv: DataView;
  private vd: Uint8Array;
  private vv: DataView;
  private ko: Int32Array;
  private vo: Int32Array;
  private times: Float64Array;
  private diffs: Float64Array;
  len = 0;
  private kp = 0;
  private vp = 0;
  /** of the group in progress, the last row (see diff-sum.ts) */
  private carry = 0;

  constructor(
    private readonly consolidate: boolean,
    private readonly chunkRows: number,
    rows: number,
    keyBytes: number,
    valBytes: number,
  ) {
    this.kd = new Uint8Array(Math.max(16, keyBytes));
    this.kv = new DataView(this.kd.buffer);
    this.vd = new Uint8Array(Math.max(16, valBytes));
    this.vv = new DataView(this.vd.buffer);
    this.ko = new Int32Array(rows + 1);
    this.vo = new Int32Array(rows + 1);
    this.times = new Float64Array(rows);
    this.diffs = new Float64Array(rows);
  }

  /** Appends the cursor's row (or adds it to the group in progress); false if the chunk is full. */
  push(c: Cursor): boolean {
    const n = this.len;
    const d = c.diffs[c.pos];
    if (this.consolidate && n > 0) {
      const last = n - 1;
      if (
        this.times[last] === c.t &&
        equalBytesDV(this.kd, this.kv, this.ko[last], this.kp, c.kd, c.kv, c.ks, c.ke) &&
        equalBytesDV(this.vd, this.vv, this.vo[last], this.vp, c.vd, c.vv, c.vs, c.ve)
      ) {
        const s = this.diffs[last] + d;
        if (s > MAX_SAFE || s < -MAX_SAFE) {
          const o = overflowRest(this.diffs[last], d);
          this.diffs[last] = o.rest;
          this.carry += o.up;
        } else {
          this.diffs[last] = s;
        }
        return true;
      }
      if (this.carry !== 0) {
        this.spill();
        return this.push(c);
      }
      if (this.diffs[last] === 0) {
        // The group in progress summed to zero: drop it.
        this.len = last;
        this.kp = this.ko[last];
        this.vp = this.vo[last];
        return this.push(c);
      }
    }
    if (n >= this.chunkRows) return false;
    if (n === this.times.length) this.growRows();
    const kl = c.ke - c.ks;
    const vl = c.ve - c.vs;
    this.reserve(kl, vl);
    copyRange(this.kd, this.kv, this.kp, c.kd, c.kv, c.ks, kl);
    copyRange(this.vd, this.vv, this.vp, c.vd, c.vv, c.vs, vl);
    this.kp += kl;
    this.vp += vl;
    this.times[n] = c.t;
    this.diffs[n] = d;
    this.len = n + 1;
    this.ko[n + 1] = this.kp;
    this.vo[n + 1] = this.vp;
    return true;
  }

  /** Room for one more row's key and value bytes. */
  private reserve(kl: number, vl: number): void {
    if (this.kp + kl > this.kd.length) {
      this.kd = grownBytes(this.kd, this.kp, this.kp + kl);
      this.kv = new DataView(this.kd.buffer);
    }
    if (this.vp + vl > this.vd.length) {
      this.vd = grownBytes(this.vd, this.vp, this.vp + vl);
      this.vv = new DataView(this.vd.buffer);
    }
  }

  /** Writes out the group in progress whose sum left the safe range, as copies of its row. */
  private spill(): void {
    const g = this.len - 1;
    const { sign, full, rest } = spillOf(this.carry, this.diffs[g]);
    this.carry = 0;
    const rows = full + (rest !== 0 ? 1 : 0);
    if (rows === 0) {
      this.len = g;
      this.kp = this.ko[g];
      this.vp = this.vo[g];
      return;
    }
    this.diffs[g] = full > 0 ? sign * MAX_DIFF : rest;
    const kl = this.ko[g + 1] - this.ko[g];
    const vl = this.vo[g + 1] - this.vo[g];
    for (let r = 1; r < rows; r++) {
      const n = this.len;
      if (n === this.times.length) this.growRows();
      this.reserve(kl, vl);
      this.kd.copyWithin(this.kp, this.ko[g], this.ko[g] + kl);
      this.vd.copyWithin(this.vp, this.vo[g], this.vo[g] + vl);
      this.kp += kl;
      this.vp += vl;
      this.times[n] = this.times[g];
      this.diffs[n] = r < full ? sign * MAX_DIFF : rest;
      this.len = n + 1;
      this.ko[n + 1] = this.kp;
      this.vo[n + 1] = this.vp;
    }
  }

  /** Room for at least one more row (a group spilled into a full chunk may pass chunkRows). */
  private growRows(): void {
    const cap = Math.max(16, this.len + 1, Math.min(this.times.length * 2, this.chunkRows));
    const ko = new Int32Array(cap + 1);
    ko.set(this.ko);
    this.ko = ko;
    const vo = new Int32Array(cap + 1);
    vo.set(this.vo);
    this.vo = vo;
    const t = new Float64Array(cap);
    t.set(this.times);
    this.times = t;
    const d = new Float64Array(cap);
    d.set(this.diffs);
    this.diffs = d;
  }

  /**
   * The built columns (the last group being complete); the builder must not be used after.
   * Buffers much larger than their contents are copied to size, so that a small result of a big
   * merge does not pin the big buffers.
   */
  finish(keep = false): PartColumns {
    if (this.carry !== 0) this.spill();
    let n = this.len;
    if (this.consolidate && n > 0 && this.diffs[n - 1] === 0) n--;
    if (n === 0) return emptyColumns();
    return cutColumns({ ko: this.ko, kd: this.kd, vo: this.vo, vd: this.vd, t: this.times, d: this.diffs }, n, keep);
  }

  /** Empties a builder whose finish(true) result is no longer used, to build the next chunk. */
  reset(): void {
    this.len = 0;
    this.kp = 0;
    this.vp = 0;
    this.carry = 0;
  }

  /** Bytes used so far, to size the next chunk. */
  get keyBytes(): number {
    return this.kp;
  }

  get valBytes(): number {
    return this.vp;
  }
}

const DONE = -1;
const FULL = -2;

/**
 * The merge state: a loser tree over cursors. tree[0] is the index of the cursor with the
 * smallest row; tree[1..k) hold the losers of the internal matches. Done cursors sort last.
 */
class Merger {
  private readonly tree: Int32Array;
  out: ChunkBuilder;

  constructor(
    private readonly cursors: Cursor[],
    out: ChunkBuilder,
  ) {
    this.out = out;
    this.tree = new Int32Array(Math.max(1, cursors.length));
  }

  private less(a: number, b: number): boolean {
    const A = this.cursors[a];
    const B = this.cursors[b];
    if (A.done) return false;
    if (B.done) return true;
    if (A.pre !== B.pre) return A.pre < B.pre;
    let c = compareBytesDV(A.kd, A.kv, A.ks, A.ke, B.kd, B.kv, B.ks, B.ke);
    if (c === 0) {
      c = compareBytesDV(A.vd, A.vv, A.vs, A.ve, B.vd, B.vv, B.vs, B.ve);
      if (c === 0) c = A.t - B.t;
    }
    return c < 0 || (c === 0 && a < b);
  }

  build(): void {
    const k = this.cursors.length;
    const tree = this.tree;
    tree.fill(-1);
    tree[0] = 0;
    for (let i = 0; i < k; i++) {
      let w = i;
      let node = (i + k) >> 1;
      while (node > 0) {
        const other = tree[node];
        if (other === -1) {
          tree[node] = w;
          w = -1;
          break;
        }
        if (this.less(other, w)) {
          tree[node] = w;
          w = other;
        }
        node >>= 1;
      }
      if (w !== -1) tree[0] = w;
    }
  }

  /** Replays the matches on the path of cursor w after its row changed. */
  replay(w: number): void {
    const tree = this.tree;
    let winner = w;
    let node = (w + this.cursors.length) >> 1;
    while (node > 0) {
      const other = tree[node];
      if (this.less(other, winner)) {
        tree[node] = winner;
        winner = other;
      }
      node >>= 1;
    }
    tree[0] = winner;
  }

  /**
   * Merges until every cursor is done (DONE), the output chunk is full (FULL: take it and call
   * again), or the winning cursor's part ran out (its index: load its next part or mark it done,
   * replay it, call again).
   */
  step(hasMoreParts: boolean): number {
    const tree = this.tree;
    const cursors = this.cursors;
    const out = this.out;
    const k = cursors.length;
    for (;;) {
      const w = tree[0];
      const c = cursors[w];
      if (c.done) return DONE;
      if (!out.push(c)) return FULL;
      if (!c.next()) {
        if (hasMoreParts) return w;
        c.done = true;
      }
      if (k > 1) this.replay(w);
    }
  }
}

function totalRows(parts: readonly MergePart[]): { rows: number; keyBytes: number; valBytes: number } {
  let rows = 0;
  let keyBytes = 0;
  let valBytes = 0;
  for (const p of parts) {
    rows += p.cols.len;
    keyBytes += p.cols.keys.offsets[p.cols.len] - p.cols.keys.offsets[0];
    valBytes += p.cols.vals.offsets[p.cols.len] - p.cols.vals.offsets[0];
  }
  return { rows, keyBytes, valBytes };
}

/** True iff every time of c is in [lo, hi) and at or past advanceTo: the part passes unchanged. */
function passesUnchanged(c: PartColumns, lo: number, hi: number, advanceTo: number): boolean {
  const min = lo > advanceTo ? lo : advanceTo;
  const times = c.times;
  for (let i = 0; i < c.len; i++) {
    const t = times[i];
    if (t < min || t >= hi) return false;
  }
  return true;
}

/**
 * Merges in-memory sorted, consolidated parts into one (chunkRows is ignored). A single part that
 * the filter and advance leave unchanged is returned as is.
 */
export function mergePartsSync(parts: readonly MergePart[], opts: MergeOptions): PartColumns {
  const live = parts.filter((p) => p.cols.len > 0 && p.timeLower < p.timeUpper);
  if (live.length === 0) return emptyColumns();
  if (live.length === 1) {
    const p = live[0];
    if (passesUnchanged(p.cols, p.timeLower, p.timeUpper, opts.advanceTo)) return p.cols;
  }
  const cursors: Cursor[] = [];
  for (const p of live) {
    const c = new Cursor(p.timeLower, p.timeUpper, opts.advanceTo);
    if (c.load(p.cols)) cursors.push(c);
  }
  if (cursors.length === 0) return emptyColumns();
  const size = totalRows(live);
  const out = new ChunkBuilder(opts.consolidate, Number.MAX_SAFE_INTEGER, size.rows, size.keyBytes, size.valBytes);
  const m = new Merger(cursors, out);
  m.build();
  m.step(false);
  return out.finish();
}

/** Loads the run's parts until one has a row in range (true) or the run ends (false). */
async function loadNext(run: MergeRun, c: Cursor, scratch: DecodeScratch | null): Promise<boolean> {
  for (;;) {
    const cols = await run.nextPart(scratch ?? undefined);
    if (cols === null) return false;
    const inRange = c.load(cols);
    scratch?.fit(cols.len);
    if (inRange) return true;
  }
}

/**
 * Merges runs into chunks of about chunkRows rows (never empty), holding one part per run in
 * memory at a time.
 */
export async function* mergeRuns(runs: MergeRun[], opts: MergeOptions): AsyncIterable<PartColumns> {
  const chunkRows = Math.max(1, Math.floor(opts.chunkRows));
  const live = runs.filter((r) => r.timeLower < r.timeUpper);
  const copy = opts.copyParts !== false;
  const reuse = opts.reuseChunks === true;
  const bufs = opts.buffers;
  const cursors = live.map(
    (r, i) => new Cursor(r.timeLower, r.timeUpper, opts.advanceTo, copy ? (bufs ? bufs.copy(i) : new PartCopy()) : null),
  );
  // Without copies each part is its own; with them, one scratch serves every decode, so parts
  // are asked for one at a time (at the start too: k parts fetched at once are k parts' garbage).
  const shared = copy ? (bufs?.scratch ?? new DecodeScratch()) : null;
  const scratchOf = (i: number): DecodeScratch | null => shared ?? bufs?.scratchOf(i) ?? null;
  const loaded: boolean[] = [];
  if (copy) for (let i = 0; i < live.length; i++) loaded.push(await loadNext(live[i], cursors[i], shared));
  else loaded.push(...(await Promise.all(live.map((r, i) => loadNext(r, cursors[i], scratchOf(i))))));
  const active: Cursor[] = [];
  const activeRuns: MergeRun[] = [];
  const activeScratch: (DecodeScratch | null)[] = [];
  loaded.forEach((ok, i) => {
    if (ok) {
      active.push(cursors[i]);
      activeRuns.push(live[i]);
      activeScratch.push(scratchOf(i));
    }
  });
  if (active.length === 0) return;
  const initialRows = Math.min(chunkRows, 65536);
  const newBuilder = (keyBytes: number, valBytes: number) =>
    new ChunkBuilder(opts.consolidate, chunkRows, initialRows, keyBytes, valBytes);
  const m = new Merger(active, newBuilder(4096, 4096));
  m.build();
  for (;;) {
    const r = m.step(true);
    if (r === DONE) break;
    if (r === FULL) {
      const out = m.out;
      if (reuse) {
        yield out.finish(true);
        out.reset();
      } else {
        m.out = newBuilder(out.keyBytes + (out.keyBytes >> 3), out.valBytes + (out.valBytes >> 3));
        yield out.finish();
      }
      continue;
    }
    const c = active[r];
    if (!(await loadNext(activeRuns[r], c, activeScratch[r]))) c.end();
    m.replay(r);
  }
  const last = m.out.finish();
  if (last.len > 0) yield last;
}
