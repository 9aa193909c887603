// The batch builder's buffer: updates appended into one growable byte arena (no object per
// update), then sorted by (key, val, time) and consolidated into PartColumns.
//
// Each update is one record in the arena: time f64, diff f64, key length u32, value length u32
// (little-endian), key bytes, value bytes. Keeping a row's fields adjacent matters: gathering rows
// in sorted order is random access, and one or two cache misses per row cost far less than one
// per column.
//
// Sorting is a most-significant-digit multikey radix sort of the records' offsets: each pass sorts
// a range by a 32-bit digit (3 bytes of the key or value plus how many bytes are left, so that a
// shorter prefix sorts first; then the time's high and low words) with an LSD radix sort (large
// ranges), a native Float64Array sort of (digit * 2^21 + position) (medium ranges) or an insertion
// sort with the full comparator (small ranges), and then descends into runs of equal digits. A
// large arena is first partitioned into buckets that fit in cache (see bucketSort).
import type { Codec } from '../codec.js';
import { InvalidUsageError } from '../errors.js';
import { compareBytesDV, equalBytesDV } from './compare.js';
import { copyRange, grownBytes } from './copy.js';
import { cutColumns, newColumnBuffers, type ColumnBuffers } from './columns.js';
import { MAX_DIFF, overflowRest, spillOf } from './diff-sum.js';
import type { PartColumns } from './types.js';

/** The most rows an arena holds (positions must fit 21 bits); the builder flushes before. */
export const MAX_ARENA_ROWS = 1 << 21;

const TWO21 = 2097152;
const TWO32 = 4294967296;
const INSERTION_MAX = 16;
const RADIX_MIN = 2048;
const MAX_SAFE = MAX_DIFF;
/** Int32 offsets bound the bytes of one arena. */
const MAX_ARENA_BYTES = 0x7fffffff;
/** time f64, diff f64, key length u32, value length u32 */
const RECORD_HEADER = 24;
const KEY_LEN_AT = 16;
const VAL_LEN_AT = 20;

/** The key length of the record at o. */
function keyLen(dv: DataView, o: number): number {
  return dv.getUint32(o + KEY_LEN_AT, true);
}

/** The value length of the record at o. */
function valLen(dv: DataView, o: number): number {
  return dv.getUint32(o + VAL_LEN_AT, true);
}
// Arenas at least this big are sorted through buckets (see bucketSort).
const BUCKET_MIN_BYTES = 4 << 20;
const BUCKET_BYTES = 256 << 10;
const MAX_BUCKETS = 1024;
const MAX_BUCKET_PREFIX = 256;

/** Output buffers of a sort and the state of the gather filling them (see gatherRange). */
interface Gather {
  readonly ko: Int32Array;
  readonly vo: Int32Array;
  readonly kd: Uint8Array;
  readonly vd: Uint8Array;
  readonly kv: DataView;
  readonly vv: DataView;
  readonly t: Float64Array;
  readonly d: Float64Array;
  /** rows out so far */
  m: number;
  kp: number;
  vp: number;
  /** the record of the last row out, -1 before the first */
  po: number;
  pkl: number;
  pvl: number;
  /** of the group in progress (see diff-sum.ts) */
  carry: number;
}

export class UpdateArena {
  private bytes: Uint8Array;
  private view: DataView;
  private used = 0;
  private n = 0;
  private keyBytes = 0;
  // Scratch for sorting, kept across sorts of a reused arena.
  private digits: Uint32Array = new Uint32Array(0);
  private tmpDigits: Uint32Array = new Uint32Array(0);
  private tmpPerm: Uint32Array = new Uint32Array(0);
  private packed: Float64Array = new Float64Array(0);
  private perm: Uint32Array = new Uint32Array(0);
  private cells: Uint16Array = new Uint16Array(0);
  private bucketed: Uint32Array = new Uint32Array(0);
  private cellTables: { rows: Int32Array; bytes: Float64Array; bucketOf: Uint16Array } | null = null;
  // The records being sorted: the arena itself, or its copy partitioned into buckets.
  private src: Uint8Array;
  private srcView: DataView;

  private readonly bucketMinBytes: number;
  private readonly bucketBytes: number;
  private readonly capBytes: number;

