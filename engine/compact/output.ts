// Collects merged chunks into output parts of about the target size.
import type { PartColumns } from '../part/types.js';

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
  return c.keys.offsets[c.len] - c.keys.offsets[0] + c.vals.offsets[c.len] - c.vals.offsets[0] + 24 * c.len;
}
