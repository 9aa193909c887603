// The Live tab's listen: pushes (already batched by main every ~250 ms) folded into a bounded
// buffer in the query cache.
import { useQueryClient } from '@tanstack/react-query';
import type { DataRow, LivePoint } from '../../../preload/contract';
import { qk } from './keys';
import { usePushedQuery } from './pushed';

/** 5 minutes of points at one per 250 ms */
export const LIVE_BUFFER_POINTS = 1200;
const RECENT_ROWS = 50;

export interface LiveState {
  points: LivePoint[];
  recent: DataRow[];
  total: number;
}

const EMPTY: LiveState = { points: [], recent: [], total: 0 };

export function foldLive(old: LiveState | undefined, points: LivePoint[], recent: DataRow[]): LiveState {
  const s = old ?? EMPTY;
  const all = s.points.concat(points);
  const added = points.reduce((n, p) => n + p.rate * 0.25, 0);
  return {
    points: all.length > LIVE_BUFFER_POINTS ? all.slice(all.length - LIVE_BUFFER_POINTS) : all,
    recent: recent.length ? recent.concat(s.recent).slice(0, RECENT_ROWS) : s.recent,
    total: s.total + Math.round(added),
  };
}

export function useLive(loc: string, shard: string, paused: boolean) {
  const qc = useQueryClient();
  // push-only: the "fetch" reads what pushes folded in, and nothing polls
  const q = usePushedQuery({
    queryKey: qk.live(loc, shard),
    queryFn: () => qc.getQueryData<LiveState>(qk.live(loc, shard)) ?? EMPTY,
    subscription: paused ? null : { topic: 'live', location: loc, shard },
    onPush: (qc, e) => qc.setQueryData<LiveState>(qk.live(loc, shard), (old) => foldLive(old, e.points, [...e.recent].reverse())),
    staleTime: Infinity,
    gcTime: 60_000,
  });
  return { data: q.data ?? EMPTY, error: q.pushError, clear: () => qc.setQueryData(qk.live(loc, shard), EMPTY) };
}
