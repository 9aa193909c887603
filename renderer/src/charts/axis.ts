// Axis labels that say what they mean: signed where a value can be negative (− is U+2212, so it
// never reads as a dash), compact at high rates so the sign is never clipped, and time ticks
// without repeats.
import { fmtClock } from '../format';

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** "+50K", "0", "−50K" (signed) or "50K" (unsigned). */
export function fmtAxis(v: number, signed: boolean): string {
  if (v === 0) return '0';
  const text = Math.abs(v) >= 10_000 ? compact.format(Math.abs(v)) : Math.round(Math.abs(v)).toLocaleString('en-US');
  if (v < 0) return `−${text}`;
  return signed ? `+${text}` : text;
}

/** Up to `count` time ticks between t0 and t1, on whole seconds, none with the same label. */
export function timeTicks(t0: number, t1: number, count = 5): { t: number; label: string }[] {
  if (!(t1 >= t0)) return [];
  const span = t1 - t0;
  const step = Math.max(1000, Math.ceil(span / Math.max(1, count - 1) / 1000) * 1000);
  const out: { t: number; label: string }[] = [];
  for (let t = Math.ceil(t0 / 1000) * 1000; t <= t1; t += step) {
    const label = fmtClock(t);
    if (out.length === 0 || out[out.length - 1].label !== label) out.push({ t, label });
  }
  if (out.length === 0) out.push({ t: t0, label: fmtClock(t0) });
  return out;
}

/** Per-second rate of a count seen over `ms` milliseconds. */
export const perSecond = (count: number, ms: number): number => (count * 1000) / Math.max(1, ms);
