import { describe, expect, it } from 'vitest';
import { RecentDiffs } from './recent-diffs.js';
import type { StateDiff } from './types.js';

const diff = (seqno: number): StateDiff => ({ seqno, walltimeMs: 0, latestRollup: null });
const seqnos = (ds: StateDiff[] | null) => ds?.map((d) => d.seqno) ?? null;

describe('RecentDiffs', () => {
  it('answers a range only when it holds every diff of it', () => {
    const r = new RecentDiffs();
    expect(r.range(1, 1)).toBeNull();
    for (let s = 5; s <= 9; s++) r.add(diff(s));
    expect(seqnos(r.range(5, 9))).toEqual([5, 6, 7, 8, 9]);
    expect(seqnos(r.range(6, 7))).toEqual([6, 7]);
    expect(r.range(4, 9)).toBeNull();
    expect(r.range(5, 10)).toBeNull();
    expect(r.range(7, 6)).toBeNull();
  });

  it('ignores diffs older than those held and starts over after a gap', () => {
    const r = new RecentDiffs();
    for (let s = 1; s <= 3; s++) r.add(diff(s));
    r.add(diff(2)); // a replay of an older version: already held
    expect(seqnos(r.range(1, 3))).toEqual([1, 2, 3]);
    r.add(diff(7)); // versions 4..6 were never seen here
    expect(r.range(3, 7)).toBeNull();
    expect(seqnos(r.range(7, 7))).toEqual([7]);
  });

  it('keeps the newest diffs when it is full', () => {
    const r = new RecentDiffs();
    for (let s = 1; s <= 2000; s++) r.add(diff(s));
    expect(seqnos(r.range(1990, 2000))).toHaveLength(11);
    expect(r.range(1, 10)).toBeNull();
  });
});
