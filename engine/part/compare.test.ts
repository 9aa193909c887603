import { describe, expect, it } from 'vitest';
import { compareBytes, compareBytesDV, compareRows, equalBytes, equalBytesDV } from './compare.js';
import { colsOf, randBytes, randInt, refCompareBytes, rng } from './test-util.js';

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('byte comparison', () => {
  it('orders bytewise, unsigned, shorter prefix first', () => {
    const b = (...x: number[]) => new Uint8Array(x);
    const cases: [Uint8Array, Uint8Array, number][] = [
      [b(), b(), 0],
      [b(), b(0), -1],
      [b(1), b(1, 0), -1],
      [b(0xff), b(0x01, 0xff), 1],
      [b(1, 2, 3), b(1, 2, 3), 0],
      [b(0x7f), b(0x80), -1],
    ];
    for (const [x, y, want] of cases) {
      expect(Math.sign(compareBytes(x, 0, x.length, y, 0, y.length))).toBe(want);
      expect(Math.sign(compareBytes(y, 0, y.length, x, 0, x.length))).toBe(-want || 0);
      expect(Math.sign(compareBytesDV(x, dv(x), 0, x.length, y, dv(y), 0, y.length))).toBe(want);
      expect(equalBytes(x, 0, x.length, y, 0, y.length)).toBe(want === 0);
      expect(equalBytesDV(x, dv(x), 0, x.length, y, dv(y), 0, y.length)).toBe(want === 0);
    }
  });

  it('agrees with a reference on random ranges of shared buffers (short and long)', () => {
    const r = rng(1);
    for (let iter = 0; iter < 4000; iter++) {
      // Long common prefixes exercise the native path (>= 48 bytes) and the 4-byte steps.
      const prefix = randBytes(r, randInt(r, 3) === 0 ? 100 : randInt(r, 9), 3);
      const x = new Uint8Array([...prefix, ...randBytes(r, randInt(r, 7), 3)]);
      const y = new Uint8Array([...prefix, ...randBytes(r, randInt(r, 7), 3)]);
      const xo = randInt(r, 5);
      const yo = randInt(r, 5);
      const bx = new Uint8Array(xo + x.length + 3);
      bx.set(x, xo);
      const by = new Uint8Array(yo + y.length + 2);
      by.set(y, yo);
      const want = refCompareBytes(x, y);
      expect(Math.sign(compareBytes(bx, xo, xo + x.length, by, yo, yo + y.length))).toBe(want);
      expect(Math.sign(compareBytesDV(bx, dv(bx), xo, xo + x.length, by, dv(by), yo, yo + y.length))).toBe(want);
      expect(equalBytes(bx, xo, xo + x.length, by, yo, yo + y.length)).toBe(want === 0);
      expect(equalBytesDV(bx, dv(bx), xo, xo + x.length, by, dv(by), yo, yo + y.length)).toBe(want === 0);
    }
  });

  it('compares rows by key, then value, then time', () => {
    const e = (s: string) => new TextEncoder().encode(s);
    const c = colsOf([
      [e('a'), e('x'), 5, 1],
      [e('a'), e('x'), 7, 1],
      [e('a'), e('y'), 1, 1],
      [e('b'), e(''), 0, 1],
    ]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) expect(Math.sign(compareRows(c, i, c, j))).toBe(Math.sign(i - j));
    }
  });
});