  /**
   * initialBytes: the arena's starting capacity (it grows by 4, up to capBytes unless an update
   * needs more). tuning: arenas of at least bucketMinBytes are sorted through buckets of about
   * bucketBytes (tests make these small). output: the buffers sortAndConsolidate's reuseOutput
   * writes into, when the caller shares them with another user (see ColumnBuffers). bucketCopy:
   * the holder of the buffer a bucket sort copies the records into, when the caller shares it
   * (a builder encodes its parts in it: its contents matter only during a sort).
   */
  constructor(
    initialBytes = 65536,
    tuning: {
      bucketMinBytes?: number;
      bucketBytes?: number;
      capBytes?: number;
      output?: ColumnBuffers;
      bucketCopy?: { buf: Uint8Array | null };
    } = {},
  ) {
    this.output = tuning.output ?? null;
    this.bucketCopy = tuning.bucketCopy ?? { buf: null };
    this.capBytes = Math.min(tuning.capBytes ?? MAX_ARENA_BYTES, MAX_ARENA_BYTES);
    this.bucketMinBytes = tuning.bucketMinBytes ?? BUCKET_MIN_BYTES;
    this.bucketBytes = tuning.bucketBytes ?? BUCKET_BYTES;
    this.bytes = new Uint8Array(Math.max(64, Math.min(initialBytes, MAX_ARENA_BYTES)));
    this.view = new DataView(this.bytes.buffer);
    this.src = this.bytes;
    this.srcView = this.view;
  }

  get len(): number {
    return this.n;
  }

  /** Approximate size of the encoded part: key and value bytes plus 24 bytes per row. */
  get sizeBytes(): number {
    return this.used;
  }

  /** Appends one update; key and val are copied. Time and diff must already be validated. */
  add(key: Uint8Array, val: Uint8Array, time: number, diff: number): void {
    if (this.n >= MAX_ARENA_ROWS) {
      throw new InvalidUsageError('InvalidArgument', `an update arena holds at most ${MAX_ARENA_ROWS} rows`);
    }
    const kl = key.length;
    const vl = val.length;
    const o = this.used;
    const e = o + RECORD_HEADER + kl + vl;
    if (e > this.bytes.length) this.grow(e);
    const b = this.bytes;
    const dv = this.view;
    dv.setFloat64(o, time, true);
    dv.setFloat64(o + 8, diff, true);
    dv.setUint32(o + KEY_LEN_AT, kl, true);
    dv.setUint32(o + VAL_LEN_AT, vl, true);
    const ks = o + RECORD_HEADER;
    if (kl <= 32) for (let j = 0; j < kl; j++) b[ks + j] = key[j];
    else b.set(key, ks);
    const vs = ks + kl;
    if (vl <= 32) for (let j = 0; j < vl; j++) b[vs + j] = val[j];
    else b.set(val, vs);
    this.used = e;
    this.keyBytes += kl;
    this.n++;
  }

  /**
   * Appends one update, encoding key and val straight into the arena when both codecs can
   * (no per-update allocation); otherwise through their encode().
   */
  addEncoded<K, V>(kc: Codec<K>, key: K, vc: Codec<V>, val: V, time: number, diff: number): void {
    if (!kc.encodeInto || !kc.maxEncodedLength || !vc.encodeInto || !vc.maxEncodedLength) {
      this.add(kc.encode(key), vc.encode(val), time, diff);
      return;
    }
    if (this.n >= MAX_ARENA_ROWS) {
      throw new InvalidUsageError('InvalidArgument', `an update arena holds at most ${MAX_ARENA_ROWS} rows`);
    }
    const o = this.used;
    const need = o + RECORD_HEADER + kc.maxEncodedLength(key) + vc.maxEncodedLength(val);
    if (need > this.bytes.length) this.grow(need);
    const ks = o + RECORD_HEADER;
    const kl = kc.encodeInto(key, this.bytes, ks);
    const vl = vc.encodeInto(val, this.bytes, ks + kl);
    const dv = this.view;
    dv.setFloat64(o, time, true);
    dv.setFloat64(o + 8, diff, true);
    dv.setUint32(o + KEY_LEN_AT, kl, true);
    dv.setUint32(o + VAL_LEN_AT, vl, true);
    this.used = ks + kl + vl;
    this.keyBytes += kl;
    this.n++;
  }

  /** Forgets every update, keeping the buffer (and the sort's scratch) for reuse. */
  clear(): void {
    this.n = 0;
    this.used = 0;
    this.keyBytes = 0;
  }

