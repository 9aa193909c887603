// Columns to updates at the edge: keys and values go through their codecs. Codecs get views into
// the part's buffers; a codec that keeps the bytes must copy them (codecs.bytes does).
//
// The string codec gets a fast path: an ASCII string decodes to the same string as its Latin-1
// reading, which Buffer does without a view per value (a view and a TextDecoder call per key and
// per value were a third of a consolidated snapshot's time). Anything else goes to the codec,
// which keeps its strictness about bytes that are not UTF-8.
import { codecs, type Codec } from '../codec.js';
import type { PartColumns } from './types.js';

type Latin1 = (this: Buffer, start: number, end: number) => string;
// Buffer's own (undocumented, long-standing) latin1Slice skips toString's argument handling.
const latin1: Latin1 =
  typeof (Buffer.prototype as { latin1Slice?: Latin1 }).latin1Slice === 'function'
    ? (Buffer.prototype as unknown as { latin1Slice: Latin1 }).latin1Slice
    : function (this: Buffer, s: number, e: number) {
        return this.toString('latin1', s, e);
      };

type Decoder<T> = (data: Uint8Array, buf: Buffer, start: number, end: number) => T;

function decoderFor<T>(codec: Codec<T>): Decoder<T> {
  if ((codec as Codec<unknown>) !== codecs.string) return (data, _buf, s, e) => codec.decode(data.subarray(s, e));
  return stringDecoder() as unknown as Decoder<T>;
}

/**
 * The string codec's decoder for the rows of one toUpdates call. A value whose bytes equal the previous row's
 * (a key with several values, one value under many keys) is the previous string: consolidated
 * output repeats both, and a compare of a few bytes is cheaper than a new string for the GC.
 */
function stringDecoder(): Decoder<string> {
  let pd: Uint8Array | null = null;
  let ps = 0;
  let pn = -1;
  let prev = '';
  return (data, buf, s, e) => {
    const n = e - s;
    if (n === pn && data === pd) {
      let i = 0;
      while (i < n && data[s + i] === data[ps + i]) i++;
      if (i === n) return prev;
    }
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (data[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    prev = ascii ? latin1.call(buf, s, e) : codecs.string.decode(data.subarray(s, e));
    pd = data;
    ps = s;
    pn = n;
    return prev;
  };
}

/** The updates of cols, appended to `into` when given (a merge's chunks gathered in one array). */
export function toUpdates<K, V>(
  cols: PartColumns,
  keyCodec: Codec<K>,
  valCodec: Codec<V>,
  into?: [K, V, number, number][],
): [K, V, number, number][] {
  const len = cols.len;
  const out = into ?? new Array<[K, V, number, number]>(len);
  const at = into ? into.length : 0;
  const ko = cols.keys.offsets;
  const kd = cols.keys.data;
  const vo = cols.vals.offsets;
  const vd = cols.vals.data;
  const kb = Buffer.from(kd.buffer, kd.byteOffset, kd.byteLength);
  const vb = Buffer.from(vd.buffer, vd.byteOffset, vd.byteLength);
  const key = decoderFor(keyCodec);
  const val = decoderFor(valCodec);
  const times = cols.times;
  const diffs = cols.diffs;
  for (let i = 0; i < len; i++) {
    out[at + i] = [key(kd, kb, ko[i], ko[i + 1]), val(vd, vb, vo[i], vo[i + 1]), times[i], diffs[i]];
  }
  return out;
}
