import { describe, expect, it } from 'vitest';
import { CorruptDataError } from '../errors.js';
import { columnsFromInline, inlineFromColumns, inlineSize, inlineSizeOf } from './inline.js';
import { colsOf, randBytes, randInt, rng, type Row } from './test-util.js';
import type { InlineUpdates } from '../state/types.js';

describe('inline parts', () => {
  const good: InlineUpdates = { k: ['YQ==', ''], v: ['Yg==', 'YWJj'], t: [0, 2 ** 40], d: [Number.MAX_SAFE_INTEGER, -3] };

  it('have the size that decides whether a part goes inline computed without building them', () => {
    const r = rng(7);
    for (const n of [0, 1, 5, 200]) {
      const rows: Row[] = [];
      for (let i = 0; i < n; i++) rows.push([randBytes(r, randInt(r, 40)), randBytes(r, randInt(r, 9)), i, 1]);
      const cols = colsOf(rows);
      expect(inlineSizeOf(cols)).toBe(inlineSize(inlineFromColumns(cols)));
    }
  });

  it('round-trip through columns', () => {
    expect(inlineFromColumns(columnsFromInline('inline:2', good))).toEqual(good);
  });

  it('are corrupt data when they do not hold what a part holds', () => {
    const bad: [string, unknown][] = [
      ['time not an integer', { ...good, t: [0.5, 1] }],
      ['negative time', { ...good, t: [-1, 1] }],
      ['time past the safe integers', { ...good, t: [2 ** 53, 1] }],
      ['diff past the safe integers', { ...good, d: [2 ** 53, 1] }],
      ['diff not a number', { ...good, d: ['1', 1] }],
      ['key not base64', { ...good, k: ['Y!==', ''] }],
      ['value not a string', { ...good, v: [null, 'YWJj'] }],
      ['columns of different lengths', { ...good, d: [1] }],
      ['a missing column', { k: good.k, v: good.v, t: good.t }],
    ];
    for (const [what, u] of bad) {
      expect(() => columnsFromInline('inline:2', u as InlineUpdates), what).toThrow(CorruptDataError);
    }
  });
});
