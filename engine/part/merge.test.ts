import { describe, expect, it } from 'vitest';
import { InvalidUsageError } from '../errors.js';
import { mergePartsSync, mergeRuns, type MergeOptions, type MergeRun } from './merge.js';
import { colsOf, randBytes, randInt, refCompareRows, refConsolidate, refConsolidateExact, rng, type Row, rowsOf, show, structureProblem } from './test-util.js';
import { decodePart, encodePart } from './encode.js';
import type { PartColumns } from './types.js';

interface RunSpec {
  parts: Row[][]; // each part sorted and consolidated; their concatenation sorted
  timeLower: number;
  timeUpper: number;
}

/** A random run: sorted consolidated rows cut into parts (some empty). */
function randomRun(r: () => number, o: { rows: number; keys: number; times: number; keyLen?: number; valLen?: number }): RunSpec {
  const keys = Array.from({ length: o.keys }, () => randBytes(r, o.keyLen ?? randInt(r, 4), 3));
  const vals =
    o.valLen === undefined
      ? [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([1, 0])]
      : [new Uint8Array(o.valLen), new Uint8Array(o.valLen).fill(1), new Uint8Array(o.valLen).fill(2)];
  const raw: Row[] = [];
  for (let i = 0; i < o.rows; i++) {
    raw.push([keys[randInt(r, keys.length)], vals[randInt(r, vals.length)], randInt(r, o.times), randInt(r, 7) - 3 || 1]);
  }
  const sorted = refConsolidate(raw);
  const parts: Row[][] = [];
  let i = 0;
  while (i < sorted.length || parts.length === 0) {
    const n = randInt(r, 4) === 0 ? 0 : 1 + randInt(r, 12);
    parts.push(sorted.slice(i, i + n));
    i += n;
  }
  const lo = randInt(r, 3) === 0 ? 0 : randInt(r, o.times);
  const hi = randInt(r, 3) === 0 ? Infinity : lo + randInt(r, o.times);
  return { parts, timeLower: lo, timeUpper: hi };
}

function reference(runs: RunSpec[], opts: MergeOptions): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    for (const part of run.parts) {
      for (const [k, v, t, d] of part) {
        if (t >= run.timeLower && t < run.timeUpper) rows.push([k, v, Math.max(t, opts.advanceTo), d]);
      }
    }
  }
  if (opts.consolidate) return refConsolidate(rows);
  return rows.sort((a, b) => refCompareRows(a, b) || a[3] - b[3]);
}

/** MergeRuns over specs, recording how many parts each run has handed out. */
function mergeRunsOf(specs: RunSpec[]): { runs: MergeRun[]; fetched: number[] } {
  const fetched = specs.map(() => 0);
  const runs = specs.map((s, i) => ({
    timeLower: s.timeLower,
    timeUpper: s.timeUpper,
    nextPart: async (): Promise<PartColumns | null> => {
      await Promise.resolve();
      if (fetched[i] >= s.parts.length) return null;
      return colsOf(s.parts[fetched[i]++]);
    },
  }));
  return { runs, fetched };
}

