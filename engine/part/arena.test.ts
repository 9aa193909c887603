import { describe, expect, it } from 'vitest';
import { InvalidUsageError } from '../errors.js';
import { MAX_ARENA_ROWS, UpdateArena } from './arena.js';
import { randBytes, randInt, refCompareRows, refConsolidate, refConsolidateExact, rng, type Row, rowsOf, show, structureProblem } from './test-util.js';

type Tuning = ConstructorParameters<typeof UpdateArena>[1];

function arenaOf(rows: readonly Row[], tuning?: Tuning): UpdateArena {
  const a = new UpdateArena(64, tuning); // tiny, to exercise growth
  for (const [k, v, t, d] of rows) a.add(k, v, t, d);
  return a;
}

/** Checks against the reference, sorting directly and through (small) buckets. */
function check(rows: readonly Row[]): void {
  const want = show(refConsolidate(rows));
  for (const tuning of [{ bucketMinBytes: Infinity }, { bucketMinBytes: 0, bucketBytes: 1 + randInt(rng(rows.length), 2000) }]) {
    const a = arenaOf(rows, tuning);
    expect(a.len).toBe(rows.length);
    const out = a.sortAndConsolidate();
    expect(structureProblem(out)).toBeNull();
    expect(show(rowsOf(out))).toEqual(want);
  }
}

/** Random rows with a tunable amount of sharing: few distinct keys, values and times. */
function randomRows(
  seed: number,
  n: number,
  o: { keys: number; keyLen: number; vals: number; valLen: number; times: number; alphabet: number; prefix?: Uint8Array },
): Row[] {
  const r = rng(seed);
  const mk = (count: number, maxLen: number) =>
    Array.from({ length: count }, () => {
      const b = randBytes(r, randInt(r, maxLen + 1), o.alphabet);
      return o.prefix ? new Uint8Array([...o.prefix, ...b]) : b;
    });
  const keys = mk(o.keys, o.keyLen);
  const vals = mk(o.vals, o.valLen);
  const times = Array.from({ length: o.times }, () => (randInt(r, 4) === 0 ? 2 ** 32 + randInt(r, 5) : randInt(r, 50)));
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push([keys[randInt(r, keys.length)], vals[randInt(r, vals.length)], times[randInt(r, times.length)], randInt(r, 5) - 2]);
  }
  return rows;
}

