// The flat row format the sink's router sends to its batch-writing workers: per row
// [u32 key length][u32 val length][f64 time][f64 diff][key bytes][val bytes], little-endian.
// One transferable buffer carries many rows, so routing costs no structured clone per update.
export const ROW_HEADER = 24;

export class RowWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  rows = 0;
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

  /** Hands over the filled buffer and starts a fresh one. */
  take(): { buf: ArrayBuffer; len: number; rows: number } {
    const out = { buf: this.buf.buffer as ArrayBuffer, len: this.pos, rows: this.rows };
    this.buf = new Uint8Array(this.chunkBytes);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.rows = 0;
    return out;
  }
}

export function* readRows(buf: Uint8Array, len: number): Generator<[Uint8Array, Uint8Array, number, number]> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p < len) {
    const kl = view.getUint32(p, true);
    const vl = view.getUint32(p + 4, true);
    const t = view.getFloat64(p + 8, true);
    const d = view.getFloat64(p + 16, true);
    p += ROW_HEADER;
    const k = buf.subarray(p, p + kl);
    p += kl;
    const v = buf.subarray(p, p + vl);
    p += vl;
    yield [k, v, t, d];
  }
}
