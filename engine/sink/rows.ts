// The flat row format the sink's router sends to its batch-writing workers: per row
// [u32 key length][u32 val length][f64 time][f64 diff][key bytes][val bytes], little-endian.
// One transferable buffer carries many rows, so routing costs no structured clone per update.
import type { Codec } from '../codec.js';

export const ROW_HEADER = 24;

export class RowWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  rows = 0;
  /** Buffers the worker handed back, reused instead of allocating fresh ones. */
  private readonly spare: ArrayBuffer[] = [];
  constructor(private readonly chunkBytes: number) {
    this.buf = new Uint8Array(chunkBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Room for at least n more bytes (a row larger than a chunk gets a chunk of its own size). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Hands over the filled buffer and starts the next one. */
  take(): { buf: ArrayBuffer; len: number; rows: number } {
    const out = { buf: this.buf.buffer as ArrayBuffer, len: this.pos, rows: this.rows };
    const reuse = this.spare.pop();
    this.buf = reuse ? new Uint8Array(reuse) : new Uint8Array(this.chunkBytes);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.rows = 0;
    return out;
  }

  /** A buffer back from the worker (a few are kept; an outsized one is dropped). */
  giveBack(buf: ArrayBuffer): void {
    if (buf.byteLength === this.chunkBytes && this.spare.length < 4) this.spare.push(buf);
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
