// The sandbox actions. Each invalidates exactly what it changes (pushes usually got there first).
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation as useMutation } from './single-flight';
import type { Params, ShardDetail } from '../../../preload/contract';
import { call } from '../api/client';
import { qk } from './keys';

type Omit2<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function useShardAction<M extends Parameters<typeof call>[0]>(method: M, loc: string, shard: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Omit2<Params<M>, 'location' | 'shard'>) => call(method, { ...p, location: loc, shard } as Params<M>),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: qk.detail(loc, shard) });
      void qc.invalidateQueries({ queryKey: qk.shards(loc), exact: true });
    },
  });
}

export function useCreateShard(loc: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Omit<Params<'shard.create'>, 'location'>) => call('shard.create', { ...p, location: loc }),
    onSuccess: () => qc.invalidateQueries({ queryKey: qk.shards(loc), exact: true }),
  });
}

export const useWrite = (loc: string, shard: string) => useShardAction('shard.write', loc, shard);
export const useAdvanceUpper = (loc: string, shard: string) => useShardAction('shard.advanceUpper', loc, shard);
export const useStartGenerator = (loc: string, shard: string) => useShardAction('generator.start', loc, shard);
export const useStopGenerator = (loc: string, shard: string) => useShardAction('generator.stop', loc, shard);
export const useOpenReader = (loc: string, shard: string) => useShardAction('handle.openReader', loc, shard);
export const useOpenWriter = (loc: string, shard: string) => useShardAction('handle.openWriter', loc, shard);
export const useDowngradeSince = (loc: string, shard: string) => useShardAction('handle.downgradeSince', loc, shard);

export function useExpire(loc: string, shard: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { kind: 'reader' | 'writer'; id: string }) => call('lease.expire', { ...p, location: loc, shard }),
    onSuccess: (_r, p) => {
      qc.setQueryData<ShardDetail>(qk.detail(loc, shard), (d) =>
        d && {
          ...d,
          leasedReaders: d.leasedReaders.filter((r) => r.id !== p.id),
          criticalReaders: d.criticalReaders.filter((r) => r.id !== p.id),
          writers: d.writers.filter((w) => w.id !== p.id),
        },
      );
      void qc.invalidateQueries({ queryKey: qk.detail(loc, shard) });
    },
  });
}
