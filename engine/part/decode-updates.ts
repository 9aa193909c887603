// Columns to updates at the edge: keys and values go through their codecs. Codecs get views into
// the part's buffers; a codec that keeps the bytes must copy them (codecs.bytes does).
import type { Codec } from '../codec.js';
import type { PartColumns } from './types.js';

export function toUpdates<K, V>(cols: PartColumns, keyCodec: Codec<K>, valCodec: Codec<V>): [K, V, number, number][] {
  const len = cols.len;
  const out = new Array<[K, V, number, number]>(len);
  const ko = cols.keys.offsets;
  const kd = cols.keys.data;
  const vo = cols.vals.offsets;
  const vd = cols.vals.data;
  const times = cols.times;
  const diffs = cols.diffs;
  for (let i = 0; i < len; i++) {
    out[i] = [keyCodec.decode(kd.subarray(ko[i], ko[i + 1])), valCodec.decode(vd.subarray(vo[i], vo[i + 1])), times[i], diffs[i]];
  }
  return out;
}