  private grow(need: number): void {
    if (need > MAX_ARENA_BYTES) {
      throw new InvalidUsageError('InvalidArgument', `an update arena holds at most ${MAX_ARENA_BYTES} bytes`);
    }
    // Growth by 4 stops at the cap (a builder's part size): a part-sized arena allocated at 16 MiB
    // for an 8 MiB part would hold twice the memory it uses (calloc touches it all when it comes
    // from the allocator's heap rather than fresh pages).
    const cap = Math.max(need, this.capBytes);
    this.bytes = this.bytes.length * 4 > cap ? grownTo(this.bytes, this.used, cap) : grownBytes(this.bytes, this.used, need, 4);
    this.view = new DataView(this.bytes.buffer);
    this.src = this.bytes;
    this.srcView = this.view;
  }

  /**
   * The updates sorted by (key, val, time) and consolidated: equal (key, val, time) summed, zero
   * diffs dropped. The result owns fresh buffers; the arena is unchanged (clear() to reuse it).
   * With reuseOutput, the result is instead a view of the arena's own output buffers, valid until
   * its next sortAndConsolidate (a builder that writes each part before sorting the next spares
   * allocating and collecting a part's worth of buffers per part).
   */
  sortAndConsolidate(opts: { reuseOutput?: boolean } = {}): PartColumns {
    const n = this.n;
    const dv = this.view;
    this.src = this.bytes;
    this.srcView = dv;
    // The records' offsets, in insertion order; sorted unless already in order.
    if (this.perm.length < n) this.perm = new Uint32Array(scratchLength(n, this.perm.length));
    const perm = this.perm.subarray(0, n);
    let sorted = true;
    let prev = -1;
    for (let i = 0, o = 0; i < n; i++) {
      perm[i] = o;
      if (sorted && prev >= 0 && this.compareFrom(prev, o, 0, 0) > 0) sorted = false;
      prev = o;
      o += RECORD_HEADER + keyLen(dv, o) + valLen(dv, o);
    }
    const reuse = opts.reuseOutput === true;
    try {
      const g = this.beginGather(reuse);
      if (sorted) this.gatherRange(g, perm, 0, n);
      else if (this.used < this.bucketMinBytes || !this.bucketSort(perm, g)) {
        this.sortRange(perm, 0, n);
        this.gatherRange(g, perm, 0, n);
      }
      return this.endGather(g, reuse);
    } finally {
      this.src = this.bytes;
      this.srcView = this.view;
    }
  }