async function collect(it: AsyncIterable<PartColumns>): Promise<PartColumns[]> {
  const out: PartColumns[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const sortedWithDiffs = (rows: Row[]) => show(rows.sort((a, b) => refCompareRows(a, b) || a[3] - b[3]));

describe('mergeRuns', () => {
  it('matches the reference: filters, advance, consolidation across and within runs', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const specs = Array.from({ length: 1 + randInt(r, 6) }, () => randomRun(r, { rows: randInt(r, 80), keys: 10, times: 8 }));
      const opts: MergeOptions = { advanceTo: randInt(r, 9), consolidate: randInt(r, 4) !== 0, chunkRows: 1 + randInt(r, 20) };
      const chunks = await collect(mergeRuns(mergeRunsOf(specs).runs, opts));
      const all = chunks.flatMap(rowsOf);
      for (const c of chunks) {
        expect(c.len).toBeGreaterThan(0);
        expect(c.len).toBeLessThanOrEqual(opts.chunkRows);
        expect(structureProblem(c)).toBeNull();
      }
      if (opts.consolidate) {
        // Consolidated output is exactly the reference, in order: so no group is split across chunks.
        expect(show(all)).toEqual(show(reference(specs, opts)));
      } else {
        for (let i = 1; i < all.length; i++) expect(refCompareRows(all[i - 1], all[i])).toBeLessThanOrEqual(0);
        expect(sortedWithDiffs(all)).toEqual(sortedWithDiffs(reference(specs, opts)));
      }
    }
  });

  it('never splits a group across chunks, even when the group spans parts and runs', async () => {
    const k = new Uint8Array([7]);
    const v = new Uint8Array(0);
    // Times 1..6 in one run over several parts, advanced to 10: one group of 6 rows (+ one from run 2).
    const specs: RunSpec[] = [
      { parts: [[[new Uint8Array([1]), v, 1, 1]], [[k, v, 1, 1], [k, v, 2, 1]], [[k, v, 3, 1]], [[k, v, 4, 1], [k, v, 5, 1], [k, v, 6, 1]]], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, v, 9, 1], [new Uint8Array([8]), v, 1, 1]]], timeLower: 0, timeUpper: Infinity },
    ];
    const chunks = await collect(mergeRuns(mergeRunsOf(specs).runs, { advanceTo: 10, consolidate: true, chunkRows: 1 }));
    expect(chunks.map((c) => show(rowsOf(c)))).toEqual([
      show([[new Uint8Array([1]), v, 10, 1]]),
      show([[k, v, 10, 7]]),
      show([[new Uint8Array([8]), v, 10, 1]]),
    ]);
  });

  it('drops groups that sum to zero, also at chunk boundaries', async () => {
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    const c = new Uint8Array([3]);
    const v = new Uint8Array(0);
    const specs: RunSpec[] = [
      { parts: [[[a, v, 1, 1], [b, v, 1, 1], [c, v, 1, 1]]], timeLower: 0, timeUpper: Infinity },
      { parts: [[[b, v, 2, -1]]], timeLower: 0, timeUpper: Infinity },
    ];
    const chunks = await collect(mergeRuns(mergeRunsOf(specs).runs, { advanceTo: 5, consolidate: true, chunkRows: 1 }));
    expect(chunks.map((ch) => show(rowsOf(ch)))).toEqual([show([[a, v, 5, 1]]), show([[c, v, 5, 1]])]);
  });

  it('loads parts lazily: one part per run at a time', async () => {
    const r = rng(3);
    const specs = Array.from({ length: 4 }, () => randomRun(r, { rows: 400, keys: 100, times: 3 }));
    for (const s of specs) {
      s.timeLower = 0;
      s.timeUpper = Infinity;
      s.parts = s.parts.filter((p) => p.length > 0);
    }
    const { runs, fetched } = mergeRunsOf(specs);
    const it = mergeRuns(runs, { advanceTo: 0, consolidate: true, chunkRows: 5 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    // Each run has handed out only the parts up to the one holding its current row.
    const total = specs.reduce((n, s) => n + s.parts.length, 0);
    expect(fetched.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(specs.length + 5);
    expect(total).toBeGreaterThan(specs.length + 5);
    await it.return?.();
  });

  it('gives the same rows with parts copied into reused buffers and chunks reused, whatever the parts widths', async () => {
    // Parts go through the real encoding, decoded into the merge's scratch; their times and diffs
    // need 1, 2, 4 or 8 bytes, changing from part to part of a run, and their sizes grow and
    // shrink, so each run's copy buffers are reused, regrown and narrowed differently. Keys and
    // values are of one length (kept without offsets: 0, 1 or 3 bytes) in some seeds.
    const widths = [1, 300, 70_000, 2 ** 40];
    for (let seed = 700; seed < 800; seed++) {
      const r = rng(seed);
      const specs = Array.from({ length: 1 + randInt(r, 5) }, () => {
        const fixed = randInt(r, 2) === 0;
        const keyLen = fixed ? [1, 3][randInt(r, 2)] : undefined;
        const valLen = fixed ? [0, 1, 3][randInt(r, 3)] : undefined;
        const s = randomRun(r, { rows: randInt(r, 200), keys: 40, times: 4, keyLen, valLen });
        s.parts = s.parts.map((part) => {
          const w = widths[randInt(r, widths.length)];
          return part.map(([k, v, t, d]) => [k, v, t * widths[randInt(r, widths.length)], d * w] as Row);
        });
        return s;
      });
      const encodedRuns = (): MergeRun[] =>
        specs.map((s) => {
          let i = 0;
          return {
            timeLower: s.timeLower,
            timeUpper: s.timeUpper,
            nextPart: async (into) => (i < s.parts.length ? decodePart(`p${i}`, encodePart(colsOf(s.parts[i]), `p${i++}`), into) : null),
          };
        });
      const opts: MergeOptions = { advanceTo: randInt(r, 4), consolidate: randInt(r, 4) !== 0, chunkRows: 1 + randInt(r, 20) };
      const want = (await collect(mergeRuns(mergeRunsOf(specs).runs, { ...opts, copyParts: false }))).map((c) => show(rowsOf(c)));
      // A reused chunk is only valid until the next is asked for: read each one before that.
      const got: string[][] = [];
      for await (const c of mergeRuns(encodedRuns(), { ...opts, reuseChunks: true })) {
        expect(structureProblem(c)).toBeNull();
        got.push(show(rowsOf(c)));
      }
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });

  it('yields nothing for no runs, empty runs and runs whose filter excludes everything', async () => {
    expect(await collect(mergeRuns([], { advanceTo: 0, consolidate: true, chunkRows: 10 }))).toEqual([]);
    const k = new Uint8Array([1]);
    const specs: RunSpec[] = [
      { parts: [[], []], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, k, 5, 1]]], timeLower: 6, timeUpper: Infinity },
      { parts: [[[k, k, 5, 1]]], timeLower: 0, timeUpper: 5 },
      { parts: [[[k, k, 5, 1]]], timeLower: 3, timeUpper: 3 },
    ];
    expect(await collect(mergeRuns(mergeRunsOf(specs).runs, { advanceTo: 0, consolidate: false, chunkRows: 10 }))).toEqual([]);
  });

  it('propagates errors from loading a part', async () => {
    const run: MergeRun = { timeLower: 0, timeUpper: Infinity, nextPart: async () => Promise.reject(new Error('blob down')) };
    await expect(collect(mergeRuns([run], { advanceTo: 0, consolidate: true, chunkRows: 10 }))).rejects.toThrow('blob down');
  });

  it('keeps a diff sum past the safe integers as rows of safe integers, never failing', async () => {
    const k = new Uint8Array([1]);
    const MAX = Number.MAX_SAFE_INTEGER;
    const specs: RunSpec[] = [
      { parts: [[[k, k, 0, MAX]]], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, k, 1, 1]]], timeLower: 0, timeUpper: Infinity },
    ];
    const out = await collect(mergeRuns(mergeRunsOf(specs).runs, { advanceTo: 1, consolidate: true, chunkRows: 10 }));
    expect(show(out.flatMap(rowsOf))).toEqual(show([[k, k, 1, MAX], [k, k, 1, 1]]));
    // Merged again with more of the same, and with what cancels it: exact, in any order.
    const again: RunSpec[] = [
      { parts: [out.flatMap(rowsOf)], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, k, 1, 2 ** 52 + 1]]], timeLower: 0, timeUpper: Infinity },
    ];
    const out2 = await collect(mergeRuns(mergeRunsOf(again).runs, { advanceTo: 1, consolidate: true, chunkRows: 10 }));
    expect(show(out2.flatMap(rowsOf))).toEqual(show([[k, k, 1, MAX], [k, k, 1, 2 ** 52 + 2]]));
    const cancel: RunSpec[] = [
      { parts: [out.flatMap(rowsOf)], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, k, 1, -MAX]], [[k, new Uint8Array([2]), 1, 5]]], timeLower: 0, timeUpper: Infinity },
      { parts: [[[k, k, 1, -1]]], timeLower: 0, timeUpper: Infinity },
    ];
    const out3 = await collect(mergeRuns(mergeRunsOf(cancel).runs, { advanceTo: 1, consolidate: true, chunkRows: 10 }));
    expect(show(out3.flatMap(rowsOf))).toEqual(show([[k, new Uint8Array([2]), 1, 5]]));
  });

  it('matches exact sums on random huge diffs, in chunks and in memory', async () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const big = [MAX, -MAX, 2 ** 52 + 1, -(2 ** 52 + 1), MAX - 1, 2 ** 53 - 2, 1, -1, 3];
    for (let seed = 500; seed < 560; seed++) {
      const r = rng(seed);
      const keys = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([2, 0])];
      const specs: RunSpec[] = Array.from({ length: 1 + randInt(r, 5) }, () => {
        const raw: Row[] = Array.from({ length: randInt(r, 30) }, () => [keys[randInt(r, 3)], keys[0], randInt(r, 3), big[randInt(r, big.length)]]);
        const rows = refConsolidateExact(raw);
        const parts: Row[][] = [];
        for (let i = 0; i < rows.length; ) {
          // Cut anywhere, also between the rows of one spilled (key, val, time).
          const n = 1 + randInt(r, 4);
          parts.push(rows.slice(i, i + n));
          i += n;
        }
        return { parts, timeLower: 0, timeUpper: Infinity };
      });
      const all = specs.flatMap((s) => s.parts.flat()).map(([k, v, t, d]) => [k, v, Math.max(t, 1), d] as Row);
      const want = show(refConsolidateExact(all));
      const chunks = await collect(mergeRuns(mergeRunsOf(specs).runs, { advanceTo: 1, consolidate: true, chunkRows: 1 + randInt(r, 4) }));
      expect(show(chunks.flatMap(rowsOf)), `seed ${seed}`).toEqual(want);
      const sync = mergePartsSync(specs.map((s) => ({ cols: colsOf(s.parts.flat()), timeLower: 0, timeUpper: Infinity })), { advanceTo: 1, consolidate: true, chunkRows: MAX });
      expect(structureProblem(sync)).toBeNull();
      expect(show(rowsOf(sync)), `seed ${seed}`).toEqual(want);
    }
  });
});

