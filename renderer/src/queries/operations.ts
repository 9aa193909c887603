// Operator queries and actions: compaction (status pushed, folded into the cache), GC, the state
// history, leaked blobs. Each mutation invalidates exactly what it changes.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation as useMutation } from './single-flight';
import type { CompactionStatus } from '../../../preload/contract';
import { call } from '../api/client';
import { qk } from './keys';
import { usePushedQuery } from './pushed';

/** The shard's "Compact now" job and compaction history, kept current by pushes. */
export const useCompaction = (loc: string, shard: string) =>
  usePushedQuery({
    queryKey: qk.compaction(loc, shard),
    queryFn: () => call('compaction.status', { location: loc, shard }),
    subscription: { topic: 'compaction', location: loc, shard },
    onPush: (qc, e) => qc.setQueryData<CompactionStatus>(qk.compaction(loc, shard), e.status),
    pollWhileDisconnectedMs: 2000,
  });

export const useCompactionPlan = (loc: string, shard: string, enabled: boolean) =>
  useQuery({ queryKey: qk.compactionPlan(loc, shard), queryFn: () => call('compaction.plan', { location: loc, shard }), enabled, staleTime: 0, gcTime: 0 });

export function useStartCompaction(loc: string, shard: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call('compaction.start', { location: loc, shard }),
    onSuccess: (job) => qc.setQueryData<CompactionStatus>(qk.compaction(loc, shard), (old) => ({ job, history: old?.history ?? [], reach: old?.reach ?? null })),
  });
}

export const useCancelCompaction = (loc: string, shard: string) =>
  useMutation({ mutationFn: () => call('compaction.cancel', { location: loc, shard }) });

export const useGcStatus = (loc: string, shard: string, seqno: number) =>
  // keyed by nothing that changes each version: refetched when the shard's seqno moves
  useQuery({ queryKey: [...qk.gc(loc, shard), seqno], queryFn: () => call('gc.status', { location: loc, shard }), placeholderData: keepPreviousData });

export function useRunGc(loc: string, shard: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call('gc.run', { location: loc, shard }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: qk.gc(loc, shard) });
      void qc.invalidateQueries({ queryKey: qk.versions(loc, shard) });
      void qc.invalidateQueries({ queryKey: qk.leaked(loc) });
    },
  });
}

export const HISTORY_LIMIT = 200;

export const useVersions = (loc: string, shard: string) =>
  useQuery({ queryKey: qk.versions(loc, shard), queryFn: () => call('shard.versions', { location: loc, shard, limit: HISTORY_LIMIT }), staleTime: Infinity });

export const useVersionAt = (loc: string, shard: string, seqno: number | null) =>
  useQuery({
    queryKey: qk.versionAt(loc, shard, seqno ?? -1),
    queryFn: () => call('shard.inspectAt', { location: loc, shard, seqno: seqno! }),
    enabled: seqno !== null,
    staleTime: Infinity, // a retained version never changes
    placeholderData: keepPreviousData,
    retry: false,
  });

export const useLeakedBlobs = (loc: string) =>
  useQuery({ queryKey: qk.leaked(loc), queryFn: () => call('blobs.leaked', { location: loc }), staleTime: 0 });

export function useDeleteLeaked(loc: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { keys: string[]; confirmName: string }) => call('blobs.deleteLeaked', { ...p, location: loc }),
    onSuccess: () => qc.invalidateQueries({ queryKey: qk.leaked(loc) }),
  });
}

export function useUploadBatch(loc: string, shard: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (updates: number) => call('shard.uploadBatch', { location: loc, shard, updates }),
    onSuccess: () => qc.invalidateQueries({ queryKey: qk.leaked(loc) }),
  });
}
