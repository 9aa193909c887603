// A listen from now, folded into one small batch every ~250 ms before it leaves main: a point
// (updates/s, + and − diffs, frontier) and the latest few updates as text.
import type { Antichain, ReadHandle } from '../../engine/index.js';
import type { DataRow, LivePoint } from '../../preload/contract.js';
import { formatterFor } from './codecs.js';
import { toFrontier } from './convert.js';
import type { LiveBatch } from './types.js';

export const LIVE_FLUSH_MS = 250;
const RECENT_ROWS = 20;

export async function startLive(
  reader: ReadHandle<unknown, unknown>,
  upper: Antichain,
  codecs: { key: string; val: string },
  onBatch: (b: LiveBatch) => void,
  onError: (e: unknown) => void,
): Promise<() => void> {
  const fk = formatterFor(codecs.key);
  const fv = formatterFor(codecs.val);
  const since = reader.since();
  const now = upper.length === 0 ? null : Math.max(since.length ? since[0] : 0, upper[0] - 1);
  let stopped = false;
  let count = 0;
  let plus = 0;
  let minus = 0;
  let recent: DataRow[] = [];
  let frontier: Antichain = upper;
  let windowStart = Date.now();

  // updates/s over the last second (four windows), so that appends landing just before or after a
  // window's edge do not make the line zig-zag
  const windows: { count: number; ms: number }[] = [];
  const flush = () => {
    const t = Date.now();
    windows.push({ count, ms: Math.max(1, t - windowStart) });
    if (windows.length > 4) windows.shift();
    const rate = (windows.reduce((n, w) => n + w.count, 0) * 1000) / windows.reduce((n, w) => n + w.ms, 0);
    const point: LivePoint = { t, rate, plus, minus, frontier: toFrontier(frontier) };
    onBatch({ points: [point], recent, frontier: point.frontier });
    count = plus = minus = 0;
    recent = [];
    windowStart = t;
  };
  const timer = setInterval(flush, LIVE_FLUSH_MS);

  if (now !== null) {
    // holdSince: looking must not change the shard (the engine's listen would move the since along)
    const listen = await reader.listen([now], { holdSince: true });
    void (async () => {
      try {
        while (!stopped) {
          for (const ev of await listen.fetchNext()) {
            if (ev.kind === 'progress') {
              frontier = ev.frontier;
              continue;
            }
            count += ev.updates.length;
            for (const u of ev.updates) {
              if (u[3] > 0) plus += u[3];
              else minus -= u[3];
            }
            const tail = ev.updates.slice(-RECENT_ROWS).map(([k, v, time, diff]) => ({ key: fk(k), val: fv(v), time, diff }));
            recent = recent.concat(tail).slice(-RECENT_ROWS);
          }
          if (frontier.length === 0) break;
        }
      } catch (e) {
        if (!stopped) onError(e);
      }
    })();
  }

  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    void reader.expire().catch(() => undefined);
  };
}