describe('UpdateArena', () => {
  it('sorts and consolidates like the reference on small random inputs with heavy sharing', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const n = randInt(rng(seed), 60);
      // Tiny alphabet and short lengths: keys that are prefixes of each other, zero bytes, ties.
      check(randomRows(seed, n, { keys: 6, keyLen: 5, vals: 4, valLen: 4, times: 3, alphabet: 3 }));
    }
  });

  it('reused for part after part, with output in its own buffers, gives each part right', () => {
    // A builder's pattern: fill, sort into the reused output, use it, clear, fill again, with
    // parts growing and shrinking (buffers reused, regrown, holding a bigger part's leftovers).
    const a = new UpdateArena(64, { bucketMinBytes: 4096, bucketBytes: 512 });
    for (const [seed, n] of [
      [31, 500],
      [32, 5000],
      [33, 40],
      [34, 0],
      [35, 3000],
      [36, 1],
    ] as const) {
      const rows = randomRows(seed, n, { keys: 300, keyLen: 12, vals: 4, valLen: 20, times: 5, alphabet: 256 });
      for (const [k, v, t, d] of rows) a.add(k, v, t, d);
      const out = a.sortAndConsolidate({ reuseOutput: true });
      expect(structureProblem(out)).toBeNull();
      expect(show(rowsOf(out))).toEqual(show(refConsolidate(rows)));
      a.clear();
    }
  });

  it('capped below its contents (updates bigger than the cap), keeps every update and sorts right', () => {
    // A builder caps the arena at a part's size; an update past the cap still gets room.
    for (const capBytes of [64, 300, 5000]) {
      const rows = randomRows(capBytes, 400, { keys: 50, keyLen: 40, vals: 20, valLen: 200, times: 4, alphabet: 7 });
      for (const tuning of [{ capBytes, bucketMinBytes: Infinity }, { capBytes, bucketMinBytes: 0, bucketBytes: 700 }]) {
        const a = arenaOf(rows, tuning);
        const out = a.sortAndConsolidate();
        expect(structureProblem(out)).toBeNull();
        expect(show(rowsOf(out))).toEqual(show(refConsolidate(rows)));
      }
    }
  });

  it('handles prefixes and zero bytes in the order: shorter prefix first', () => {
    const b = (...x: number[]) => new Uint8Array(x);
    const keys = [b(), b(0), b(0, 0), b(0, 0, 0), b(0, 0, 0, 0), b(0, 0, 0, 0, 0), b(1), b(0, 1), b(0, 0, 0, 1), b(255), b(0, 0, 0, 0, 255)];
    const rows: Row[] = [];
    for (const k of keys) for (const v of [b(), b(0), b(0, 0, 0, 0)]) rows.push([k, v, 3, 1]);
    const r = rng(7);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = randInt(r, i + 1);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    check(rows);
  });

  it('sorts large random inputs (radix and packed paths, deep common prefixes, big values)', () => {
    check(randomRows(101, 20000, { keys: 20000, keyLen: 16, vals: 20000, valLen: 16, times: 1000, alphabet: 256 }));
    check(randomRows(102, 20000, { keys: 300, keyLen: 8, vals: 5, valLen: 3, times: 40, alphabet: 4 }));
    const prefix = new TextEncoder().encode('a-long-common-prefix-shared-by-every-key/');
    check(randomRows(103, 10000, { keys: 3000, keyLen: 6, vals: 50, valLen: 200, times: 5, alphabet: 10, prefix }));
    check(randomRows(105, 8000, { keys: 3, keyLen: 2, vals: 3000, valLen: 5, times: 3, alphabet: 4, prefix }));
    check(randomRows(104, 5000, { keys: 1, keyLen: 3, vals: 1, valLen: 0, times: 5000, alphabet: 256 }));
  });

  it('sorts through buckets: skewed digits, keys shorter than the common prefix + 2, one huge cell', () => {
    const prefix = new TextEncoder().encode('pfx');
    check(randomRows(201, 6000, { keys: 1500, keyLen: 3, vals: 3, valLen: 2, times: 4, alphabet: 3, prefix }));
    check(randomRows(202, 6000, { keys: 4000, keyLen: 2, vals: 2, valLen: 1, times: 4, alphabet: 256 }));
    // Keys that differ only after a long prefix, and empty keys (every key shares an empty prefix).
    const r = rng(203);
    const rows: Row[] = [];
    for (let i = 0; i < 5000; i++) {
      const k = randInt(r, 10) === 0 ? new Uint8Array(0) : new Uint8Array([...new Uint8Array(30).fill(7), ...randBytes(r, randInt(r, 3), 2)]);
      rows.push([k, randBytes(r, 1, 2), randInt(r, 3), 1]);
    }
    check(rows);
  });

  it('consolidates: sums equal (key, val, time), drops zeros, including groups that cancel', () => {
    const k = new Uint8Array([1]);
    const v = new Uint8Array([2]);
    const rows: Row[] = [
      [k, v, 1, 5],
      [k, v, 1, -5],
      [k, v, 2, 0],
      [k, v, 3, 7],
      [k, v, 3, -2],
      [k, new Uint8Array([3]), 3, 0],
      [new Uint8Array([0]), v, 9, 1],
    ];
    const out = rowsOf(arenaOf(rows).sortAndConsolidate());
    expect(show(out)).toEqual(show([[new Uint8Array([0]), v, 9, 1], [k, v, 3, 5]]));
    expect(arenaOf([[k, v, 1, 1], [k, v, 1, -1]]).sortAndConsolidate().len).toBe(0);
  });

  it('sorted and reverse-sorted inputs', () => {
    const rows = refConsolidate(randomRows(5, 3000, { keys: 500, keyLen: 6, vals: 3, valLen: 2, times: 7, alphabet: 256 }));
    check(rows); // already sorted: the O(n) check skips the sort
    check([...rows].reverse());
    const dup = rows.flatMap((r) => [r, r]); // sorted with equal neighbours
    check(dup);
  });

  it('handles the empty arena, clear() and reuse, len and sizeBytes', () => {
    const a = new UpdateArena();
    expect(a.len).toBe(0);
    expect(a.sortAndConsolidate().len).toBe(0);
    a.add(new Uint8Array(10), new Uint8Array(20), 1, 1);
    expect(a.len).toBe(1);
    expect(a.sizeBytes).toBeGreaterThanOrEqual(30);
    const before = a.sizeBytes;
    a.add(new Uint8Array(10), new Uint8Array(20), 2, 1);
    expect(a.sizeBytes).toBeGreaterThan(before);
    a.clear();
    expect(a.len).toBe(0);
    expect(a.sizeBytes).toBe(0);
    const rows = randomRows(9, 500, { keys: 50, keyLen: 5, vals: 5, valLen: 5, times: 5, alphabet: 7 });
    for (const [k, v, t, d] of rows) a.add(k, v, t, d);
    expect(show(rowsOf(a.sortAndConsolidate()))).toEqual(show(refConsolidate(rows)));
    // The result does not alias the arena: reusing it leaves an earlier result intact.
    const first = a.sortAndConsolidate();
    const firstShown = show(rowsOf(first));
    a.clear();
    for (let i = 0; i < 600; i++) a.add(new Uint8Array([9, 9, 9]), new Uint8Array([9]), i, 1);
    a.sortAndConsolidate();
    expect(show(rowsOf(first))).toEqual(firstShown);
  });

  it('copies the bytes it is given', () => {
    const a = new UpdateArena();
    const k = new Uint8Array([1, 2, 3]);
    a.add(k, k, 1, 1);
    k[0] = 99;
    expect(show(rowsOf(a.sortAndConsolidate()))).toEqual(show([[new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]), 1, 1]]));
  });

  it('matches a comparator sort on times above 2^32 and the full safe range', () => {
    const r = rng(77);
    const rows: Row[] = [];
    const k = new Uint8Array([5]);
    for (let i = 0; i < 3000; i++) rows.push([k, k, randInt(r, 3) === 0 ? Number.MAX_SAFE_INTEGER - randInt(r, 3) : randInt(r, 2 ** 40), 1]);
    const out = rowsOf(arenaOf(rows).sortAndConsolidate());
    const sorted = [...out].sort(refCompareRows);
    expect(show(out)).toEqual(show(sorted));
    expect(show(out)).toEqual(show(refConsolidate(rows)));
  });

  it(`holds at most ${MAX_ARENA_ROWS} rows`, () => {
    const a = new UpdateArena(64);
    const e = new Uint8Array(0);
    for (let i = 0; i < MAX_ARENA_ROWS; i++) a.add(e, e, i, 1);
    expect(() => a.add(e, e, 0, 1)).toThrow(InvalidUsageError);
    const out = a.sortAndConsolidate();
    expect(out.len).toBe(MAX_ARENA_ROWS);
    expect(out.times[MAX_ARENA_ROWS - 1]).toBe(MAX_ARENA_ROWS - 1);
  });

  it('keeps diff sums past the safe integers exact, as rows of safe integers (never throws)', () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const k = new Uint8Array([7]);
    const v = new Uint8Array([8]);
    const two = arenaOf([[k, v, 1, 2 ** 52 + 1], [k, v, 1, 2 ** 52 + 1]]).sortAndConsolidate();
    expect(show(rowsOf(two))).toEqual(show([[k, v, 1, MAX], [k, v, 1, 3]]));
    const big = [MAX, -MAX, 2 ** 52 + 1, -(2 ** 52 + 1), MAX - 1, 1, -1, 2];
    for (let seed = 1; seed < 80; seed++) {
      const r = rng(seed);
      const keys = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array(0)];
      const rows: Row[] = Array.from({ length: 1 + randInt(r, 40) }, () => [keys[randInt(r, 3)], v, randInt(r, 3), big[randInt(r, big.length)]]);
      const want = show(refConsolidateExact(rows));
      for (const tuning of [{ bucketMinBytes: Infinity }, { bucketMinBytes: 0, bucketBytes: 64 }]) {
        const out = arenaOf(rows, tuning).sortAndConsolidate();
        expect(structureProblem(out)).toBeNull();
        expect(show(rowsOf(out)), `seed ${seed}`).toEqual(want);
      }
    }
  });
});
