// The shard list and one shard's detail: fetched once, then kept current by pushes folded into
// the cache with setQueryData.
import { useQuery } from '@tanstack/react-query';
import type { FrontierSample, ShardDetail, ShardSummary } from '../../../preload/contract';
import { call } from '../api/client';
import { qk } from './keys';
import { usePushedQuery } from './pushed';

const MAX_FRONTIER_SAMPLES = 3000;

export const useShards = (loc: string) =>
  usePushedQuery({
    queryKey: qk.shards(loc),
    queryFn: () => call('shards.list', { location: loc }),
    subscription: { topic: 'shards', location: loc },
    onPush: (qc, e) => qc.setQueryData<ShardSummary[]>(qk.shards(loc), e.shards),
    pollWhileDisconnectedMs: 5000,
  });

export const useShardDetail = (loc: string, shard: string) =>
  usePushedQuery({
    queryKey: qk.detail(loc, shard),
    queryFn: () => call('shard.inspect', { location: loc, shard }),
    subscription: { topic: 'shard', location: loc, shard },
    onPush: (qc, e) => {
      qc.setQueryData<ShardDetail>(qk.detail(loc, shard), e.detail);
      qc.setQueryData<FrontierSample[]>(qk.frontierSamples(loc, shard), (old) => appendSample(old, e.sample));
    },
    pollWhileDisconnectedMs: 2000,
  });

export function appendSample(old: FrontierSample[] | undefined, s: FrontierSample): FrontierSample[] | undefined {
  if (!old) return old; // the samples query has not loaded yet; it will fetch everything
  const last = old[old.length - 1];
  if (last && last.t >= s.t) return old;
  const next = old.length >= MAX_FRONTIER_SAMPLES ? old.slice(old.length - MAX_FRONTIER_SAMPLES + 1) : old.slice();
  next.push(s);
  return next;
}

export const useFrontierSamples = (loc: string, shard: string) =>
  useQuery({ queryKey: qk.frontierSamples(loc, shard), queryFn: () => call('shard.frontierSamples', { location: loc, shard }), staleTime: Infinity });

/** The shard list already in the cache (the switcher must not start a subscription of its own). */
export function useShardsCached(loc: string): ShardSummary[] | undefined {
  return useQuery({ queryKey: qk.shards(loc), queryFn: () => call('shards.list', { location: loc }), staleTime: 5000 }).data;
}