  /**
   * Sorting a large arena: gathering its rows in sorted order would be random access over all
   * of it, which costs a cache and TLB miss per row. Instead its records are first copied, in one
   * sequential pass, into buckets by a 16-bit digit past the keys' common prefix (consecutive
   * digit values grouped into buckets of about BUCKET_BYTES), so that sorting and gathering each
   * bucket stays within a small region. perm receives the sorted offsets into the copy, which
   * becomes this.src. Each bucket is gathered into g right after it is sorted, while its records
   * are still in cache. Returns false (having done nothing) when there would be only one bucket.
   */
  private bucketSort(perm: Uint32Array, g: Gather): boolean {
    const n = this.n;
    const b = this.bytes;
    const dv = this.view;
    // The length of the keys' common prefix (up to a bound: a longer one just makes one bucket).
    const k0 = RECORD_HEADER;
    let lcp = Math.min(keyLen(dv, 0), MAX_BUCKET_PREFIX);
    for (let i = 1; i < n && lcp > 0; i++) {
      const o = perm[i];
      const kl = keyLen(dv, o);
      const m = kl < lcp ? kl : lcp;
      const ks = o + RECORD_HEADER;
      let j = 0;
      while (j + 4 <= m && dv.getInt32(ks + j, true) === dv.getInt32(k0 + j, true)) j += 4;
      while (j < m && b[ks + j] === b[k0 + j]) j++;
      lcp = j;
    }
    // Cells: 16-bit digits (zero-padded, which keeps them monotone in the row order).
    if (this.cells.length < n) this.cells = new Uint16Array(scratchLength(n, this.cells.length));
    const cells = this.cells;
    if (!this.cellTables) {
      this.cellTables = { rows: new Int32Array(65536), bytes: new Float64Array(65536), bucketOf: new Uint16Array(65536) };
    }
    const { rows: cellRows, bytes: cellBytes, bucketOf } = this.cellTables;
    cellRows.fill(0);
    cellBytes.fill(0);
    for (let i = 0; i < n; i++) {
      const o = perm[i];
      const kl = keyLen(dv, o);
      const s = o + RECORD_HEADER + lcp;
      const d = kl > lcp + 1 ? (b[s] << 8) | b[s + 1] : kl > lcp ? b[s] << 8 : 0;
      cells[i] = d;
      cellRows[d]++;
      cellBytes[d] += RECORD_HEADER + kl + valLen(dv, o);
    }
    // Consecutive cells grouped into buckets; a bucket's region starts at its byte offset.
    const target = Math.max(this.bucketBytes, Math.ceil(this.used / MAX_BUCKETS));
    const starts: number[] = [0];
    const rowStarts: number[] = [0];
    let bytes = 0;
    let rows = 0;
    for (let c = 0; c < 65536; c++) {
      if (cellRows[c] === 0) continue;
      if (bytes - starts[starts.length - 1] >= target) {
        starts.push(bytes);
        rowStarts.push(rows);
      }
      bucketOf[c] = starts.length - 1;
      bytes += cellBytes[c];
      rows += cellRows[c];
    }
    const buckets = starts.length;
    if (buckets === 1) return false; // one bucket: nothing to gain from copying
    rowStarts.push(n);
    // Scatter the records into their buckets: a sequential read, one write stream per bucket.
    const held = this.bucketCopy.buf;
    const out = held && held.length >= this.used ? held : new Uint8Array(scratchLength(this.used, held?.length ?? 0));
    this.bucketCopy.buf = out;
    const ov = new DataView(out.buffer);
    const pos = Float64Array.from(starts);
    const slot = Int32Array.from(rowStarts);
    if (this.bucketed.length < n) this.bucketed = new Uint32Array(scratchLength(n, this.bucketed.length));
    const bucketed = this.bucketed.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const o = perm[i];
      const len = RECORD_HEADER + keyLen(dv, o) + valLen(dv, o);
      const k = bucketOf[cells[i]];
      const p = pos[k];
      copyRange(out, ov, p, b, dv, o, len);
      pos[k] = p + len;
      bucketed[slot[k]++] = p;
    }
    perm.set(bucketed);
    this.src = out;
    this.srcView = ov;
    for (let k = 0; k < buckets; k++) {
      const lo = rowStarts[k];
      const hi = rowStarts[k + 1];
      if (hi - lo > 1) this.sortRange(perm, lo, hi);
      this.gatherRange(g, perm, lo, hi);
    }
    return true;
  }

  /** The output buffers for a sort's rows, and the state of a gather in progress. */
  private beginGather(reuse: boolean): Gather {
    const n = this.n;
    const valBytes = this.used - RECORD_HEADER * n - this.keyBytes;
    const out = reuse ? this.outputScratch(n, this.keyBytes, valBytes) : null;
    const kd = out ? out.kd : new Uint8Array(this.keyBytes);
    const vd = out ? out.vd : new Uint8Array(valBytes);
    return {
      ko: out ? out.ko : new Int32Array(n + 1),
      vo: out ? out.vo : new Int32Array(n + 1),
      kd,
      vd,
      kv: new DataView(kd.buffer),
      vv: new DataView(vd.buffer),
      t: out ? out.t : new Float64Array(n),
      d: out ? out.d : new Float64Array(n),
      m: 0,
      kp: 0,
      vp: 0,
      po: -1,
      pkl: 0,
      pvl: 0,
      carry: 0,
    };
  }

  /**
   * Appends the records at perm[lo, hi) (sorted, and after every record gathered before) to g's
   * output, summing equal neighbours and dropping zero sums. Equal records are never split
   * between two calls' ranges, so a group spans calls only as the last group of one and the
   * first of the next, which the state carries.
   */
  private gatherRange(g: Gather, perm: Uint32Array, lo: number, hi: number): void {
    const src = this.src;
    const sv = this.srcView;
    const { ko: outKo, vo: outVo, kd: outKd, vd: outVd, kv, vv, t: outT, d: outD } = g;
    let { m, kp, vp, po, pkl, pvl, carry } = g;
    for (let i = lo; i < hi; i++) {
      const o = perm[i];
      const t = sv.getFloat64(o, true);
      const d = sv.getFloat64(o + 8, true);
      const kl = keyLen(sv, o);
      const vl = valLen(sv, o);
      const ks = o + RECORD_HEADER;
      const vs = ks + kl;
      if (
        po >= 0 &&
        outT[m - 1] === t &&
        kl === pkl &&
        vl === pvl &&
        equalBytesDV(src, sv, po + RECORD_HEADER, po + RECORD_HEADER + kl, src, sv, ks, vs) &&
        equalBytesDV(src, sv, po + RECORD_HEADER + kl, po + RECORD_HEADER + kl + vl, src, sv, vs, vs + vl)
      ) {
        const sum = outD[m - 1] + d;
        if (sum > MAX_SAFE || sum < -MAX_SAFE) {
          const o = overflowRest(outD[m - 1], d);
          outD[m - 1] = o.rest;
          carry += o.up;
        } else {
          outD[m - 1] = sum;
        }
        continue;
      }
      if (carry !== 0) {
        m = spillGroup(outKo, outKd, outVo, outVd, outT, outD, m, carry);
        carry = 0;
        kp = outKo[m];
        vp = outVo[m];
      } else if (m > 0 && outD[m - 1] === 0) {
        // The previous group summed to zero: overwrite it.
        m--;
        kp = outKo[m];
        vp = outVo[m];
      }
      copyRange(outKd, kv, kp, src, sv, ks, kl);
      kp += kl;
      copyRange(outVd, vv, vp, src, sv, vs, vl);
      vp += vl;
      outT[m] = t;
      outD[m] = d;
      m++;
      outKo[m] = kp;
      outVo[m] = vp;
      po = o;
      pkl = kl;
      pvl = vl;
    }
    g.m = m;
    g.kp = kp;
    g.vp = vp;
    g.po = po;
    g.pkl = pkl;
    g.pvl = pvl;
    g.carry = carry;
  }

  /** The gathered rows as columns, once the last group is closed. */
  private endGather(g: Gather, reuse: boolean): PartColumns {
    const n = this.n;
    let m = g.m;
    if (g.carry !== 0) m = spillGroup(g.ko, g.kd, g.vo, g.vd, g.t, g.d, m, g.carry);
    else if (m > 0 && g.d[m - 1] === 0) m--;
    if (m === n && !reuse) {
      return { len: n, keys: { offsets: g.ko, data: g.kd }, vals: { offsets: g.vo, data: g.vd }, times: g.t, diffs: g.d };
    }
    // Consolidation shrank the output: copy it to size when most of the buffers would be unused.
    return cutColumns({ ko: g.ko, kd: g.kd, vo: g.vo, vd: g.vd, t: g.t, d: g.d }, m, reuse);
  }

  private output: ColumnBuffers | null;
  private readonly bucketCopy: { buf: Uint8Array | null };

  /** The reusable output buffers, grown to hold n rows of keyBytes and valBytes. */
  private outputScratch(n: number, keyBytes: number, valBytes: number): ColumnBuffers {
    let o = this.output;
    if (!o) o = this.output = newColumnBuffers();
    if (o.ko.length < n + 1 || o.vo.length < n + 1 || o.t.length < n || o.d.length < n) {
      const rows = scratchLength(n + 1, o.ko.length);
      o.ko = new Int32Array(rows);
      o.vo = new Int32Array(rows);
      o.t = new Float64Array(rows);
      o.d = new Float64Array(rows);
    }
    if (o.kd.length < keyBytes) o.kd = new Uint8Array(scratchLength(keyBytes, o.kd.length));
    if (o.vd.length < valBytes) o.vd = new Uint8Array(scratchLength(valBytes, o.vd.length));
    o.ko[0] = 0;
    o.vo[0] = 0;
    return o;
  }

  // ---- sorting ----

  /** Digit of record o at (phase, depth): phase 0 key / 1 val from byte depth; phase 2 time word. */
  private digit(o: number, phase: number, depth: number): number {
    const dv = this.srcView;
    if (phase === 2) {
      const t = dv.getFloat64(o, true);
      const hi = Math.floor(t / TWO32);
      return depth === 0 ? hi : t - hi * TWO32;
    }
    const data = this.src;
    const kl = keyLen(dv, o);
    let s: number;
    let rem: number;
    if (phase === 0) {
      s = o + RECORD_HEADER + depth;
      rem = kl - depth;
    } else {
      s = o + RECORD_HEADER + kl + depth;
      rem = valLen(dv, o) - depth;
    }
    if (rem >= 4) return ((data[s] << 24) | (data[s + 1] << 16) | (data[s + 2] << 8) | 4) >>> 0;
    if (rem === 3) return ((data[s] << 24) | (data[s + 1] << 16) | (data[s + 2] << 8) | 3) >>> 0;
    if (rem === 2) return ((data[s] << 24) | (data[s + 1] << 16) | 2) >>> 0;
    if (rem === 1) return ((data[s] << 24) | 1) >>> 0;
    return 0;
  }

  /** Full comparison of records a and b, knowing they agree before (phase, depth). */
  private compareFrom(a: number, b: number, phase: number, depth: number): number {
    const data = this.src;
    const dv = this.srcView;
    const akl = keyLen(dv, a);
    const bkl = keyLen(dv, b);
    const ak = a + RECORD_HEADER;
    const bk = b + RECORD_HEADER;
    if (phase === 0) {
      const c = compareBytesDV(data, dv, ak + depth, ak + akl, data, dv, bk + depth, bk + bkl);
      if (c !== 0) return c;
      depth = 0;
    }
    if (phase <= 1) {
      const av = ak + akl;
      const bv = bk + bkl;
      const c = compareBytesDV(data, dv, av + depth, av + valLen(dv, a), data, dv, bv + depth, bv + valLen(dv, b));
      if (c !== 0) return c;
    }
    return dv.getFloat64(a, true) - dv.getFloat64(b, true);
  }

  /** Sorts the records at perm[lo0, hi0). */
  private sortRange(whole: Uint32Array, lo0: number, hi0: number): void {
    // The scratch arrays are indexed like this view, so they need only the range's size.
    const perm = whole.subarray(lo0, hi0);
    const n = perm.length;
    if (this.digits.length < n) {
      this.digits = new Uint32Array(n);
      this.tmpDigits = new Uint32Array(n);
      this.tmpPerm = new Uint32Array(n);
    }
    // Explicit stack of ranges still to sort: (lo, hi, phase, depth).
    const stack: number[] = [0, n, 0, 0];
    while (stack.length > 0) {
      let depth = stack.pop()!;
      const phase = stack.pop()!;
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      const size = hi - lo;
      if (size <= INSERTION_MAX) {
        this.insertionSort(perm, lo, hi, phase, depth);
        continue;
      }
      // Skip bytes that every row of the range shares (long common prefixes), all at once.
      if (phase < 2) depth += this.commonExtension(perm, lo, hi, phase, depth);
      const dg = this.digits;
      for (let i = lo; i < hi; i++) dg[i] = this.digit(perm[i], phase, depth);
      if (size >= RADIX_MIN) this.radixSort(perm, lo, hi);
      else this.packedSort(perm, lo, hi);
      // Descend into runs of equal digits that still have something to compare.
      let a = lo;
      while (a < hi) {
        const d = dg[a];
        let b = a + 1;
        while (b < hi && dg[b] === d) b++;
        if (b - a > 1) {
          if (phase < 2) {
            if ((d & 0xff) === 4) stack.push(a, b, phase, depth + 3);
            else stack.push(a, b, phase + 1, 0);
          } else if (depth === 0) {
            stack.push(a, b, 2, 1);
          }
          // phase 2, depth 1: equal (key, val, time); consolidation sums them.
        }
        a = b;
      }
    }
  }

  /** How many bytes from depth of the key (phase 0) or value (1) all records at perm[lo, hi) share. */
  private commonExtension(perm: Uint32Array, lo: number, hi: number, phase: number, depth: number): number {
    const data = this.src;
    const dv = this.srcView;
    const f = perm[lo];
    const fkl = keyLen(dv, f);
    const fs = f + RECORD_HEADER + (phase === 0 ? 0 : fkl) + depth;
    let common = (phase === 0 ? fkl : valLen(dv, f)) - depth;
    for (let i = lo + 1; i < hi && common > 0; i++) {
      const o = perm[i];
      const kl = keyLen(dv, o);
      const s = o + RECORD_HEADER + (phase === 0 ? 0 : kl) + depth;
      const rem = (phase === 0 ? kl : valLen(dv, o)) - depth;
      const m = rem < common ? rem : common;
      let j = 0;
      while (j < m && data[s + j] === data[fs + j]) j++;
      common = j;
    }
    return common;
  }

  private insertionSort(perm: Uint32Array, lo: number, hi: number, phase: number, depth: number): void {
    for (let i = lo + 1; i < hi; i++) {
      const r = perm[i];
      let j = i - 1;
      while (j >= lo && this.compareFrom(perm[j], r, phase, depth) > 0) {
        perm[j + 1] = perm[j];
        j--;
      }
      perm[j + 1] = r;
    }
  }

  /** Sorts perm[lo, hi) by digits[lo, hi) (both permuted) with a native sort of packed pairs. */
  private packedSort(perm: Uint32Array, lo: number, hi: number): void {
    const size = hi - lo;
    if (this.packed.length < size) this.packed = new Float64Array(Math.max(size, RADIX_MIN));
    const pk = this.packed.subarray(0, size);
    const dg = this.digits;
    for (let i = 0; i < size; i++) pk[i] = dg[lo + i] * TWO21 + i;
    pk.sort();
    const tp = this.tmpPerm;
    for (let i = lo; i < hi; i++) tp[i] = perm[i];
    for (let i = 0; i < size; i++) {
      const p = pk[i];
      const d = Math.floor(p / TWO21);
      perm[lo + i] = tp[lo + (p - d * TWO21)];
      dg[lo + i] = d;
    }
  }

  /** Sorts perm[lo, hi) by digits[lo, hi) (both permuted): LSD radix, 11-bit digits. */
  private radixSort(perm: Uint32Array, lo: number, hi: number): void {
    const size = hi - lo;
    let srcD = this.digits.subarray(lo, hi);
    let srcP = perm.subarray(lo, hi);
    let dstD = this.tmpDigits.subarray(lo, hi);
    let dstP = this.tmpPerm.subarray(lo, hi);
    const counts = new Int32Array(2048);
    let swapped = false;
    for (let shift = 0; shift < 32; shift += 11) {
      counts.fill(0);
      for (let i = 0; i < size; i++) counts[(srcD[i] >>> shift) & 2047]++;
      if (counts[(srcD[0] >>> shift) & 2047] === size) continue; // every row in one bucket
      let sum = 0;
      for (let b = 0; b < 2048; b++) {
        const c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < size; i++) {
        const d = srcD[i];
        const p = counts[(d >>> shift) & 2047]++;
        dstD[p] = d;
        dstP[p] = srcP[i];
      }
      const td = srcD;
      srcD = dstD;
      dstD = td;
      const tp = srcP;
      srcP = dstP;
      dstP = tp;
      swapped = !swapped;
    }
    if (swapped) {
      // The sorted data is in the scratch arrays: copy it back.
      perm.set(srcP, lo);
      this.digits.set(srcD, lo);
    }
  }
}

