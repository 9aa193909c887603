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

  it('decodes strings exactly: ASCII, multi-byte UTF-8, a leading U+FEFF; bytes that are not UTF-8 are an error', () => {
    const e = (x: string) => codecs.string.encode(x);
    const words = ['', 'a', 'plain ascii key', '\u00e9t\u00e9', '\ufeffbom', 'mixed \u{1f600} emoji', '\u007f'];
    const cols = colsOf(words.map((w, i) => [e(w), e(words[words.length - 1 - i]), i, 1]));
    expect(toUpdates(cols, codecs.string, codecs.string).map(([k, v]) => [k, v])).toEqual(words.map((w, i) => [w, words[words.length - 1 - i]]));
    for (const bad of [[0xff], [0x61, 0xc3], [0x80, 0x61], [0xed, 0xa0, 0x80]]) {
      const c = colsOf([[new Uint8Array(bad), new Uint8Array(0), 0, 1]]);
      expect(() => toUpdates(c, codecs.string, codecs.unit)).toThrow();
    }
  });

  it('decodes repeated keys and values, neighbours that share a prefix, and appends to an array', () => {
    const e = (x: string) => codecs.string.encode(x);
    const rows: [string, string][] = [['k', 'v'], ['k', 'v'], ['k', 'vv'], ['kk', 'v'], ['ké', 'é'], ['ké', 'é'], ['ké', ''], ['', '']];
    const cols = colsOf(rows.map(([k, v], i) => [e(k), e(v), i, 1]));
    const want = rows.map(([k, v], i) => [k, v, i, 1]);
    expect(toUpdates(cols, codecs.string, codecs.string)).toEqual(want);
    const into: [string, string, number, number][] = [['first', 'row', 0, 1]];
    expect(toUpdates(cols, codecs.string, codecs.string, into)).toBe(into);
    expect(into).toEqual([['first', 'row', 0, 1], ...want]);
  });
});
