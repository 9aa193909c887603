// Operator-tool queries: health (re-read when a shard changes: the shard list's pushes invalidate
// it), diff over time, and the actions health findings offer. (The what-if and copies are jobs:
// views/health/jobs.tsx.)
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { HealthActionInfo } from '../../../preload/admin-contract';
import { call } from '../api/client';
import { qk } from './keys';

const healthKey = (loc: string) => [...qk.location(loc), 'health'] as const;

export const useLocationHealth = (loc: string) =>
  useQuery({
    queryKey: healthKey(loc),
    queryFn: () => call('health.location', { location: loc }),
    refetchInterval: 10_000,
    // Opening the Health view re-reads: a finding caused a moment ago (by the badge's last read) must show.
    refetchOnMount: 'always',
  });

export function useHealthAct(loc: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { action: HealthActionInfo; confirm: string }) => call('health.act', { location: loc, ...p }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: qk.location(loc) }),
  });
}

export const useDiff = (loc: string, shard: string, p: { from: number; to: number; filter: string } | null) =>
  useQuery({
    queryKey: [...qk.shard(loc, shard), 'diff', p] as const,
    queryFn: () => call('shard.diff', { location: loc, shard, from: p!.from, to: p!.to, filter: p!.filter || undefined, limit: 5000 }),
    enabled: p !== null,
    staleTime: Infinity,
  });
