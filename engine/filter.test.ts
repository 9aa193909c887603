import { describe, expect, it } from 'vitest';
import { partsFor } from './filter.js';
import { initialState, type HollowBatch, type ShardState } from './state/types.js';
import type { Antichain } from './antichain.js';

const part = (key: string) => ({ key, encodedSizeBytes: 1, len: 1 });
const batch = (id: string, lower: Antichain, upper: Antichain, since: Antichain = [0]): HollowBatch => ({
  id, lower, upper, since, len: 1, level: 0, runs: [[part(`${id}-a`), part(`${id}-b`)], [part(`${id}-c`)]],
});
const stateWith = (...batches: HollowBatch[]): ShardState => ({ ...initialState('s'), batches, upper: batches.at(-1)?.upper ?? [0] });

describe('partsFor', () => {
  // An appended batch [0, 5) whose parts may hold other times, a compacted [5, 9) advanced to 7, an open [9, []).
  const s = stateWith(batch('a', [0], [5]), batch('b', [5], [9], [7]), batch('c', [9], []));

  it('a snapshot reads the batches starting at or before asOf, rows up to asOf', () => {
    const runs = partsFor(s, { kind: 'snapshot', asOf: 6 });
    expect(runs.map((r) => [r.batch.id, r.parts.length, r.timeLower, r.timeUpper])).toEqual([
      ['a', 2, 0, 5], ['a', 1, 0, 5],
      ['b', 2, 0, 7], ['b', 1, 0, 7],
    ]);
  });

  it('a listen reads only the times it has not emitted; an open upper is null', () => {
    const runs = partsFor(s, { kind: 'listen', from: 5, to: null });
    expect(runs.map((r) => [r.batch.id, r.timeLower, r.timeUpper])).toEqual([
      ['b', 5, null], ['b', 5, null],
      ['c', 9, null], ['c', 9, null],
    ]);
    expect(partsFor(s, { kind: 'listen', from: 9, to: 9 })).toEqual([]);
  });

  it('a compaction reads its inputs whole, or nothing when one is gone', () => {
    const runs = partsFor(s, { kind: 'compaction', inputs: ['b', 'a'] });
    expect(runs?.map((r) => [r.batch.id, r.timeLower, r.timeUpper])).toEqual([
      ['a', 0, 5], ['a', 0, 5],
      ['b', 0, null], ['b', 0, null],
    ]);
    expect(partsFor(s, { kind: 'compaction', inputs: ['a', 'gone'] })).toBeNull();
  });
});
