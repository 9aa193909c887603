import { describe, expect, it } from 'vitest';
import type { BatchRow } from '../../../../preload/contract';
import { levelsOf } from './BatchesTab';

describe('levelsOf', () => {
  it('groups batches by spine level, highest first, with their bytes and updates', () => {
    const rows: BatchRow[] = [
      [0, 8, 0, 16, 1, 1000, 3],
      [8, 12, 0, 8, 1, 500, 2],
      [12, 13, 0, 2, 1, 50, 0],
      [13, 14, 0, 3, 1, 60, 0],
    ];
    const levels = levelsOf(rows);
    expect(levels.map((l) => [l.level, l.batches.length, l.bytes, l.len])).toEqual([
      [3, 1, 1000, 16],
      [2, 1, 500, 8],
      [0, 2, 110, 5],
    ]);
    expect(levelsOf([])).toEqual([]);
  });
});

import { prettyIntervals } from './HistoryTab';

describe('prettyIntervals', () => {
  it('reads the engine\'s frontier intervals as half-open time intervals', () => {
    expect(prettyIntervals('append [[2], [3]) 1 updates')).toBe('append [2, 3) 1 updates');
    expect(prettyIntervals('append [[7], []) 4 updates, since [0] → [5]')).toBe('append [7, ∞) 4 updates, since [0] → [5]');
  });
});
