// The Live tab's listen: pushes (already batched by main every ~250 ms) folded into a bounded
// buffer in the query cache.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ContractError, DataRow, LivePoint } from '../../../preload/contract';
import { subscribe } from '../api/client';
import { qk } from './keys';

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
  const [error, setError] = useState<ContractError | null>(null);
  useEffect(() => {
    if (paused) return;
    return subscribe({ topic: 'live', location: loc, shard }, (e) => {
      if (e.topic === 'live') {
        qc.setQueryData<LiveState>(qk.live(loc, shard), (old) => foldLive(old, e.points, [...e.recent].reverse()));
        setError(null);
      } else if (e.topic === 'error') setError(e.error);
    });
  }, [loc, shard, paused, qc]);
  const q = useQuery({
    queryKey: qk.live(loc, shard),
    queryFn: () => qc.getQueryData<LiveState>(qk.live(loc, shard)) ?? EMPTY,
    staleTime: Infinity,
    gcTime: 60_000,
  });
  return { data: q.data ?? EMPTY, error, clear: () => qc.setQueryData(qk.live(loc, shard), EMPTY) };
}
