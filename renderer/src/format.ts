// Display formatting shared by the views.
import type { Frontier } from '../../preload/contract';

export const fmtFrontier = (f: Frontier): string => (f === null ? '[] closed' : String(f));

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const fmtCount = (n: number): string => n.toLocaleString('en-US');

export function fmtAgo(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleString();
}

/** mm:ss (or h:mm:ss) left; "expired" at or below zero. */
export function fmtCountdown(ms: number): string {
  if (ms <= 0) return 'expired';
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
/** hh:mm:ss local time (cheap: charts call this for every tick) */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export const shortId = (id: string): string => (id.length > 13 ? `${id.slice(0, 9)}…${id.slice(-4)}` : id);

const pluralRules = new Intl.PluralRules('en-US');
const IRREGULAR: Record<string, string> = { batch: 'batches' };
/** "1 row", "2 rows", "−1 batch": a count with its noun in the form the count takes. */
export function plural(n: number, noun: string, many: string = IRREGULAR[noun] ?? `${noun}s`): string {
  const count = n < 0 ? `−${fmtCount(-n)}` : fmtCount(n);
  return `${count} ${pluralRules.select(Math.abs(n)) === 'one' ? noun : many}`;
}
