import { describe, expect, it } from 'vitest';
import { fmtAxis, perSecond, timeTicks } from './axis';

describe('chart axes', () => {
  it('signs values where the axis can go negative, with a real minus sign', () => {
    expect(fmtAxis(-50_000, true)).toBe('−50K');
    expect(fmtAxis(50_000, true)).toBe('+50K');
    expect(fmtAxis(-250, true)).toBe('−250');
    expect(fmtAxis(0, true)).toBe('0');
    expect(fmtAxis(2500, false)).toBe('2,500');
    expect(fmtAxis(-2_500_000, true)).toBe('−2.5M');
  });

  it('time ticks fall on whole seconds and never repeat a label', () => {
    const t0 = new Date(2026, 0, 1, 12, 0, 0, 100).getTime();
    const ticks = timeTicks(t0, t0 + 2500);
    const labels = ticks.map((t) => t.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(['12:00:01', '12:00:02']);
    expect(timeTicks(t0, t0 + 60_000).length).toBeLessThanOrEqual(5);
  });

  it('counts per window become per-second rates', () => {
    expect(perSecond(25, 250)).toBe(100);
  });
});
