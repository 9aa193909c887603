// The Streams view's reads and writes. The streams runtime has no push topic: the list is read
// on open, after every action, and every few seconds (another runtime may write too).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Params } from '../../../../preload/contract';
import { call } from '../../api/client';
import { qk } from '../../queries/keys';
import { useSingleFlightMutation as useMutation } from '../../queries/single-flight';

export const streamsKey = (loc: string) => [...qk.location(loc), 'streams'] as const;
export const streamSnapshotKey = (loc: string, name: string) => [...streamsKey(loc), 'snapshot', name] as const;

export function useStreams(loc: string) {
  return useQuery({ queryKey: streamsKey(loc), queryFn: () => call('streams.list', { location: loc }), refetchInterval: 3000 });
}

export function useStreamSnapshot(loc: string, name: string | null) {
  return useQuery({
    queryKey: streamSnapshotKey(loc, name ?? ''),
    queryFn: () => call('streams.snapshot', { location: loc, stream: name!, limit: 200 }),
    enabled: name !== null,
  });
}

type StreamMethod = 'streams.create' | 'streams.write' | 'streams.seal' | 'streams.allowCompaction' | 'streams.destroy' | 'streams.writeAtomic';

/** A mutation of the location's streams: runs once per click, then re-reads the list and snapshots. */
export function useStreamAction<M extends StreamMethod>(loc: string, method: M) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Omit<Params<M>, 'location'>) => call(method, { ...p, location: loc } as Params<M>),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: streamsKey(loc) });
      void qc.invalidateQueries({ queryKey: qk.shards(loc), exact: true });
    },
  });
}