/** A copy of old with exactly cap bytes, of which the first used are kept. */
function grownTo(old: Uint8Array, used: number, cap: number): Uint8Array {
  const b = new Uint8Array(cap);
  b.set(old.subarray(0, used));
  return b;
}

/** A scratch array's new length: room for need, growing geometrically so reuse rarely reallocates. */
function scratchLength(need: number, had: number): number {
  return Math.max(need, Math.min(had * 2, need + (need >> 2)));
}

/**
 * Writes out the group in row m - 1 whose exact sum is carry * MAX + outD[m - 1] (carry != 0):
 * as copies of that row (a group of g rows never needs more than g, so the buffers have room).
 * Returns the new row count; the offsets of rows [0, m] stay valid.
 */
function spillGroup(
  ko: Int32Array,
  kd: Uint8Array,
  vo: Int32Array,
  vd: Uint8Array,
  times: Float64Array,
  diffs: Float64Array,
  m: number,
  carry: number,
): number {
  const g = m - 1;
  const { sign, full, rest } = spillOf(carry, diffs[g]);
  const rows = full + (rest !== 0 ? 1 : 0);
  if (rows === 0) return g;
  const ks = ko[g];
  const ke = ko[g + 1];
  const vs = vo[g];
  const ve = vo[g + 1];
  for (let r = 0; r < rows; r++) {
    const at = g + r;
    diffs[at] = r < full ? sign * MAX_DIFF : rest;
    if (r === 0) continue;
    times[at] = times[g];
    kd.copyWithin(ko[at], ks, ke);
    vd.copyWithin(vo[at], vs, ve);
    ko[at + 1] = ko[at] + (ke - ks);
    vo[at + 1] = vo[at] + (ve - vs);
  }
  return g + rows;
}
