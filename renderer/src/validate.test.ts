import { describe as suite, expect, it } from 'vitest';
import { parseOptionalWhole, parseWhole } from './validate';

suite('parseWhole', () => {
  const time = { name: 'time', min: 16, minLabel: "the shard's upper, 16" };

  it('accepts whole numbers in range, with thousands separators', () => {
    expect(parseWhole('16', time)).toEqual({ ok: true, value: 16 });
    expect(parseWhole(' 1,000 ', time)).toEqual({ ok: true, value: 1000 });
  });

  it('says the rule in words for non-numbers, fractions and out-of-range values', () => {
    const msg = "time must be a whole number ≥ the shard's upper, 16";
    for (const t of ['abc', '', '1.5', '1e3', '15', '-3']) expect(parseWhole(t, time)).toEqual({ ok: false, message: msg });
  });

  it('names the largest allowed value once, never a raw validator message', () => {
    const r = parseWhole('99999999999999999999', time);
    expect(r).toEqual({ ok: false, message: 'time is too large: the largest whole number allowed is 9,007,199,254,740,991' });
  });

  it('diffs: any sign, never 0', () => {
    const diff = { name: 'diff', nonZero: true };
    expect(parseWhole('-8', diff)).toEqual({ ok: true, value: -8 });
    expect(parseWhole('0', diff)).toEqual({ ok: false, message: 'diff must be a whole number other than 0' });
  });

  it('bounds on both sides', () => {
    expect(parseWhole('0', { name: 'rate', min: 1, max: 100_000 })).toEqual({ ok: false, message: 'rate must be a whole number from 1 to 100,000' });
  });

  it('optional: empty is the default (null)', () => {
    expect(parseOptionalWhole('  ', time)).toEqual({ ok: true, value: null });
    expect(parseOptionalWhole('x', time).ok).toBe(false);
  });
});
