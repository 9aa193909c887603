import { describe, expect, it } from 'vitest';
import { codecs } from '../codec.js';
import { toUpdates } from './decode-updates.js';
import { colsOf } from './test-util.js';

describe('toUpdates', () => {
  it('decodes keys and values with their codecs, keeping times and diffs', () => {
    const e = (s: string) => codecs.string.encode(s);
    const j = codecs.json<{ n: number }>();
    const cols = colsOf([
      [e(''), j.encode({ n: 1 }), 0, -3],
      [e('héllo'), j.encode({ n: 2 }), Number.MAX_SAFE_INTEGER, 1],
    ]);
    expect(toUpdates(cols, codecs.string, j)).toEqual([
      ['', { n: 1 }, 0, -3],
      ['héllo', { n: 2 }, Number.MAX_SAFE_INTEGER, 1],
    ]);
    expect(toUpdates(colsOf([]), codecs.string, j)).toEqual([]);
  });

  it('gives codecs views of the part; the bytes codec copies them', () => {
    const cols = colsOf([[new Uint8Array([1, 2]), new Uint8Array([3]), 1, 1]]);
    const seen: Uint8Array[] = [];
    const spy = { name: 'spy', encode: (x: Uint8Array) => x, decode: (b: Uint8Array) => (seen.push(b), b) };
    toUpdates(cols, spy, codecs.unit);
    expect(seen[0].buffer).toBe(cols.keys.data.buffer);
    const [[k]] = toUpdates(cols, codecs.bytes, codecs.unit);
    cols.keys.data[0] = 99;
    expect([...k]).toEqual([1, 2]);
  });
});
