// Bytewise comparison of byte ranges in place: no subarrays, no allocation. Order is unsigned
// lexicographic with a shorter prefix first (the order of parts' keys and values).
import type { BinaryColumn, PartColumns } from './types.js';

// Above this many bytes a native memcmp beats the JS loop despite its call overhead.
const NATIVE_MIN = 48;
const nativeCompare = Buffer.prototype.compare as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  targetEnd: number,
  sourceStart: number,
  sourceEnd: number,
) => number;

/** Compares a[aStart, aEnd) with b[bStart, bEnd): negative, zero or positive. */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const n = aLen < bLen ? aLen : bLen;
  if (n >= NATIVE_MIN) return nativeOrder(a, aStart, aLen, b, bStart, bLen, n);
  return byteOrder(a, aStart, aLen, b, bStart, bLen, 0, n);
}

/** The order by Buffer's native compare of the common prefix (n bytes), then by length. */
function nativeOrder(a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bStart: number, bLen: number, n: number): number {
  const c = nativeCompare.call(a, b, bStart, bStart + n, aStart, aStart + n);
  return c !== 0 ? c : aLen - bLen;
}

/** The order by bytes from..n of the common prefix (those before `from` are equal), then by length. */
function byteOrder(a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bStart: number, bLen: number, from: number, n: number): number {
  for (let i = from; i < n; i++) {
    const x = a[aStart + i];
    const y = b[bStart + i];
    if (x !== y) return x - y;
  }
  return aLen - bLen;
}

/** Whether bytes from..n of a at aStart and b at bStart are equal. */
function bytesEqualFrom(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, from: number, n: number): boolean {
  for (let i = from; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** True iff a[aStart, aEnd) and b[bStart, bEnd) hold the same bytes. */
export function equalBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): boolean {
  const n = aEnd - aStart;
  if (n !== bEnd - bStart) return false;
  if (n >= NATIVE_MIN) return nativeCompare.call(a, b, bStart, bEnd, aStart, aEnd) === 0;
  return bytesEqualFrom(a, aStart, b, bStart, 0, n);
}

/** Compares value i of column a with value j of column b. */
export function compareValues(a: BinaryColumn, i: number, b: BinaryColumn, j: number): number {
  return compareBytes(a.data, a.offsets[i], a.offsets[i + 1], b.data, b.offsets[j], b.offsets[j + 1]);
}

/** Compares row i of a with row j of b by (key, val, time). */
export function compareRows(a: PartColumns, i: number, b: PartColumns, j: number): number {
  const c = compareValues(a.keys, i, b.keys, j);
  if (c !== 0) return c;
  const d = compareValues(a.vals, i, b.vals, j);
  if (d !== 0) return d;
  return a.times[i] - b.times[j];
}

/**
 * compareBytes reading 4 bytes at a time through DataViews over the same buffers (av over a, bv
 * over b, each covering exactly its array's bytes).
 */
export function compareBytesDV(
  a: Uint8Array,
  av: DataView,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bv: DataView,
  bStart: number,
  bEnd: number,
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const n = aLen < bLen ? aLen : bLen;
  if (n >= NATIVE_MIN) return nativeOrder(a, aStart, aLen, b, bStart, bLen, n);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = av.getUint32(aStart + i);
    const y = bv.getUint32(bStart + i);
    if (x !== y) return x < y ? -1 : 1;
  }
  return byteOrder(a, aStart, aLen, b, bStart, bLen, i, n);
}

/** equalBytes reading 4 bytes at a time through DataViews (as in compareBytesDV). */
export function equalBytesDV(
  a: Uint8Array,
  av: DataView,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bv: DataView,
  bStart: number,
  bEnd: number,
): boolean {
  const n = aEnd - aStart;
  if (n !== bEnd - bStart) return false;
  if (n >= NATIVE_MIN) return nativeCompare.call(a, b, bStart, bEnd, aStart, aEnd) === 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (av.getInt32(aStart + i, true) !== bv.getInt32(bStart + i, true)) return false;
  return bytesEqualFrom(a, aStart, b, bStart, i, n);
}
