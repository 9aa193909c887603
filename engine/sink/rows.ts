// The flat row format the sink's router sends to its batch-writing workers: per row
// [u32 key length][u32 val length][f64 time][f64 diff][key bytes][val bytes], little-endian.
// One transferable buffer carries many rows, so routing costs no structured clone per update.
import type { Codec } from '../codec.js';

export const ROW_HEADER = 24;

/**
 * The router's side of one worker's chunks: fixed slots of one SharedArrayBuffer that the router
 * fills and the worker reads and hands back. Transferring a fresh ArrayBuffer per chunk instead
 * counted as new external memory on both threads each time, and the collections that pressure
 * set off were the longest stalls of the calling thread. A row larger than a slot travels alone
 * in a buffer of its own (transferred).
 */
export class RowWriter {
  readonly shared: SharedArrayBuffer;
  buf: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;
  rows = 0;
  /** the slot being filled, or -1 (none, or an outsized row's own buffer) */
  private slot = -1;
  private readonly free: number[] = [];

  constructor(
    readonly slotBytes: number,
    slots: number,
  ) {
    this.shared = new SharedArrayBuffer(slotBytes * slots);
    for (let i = slots - 1; i >= 0; i--) this.free.push(i);
  }

  /** Whether n more bytes fit in what is being filled. */
  fits(n: number): boolean {
    return this.pos + n <= this.buf.length;
  }

  /**
   * Starts filling a free slot (or, for a row larger than a slot, a buffer of its own). False
   * when every slot is with the worker: wait for one to come back.
   */
  start(n: number): boolean {
    if (n > this.slotBytes) {
      this.use(new Uint8Array(n), -1);
      return true;
    }
    const s = this.free.pop();
    if (s === undefined) return false;
    this.use(new Uint8Array(this.shared, s * this.slotBytes, this.slotBytes), s);
    return true;
  }

  private use(buf: Uint8Array, slot: number): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.slot = slot;
    this.pos = 0;
    this.rows = 0;
  }

  /** Hands over what was filled (null if nothing): a slot number, or an outsized row's buffer. */
  take(): { slot: number; buf: ArrayBuffer | null; len: number } | null {
    if (this.pos === 0) return null;
    const out = { slot: this.slot, buf: this.slot < 0 ? (this.buf.buffer as ArrayBuffer) : null, len: this.pos };
    this.use(new Uint8Array(0), -1);
    return out;
  }

  /** A slot the worker has read. */
  giveBack(slot: number): void {
    this.free.push(slot);
  }
}

/**
 * Walks the rows of a chunk without an object per row. `keys` and `vals` let
 * UpdateArena.addEncoded copy the current row's key and value straight from the chunk, so the
 * arena needs no key and value views (two allocations) per row.
 */
export class ChunkReader {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private end = 0;
  private p = 0;
  keyAt = 0;
  valAt = 0;
  keyLen = 0;
  valLen = 0;
  time = 0;
  diff = 0;

  /** Copies the current row's key (the "value" passed is ignored: the reader knows where it is). */
  readonly keys: Codec<number> = this.copier(() => this.keyAt, () => this.keyLen);
  readonly vals: Codec<number> = this.copier(() => this.valAt, () => this.valLen);

  private copier(at: () => number, len: () => number): Codec<number> {
    const only = (): never => {
      throw new Error('sink chunk rows are copied with encodeInto only');
    };
    return {
      name: 'sink-chunk',
      encode: only,
      decode: only,
      maxEncodedLength: len,
      encodeInto: (_: number, dst: Uint8Array, offset: number) => {
        const n = len();
        const s = at();
        const src = this.buf;
        if (n <= 32) for (let i = 0; i < n; i++) dst[offset + i] = src[s + i];
        else dst.set(src.subarray(s, s + n), offset);
        return n;
      },
    };
  }

  reset(buf: Uint8Array, len: number): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = len;
    this.p = 0;
  }

  next(): boolean {
    const p = this.p;
    if (p >= this.end) return false;
    const v = this.view;
    const kl = v.getUint32(p, true);
    const vl = v.getUint32(p + 4, true);
    this.time = v.getFloat64(p + 8, true);
    this.diff = v.getFloat64(p + 16, true);
    this.keyAt = p + ROW_HEADER;
    this.keyLen = kl;
    this.valAt = p + ROW_HEADER + kl;
    this.valLen = vl;
    this.p = p + ROW_HEADER + kl + vl;
    return true;
  }
}