describe('mergePartsSync', () => {
  it('matches the reference on random in-memory parts', () => {
    for (let seed = 1000; seed < 1150; seed++) {
      const r = rng(seed);
      // Every part is its own run here.
      const specs = Array.from({ length: randInt(r, 7) }, () => {
        const s = randomRun(r, { rows: randInt(r, 60), keys: 8, times: 6 });
        return { parts: [s.parts.flat()], timeLower: s.timeLower, timeUpper: s.timeUpper };
      });
      const opts: MergeOptions = { advanceTo: randInt(r, 7), consolidate: randInt(r, 4) !== 0, chunkRows: Number.MAX_SAFE_INTEGER };
      const out = mergePartsSync(
        specs.map((s) => ({ cols: colsOf(s.parts[0]), timeLower: s.timeLower, timeUpper: s.timeUpper })),
        opts,
      );
      expect(structureProblem(out)).toBeNull();
      if (opts.consolidate) expect(show(rowsOf(out))).toEqual(show(reference(specs, opts)));
      else expect(sortedWithDiffs(rowsOf(out))).toEqual(sortedWithDiffs(reference(specs, opts)));
    }
  });

  it('orders keys that share their first bytes, differ only past them or are zero-padded prefixes', () => {
    // The merge compares a number made of each key's first bytes before the bytes themselves:
    // keys around that width, with high bytes and zeros, must still order bytewise.
    const stems = [[], [0], [0xff], [0x80, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x7f, 0x80, 0xff, 0, 0x80, 0x01]];
    for (let seed = 2000; seed < 2040; seed++) {
      const r = rng(seed);
      const keys = Array.from({ length: 12 }, () => {
        const stem = stems[randInt(r, stems.length)];
        const tail = Array.from({ length: randInt(r, 5) }, () => [0, 1, 0x80, 0xff][randInt(r, 4)]);
        return new Uint8Array([...stem, ...tail]);
      });
      const specs: RunSpec[] = Array.from({ length: 1 + randInt(r, 5) }, () => {
        const raw: Row[] = Array.from({ length: randInt(r, 40) }, () => [keys[randInt(r, keys.length)], new Uint8Array(0), randInt(r, 3), 1]);
        return { parts: [refConsolidate(raw)], timeLower: 0, timeUpper: Infinity };
      });
      const opts: MergeOptions = { advanceTo: 0, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER };
      const out = mergePartsSync(specs.map((s) => ({ cols: colsOf(s.parts[0]), timeLower: 0, timeUpper: Infinity })), opts);
      expect(structureProblem(out)).toBeNull();
      expect(show(rowsOf(out))).toEqual(show(reference(specs, opts)));
    }
  });

  it('returns a single part that the filter and advance leave unchanged as is', () => {
    const k = new Uint8Array([1]);
    const cols = colsOf([[k, k, 3, 1], [k, k, 4, 2]]);
    expect(mergePartsSync([{ cols, timeLower: 3, timeUpper: 5 }], { advanceTo: 3, consolidate: true, chunkRows: 1 })).toBe(cols);
    const advanced = mergePartsSync([{ cols, timeLower: 0, timeUpper: Infinity }], { advanceTo: 4, consolidate: true, chunkRows: 1 });
    expect(show(rowsOf(advanced))).toEqual(show([[k, k, 4, 3]]));
    const filtered = mergePartsSync([{ cols, timeLower: 4, timeUpper: Infinity }], { advanceTo: 0, consolidate: true, chunkRows: 1 });
    expect(show(rowsOf(filtered))).toEqual(show([[k, k, 4, 2]]));
    expect(mergePartsSync([], { advanceTo: 0, consolidate: true, chunkRows: 1 }).len).toBe(0);
  });

  it('merges many large parts (a loser tree of 16)', () => {
    const r = rng(5);
    const keys = Array.from({ length: 2000 }, () => randBytes(r, 1 + randInt(r, 20)));
    const specs: RunSpec[] = Array.from({ length: 16 }, () => {
      const raw: Row[] = Array.from({ length: 1500 }, () => [keys[randInt(r, keys.length)], new Uint8Array(0), randInt(r, 30), randInt(r, 2) ? 1 : -1] as Row);
      return { parts: [refConsolidate(raw)], timeLower: 0, timeUpper: 25 };
    });
    const opts = { advanceTo: 20, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER };
    const out = mergePartsSync(specs.map((s) => ({ cols: colsOf(s.parts[0]), timeLower: s.timeLower, timeUpper: s.timeUpper })), opts);
    expect(show(rowsOf(out))).toEqual(show(reference(specs, opts)));
  });
});
