import { describe, expect, it } from 'vitest';
import { UpdateArena } from './arena.js';
import { ColumnsAccumulator, concatColumns, newColumnBuffers } from './columns.js';
import { encodePart } from './encode.js';
import { colsOf, randBytes, randInt, refConsolidate, rng, type Row, rowsOf, show, structureProblem } from './test-util.js';
import type { PartColumns } from './types.js';

function randomRows(r: () => number, n: number): Row[] {
  return Array.from({ length: n }, (_, i): Row => [randBytes(r, randInt(r, 40)), randBytes(r, randInt(r, 9)), i, randInt(r, 5) - 2 || 1]);
}

/** rows[from, to) of c as a view whose offsets do not start at 0, as a merge's chunks may be. */
function slice(c: PartColumns, from: number, to: number): PartColumns {
  return {
    len: to - from,
    keys: { offsets: c.keys.offsets.subarray(from, to + 1), data: c.keys.data },
    vals: { offsets: c.vals.offsets.subarray(from, to + 1), data: c.vals.data },
    times: c.times.subarray(from, to),
    diffs: c.diffs.subarray(from, to),
  };
}

describe('ColumnsAccumulator', () => {
  it('joins chunks as concatColumns does, to the same encoded part, reusing its buffers after clear', () => {
    const r = rng(7);
    const acc = new ColumnsAccumulator();
    for (let round = 0; round < 6; round++) {
      const whole = colsOf(randomRows(r, 1 + randInt(r, 3000)));
      const chunks: PartColumns[] = [];
      for (let i = 0; i < whole.len; ) {
        const n = Math.min(whole.len - i, randInt(r, 700));
        chunks.push(slice(whole, i, i + n)); // some are empty
        i += n;
      }
      acc.clear();
      // Each chunk is overwritten once appended, as a merge reusing its chunk buffers does.
      for (const c of chunks) {
        const copy = colsOf(rowsOf(c));
        acc.append(copy);
        copy.keys.data.fill(0);
        copy.times.fill(-1);
      }
      const joined = acc.columns();
      expect(structureProblem(joined)).toBeNull();
      expect(show(rowsOf(joined))).toEqual(show(rowsOf(whole)));
      expect(encodePart(joined, 'k')).toEqual(encodePart(concatColumns(chunks), 'k'));
    }
  });

  it('holds nothing after clear', () => {
    const acc = new ColumnsAccumulator();
    acc.append(colsOf(randomRows(rng(1), 10)));
    acc.clear();
    expect(acc.columns().len).toBe(0);
    expect(rowsOf(acc.columns())).toEqual([]);
  });

  it('shares its buffers with an arena taking turns, each growing them as its part needs', () => {
    // A builder's flushes and run merges share one set of part-sized buffers.
    const r = rng(11);
    const shared = newColumnBuffers();
    const acc = new ColumnsAccumulator(shared);
    const arena = new UpdateArena(64, { output: shared });
    for (let round = 0; round < 8; round++) {
      const rows = randomRows(r, 1 + randInt(r, round % 2 === 0 ? 4000 : 300));
      for (const [k, v, t, d] of rows) arena.add(k, v, t, d);
      const sorted = arena.sortAndConsolidate({ reuseOutput: true });
      expect(structureProblem(sorted)).toBeNull();
      expect(show(rowsOf(sorted))).toEqual(show(refConsolidate(rows)));
      arena.clear();
      const whole = colsOf(randomRows(r, 1 + randInt(r, round % 3 === 0 ? 5000 : 200)));
      acc.clear();
      for (let i = 0; i < whole.len; i += 100) acc.append(slice(whole, i, Math.min(whole.len, i + 100)));
      expect(show(rowsOf(acc.columns()))).toEqual(show(rowsOf(whole)));
    }
  });
});
