// Inline parts: a tiny part kept in state as base64 columns instead of a blob, so a small append
// costs one consensus write and no blob round trip. This is its codec, both ways.
import { CorruptDataError } from '../errors.js';
import type { InlineUpdates } from '../state/types.js';
import type { PartColumns } from './types.js';

/** The key a part stored inline is known by (it has no blob key). */
export function inlineKey(len: number): string {
  return `inline:${len}`;
}

export function inlineFromColumns(c: PartColumns): InlineUpdates {
  const k: string[] = [];
  const v: string[] = [];
  const t: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < c.len; i++) {
    k.push(Buffer.from(c.keys.data.buffer, c.keys.data.byteOffset + c.keys.offsets[i], c.keys.offsets[i + 1] - c.keys.offsets[i]).toString('base64'));
    v.push(Buffer.from(c.vals.data.buffer, c.vals.data.byteOffset + c.vals.offsets[i], c.vals.offsets[i + 1] - c.vals.offsets[i]).toString('base64'));
    t.push(c.times[i]);
    d.push(c.diffs[i]);
  }
  return { k, v, t, d };
}

/** Bytes an inline part adds to state (base64 text plus times and diffs). */
export function inlineSize(u: InlineUpdates): number {
  let n = 16 * u.t.length;
  for (const s of u.k) n += s.length;
  for (const s of u.v) n += s.length;
  return n;
}

/**
 * inlineSize(inlineFromColumns(c)), without building the strings: a builder asks of every batch
 * that is one part, and most of those are far too big to go inline.
 */
export function inlineSizeOf(c: PartColumns): number {
  let n = 16 * c.len;
  const ko = c.keys.offsets;
  const vo = c.vals.offsets;
  for (let i = 0; i < c.len; i++) {
    n += 4 * Math.ceil((ko[i + 1] - ko[i]) / 3) + 4 * Math.ceil((vo[i + 1] - vo[i]) / 3);
  }
  return n;
}

function binaryColumn(values: readonly string[]): { offsets: Int32Array; data: Uint8Array } {
  const bufs = values.map((s) => Buffer.from(s, 'base64'));
  const offsets = new Int32Array(bufs.length + 1);
  let n = 0;
  bufs.forEach((b, i) => {
    n += b.length;
    offsets[i + 1] = n;
  });
  const data = new Uint8Array(n);
  bufs.forEach((b, i) => data.set(b, offsets[i]));
  return { offsets, data };
}

export function columnsFromInline(key: string, u: InlineUpdates): PartColumns {
  if (typeof u !== 'object' || u === null || ![u.k, u.v, u.t, u.d].every(Array.isArray)) {
    throw new CorruptDataError(key, 'inline part is not four columns');
  }
  const len = u.t.length;
  if (u.k.length !== len || u.v.length !== len || u.d.length !== len) {
    throw new CorruptDataError(key, 'inline part columns differ in length');
  }
  // State is checksummed, but a part read as data must hold what parts hold: safe integer
  // times and diffs, and base64 keys and values (which Buffer would otherwise decode leniently).
  for (let i = 0; i < len; i++) {
    const t = u.t[i];
    const d = u.d[i];
    if (!Number.isSafeInteger(t) || t < 0) throw new CorruptDataError(key, `inline row ${i} time ${t} is not a non-negative safe integer`);
    if (!Number.isSafeInteger(d)) throw new CorruptDataError(key, `inline row ${i} diff ${d} is not a safe integer`);
    if (!isBase64(u.k[i]) || !isBase64(u.v[i])) throw new CorruptDataError(key, `inline row ${i} key or value is not base64`);
  }
  return {
    len,
    keys: binaryColumn(u.k),
    vals: binaryColumn(u.v),
    times: Float64Array.from(u.t),
    diffs: Float64Array.from(u.d),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isBase64(s: unknown): boolean {
  return typeof s === 'string' && BASE64.test(s);
}
