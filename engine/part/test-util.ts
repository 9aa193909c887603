// Reference implementations and random data for the part tests: simple and obviously correct,
// never fast.
import type { PartColumns } from './types.js';
export { rng } from '../testing/rng.js';

export type Row = [Uint8Array, Uint8Array, number, number];

export function randInt(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

export function randBytes(r: () => number, len: number, alphabet = 256): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = randInt(r, alphabet);
  return b;
}

export function refCompareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function refCompareRows(a: Row, b: Row): number {
  return refCompareBytes(a[0], b[0]) || refCompareBytes(a[1], b[1]) || Math.sign(a[2] - b[2]);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Sorted, consolidated copy of rows: equal (key, val, time) summed, zeros dropped. */
export function refConsolidate(rows: readonly Row[]): Row[] {
  const m = new Map<string, Row>();
  for (const [k, v, t, d] of rows) {
    const id = `${hex(k)}/${hex(v)}/${t}`;
    const e = m.get(id);
    if (e) e[3] += d;
    else m.set(id, [k, v, t, d]);
  }
  return [...m.values()].filter((r) => r[3] !== 0).sort(refCompareRows);
}

/**
 * Like refConsolidate, with exact (BigInt) sums: a sum past the safe integers is written as rows
 * of +-MAX_SAFE_INTEGER and a remainder of the same sign, as the engine keeps them.
 */
export function refConsolidateExact(rows: readonly Row[]): Row[] {
  const MAX = BigInt(Number.MAX_SAFE_INTEGER);
  const m = new Map<string, { row: Row; sum: bigint }>();
  for (const row of rows) {
    const id = `${hex(row[0])}/${hex(row[1])}/${row[2]}`;
    const e = m.get(id);
    if (e) e.sum += BigInt(row[3]);
    else m.set(id, { row, sum: BigInt(row[3]) });
  }
  const out: Row[] = [];
  for (const { row, sum } of [...m.values()].sort((a, b) => refCompareRows(a.row, b.row))) {
    const sign = sum < 0n ? -1n : 1n;
    let left = sum * sign;
    while (left > 0n) {
      const d = left > MAX ? MAX : left;
      out.push([row[0], row[1], row[2], Number(d * sign)]);
      left -= d;
    }
  }
  return out;
}

/** The exact sum of the diffs of rows, by (key, val, time). */
export function exactSums(rows: readonly Row[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const [k, v, t, d] of rows) {
    const id = `${hex(k)}/${hex(v)}/${t}`;
    m.set(id, (m.get(id) ?? 0n) + BigInt(d));
  }
  for (const [id, s] of m) if (s === 0n) m.delete(id);
  return m;
}

/** The rows of columns, with copied bytes, in a comparable form. */
export function rowsOf(c: PartColumns): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < c.len; i++) {
    out.push([
      c.keys.data.slice(c.keys.offsets[i], c.keys.offsets[i + 1]),
      c.vals.data.slice(c.vals.offsets[i], c.vals.offsets[i + 1]),
      c.times[i],
      c.diffs[i],
    ]);
  }
  return out;
}

/** Rows as strings, for readable deep-equality failures. */
export function show(rows: readonly Row[]): string[] {
  return rows.map(([k, v, t, d]) => `${hex(k)}|${hex(v)}|${t}|${d}`);
}

/** Columns from rows, with the structural invariants of PartColumns. */
export function colsOf(rows: readonly Row[]): PartColumns {
  const len = rows.length;
  const ko = new Int32Array(len + 1);
  const vo = new Int32Array(len + 1);
  for (let i = 0; i < len; i++) {
    ko[i + 1] = ko[i] + rows[i][0].length;
    vo[i + 1] = vo[i] + rows[i][1].length;
  }
  const kd = new Uint8Array(ko[len]);
  const vd = new Uint8Array(vo[len]);
  rows.forEach((r, i) => {
    kd.set(r[0], ko[i]);
    vd.set(r[1], vo[i]);
  });
  return {
    len,
    keys: { offsets: ko, data: kd },
    vals: { offsets: vo, data: vd },
    times: Float64Array.from(rows, (r) => r[2]),
    diffs: Float64Array.from(rows, (r) => r[3]),
  };
}

/** Checks the structural invariants of columns; returns a description of the first violation. */
export function structureProblem(c: PartColumns): string | null {
  if (c.keys.offsets.length !== c.len + 1 || c.vals.offsets.length !== c.len + 1) return 'offsets length';
  if (c.times.length !== c.len || c.diffs.length !== c.len) return 'times/diffs length';
  if (c.keys.offsets[0] !== 0 || c.vals.offsets[0] !== 0) return 'offsets[0] != 0';
  for (let i = 0; i < c.len; i++) {
    if (c.keys.offsets[i + 1] < c.keys.offsets[i] || c.vals.offsets[i + 1] < c.vals.offsets[i]) return `offsets decrease at ${i}`;
  }
  if (c.keys.offsets[c.len] > c.keys.data.length || c.vals.offsets[c.len] > c.vals.data.length) return 'offsets past data';
  return null;
}
