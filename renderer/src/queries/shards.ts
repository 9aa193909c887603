// The shard list and one shard's detail: fetched once, then kept current by pushes folded into
// the cache with setQueryData.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ContractError, FrontierSample, ShardDetail, ShardSummary } from '../../../preload/contract';
import { call, subscribe } from '../api/client';
import { fallbackPoll, useConnected } from './connection';
import { qk } from './keys';

const MAX_HISTORY = 3000;

/** Last time a push arrived for a query, to show freshness. */
export function usePushStatus() {
  const [lastPush, setLastPush] = useState<number | null>(null);
  const [pushError, setPushError] = useState<ContractError | null>(null);
  return { lastPush, setLastPush, pushError, setPushError };
}

export function useShards(loc: string) {
  const qc = useQueryClient();
  const connected = useConnected();
  const status = usePushStatus();
  const { setLastPush, setPushError } = status;
  useEffect(
    () =>
      subscribe({ topic: 'shards', location: loc }, (e) => {
        if (e.topic === 'shards') {
          qc.setQueryData<ShardSummary[]>(qk.shards(loc), e.shards);
          setLastPush(Date.now());
          setPushError(null);
        } else if (e.topic === 'error') setPushError(e.error);
      }),
    [loc, qc, setLastPush, setPushError],
  );
  const query = useQuery({
    queryKey: qk.shards(loc),
    queryFn: () => call('shards.list', { location: loc }),
    refetchInterval: fallbackPoll(connected),
  });
  return { ...query, ...status };
}

export function useShardDetail(loc: string, shard: string) {
  const qc = useQueryClient();
  const connected = useConnected();
  const status = usePushStatus();
  const { setLastPush, setPushError } = status;
  useEffect(
    () =>
      subscribe({ topic: 'shard', location: loc, shard }, (e) => {
        if (e.topic === 'shard') {
          qc.setQueryData<ShardDetail>(qk.detail(loc, shard), e.detail);
          qc.setQueryData<FrontierSample[]>(qk.history(loc, shard), (old) => appendSample(old, e.sample));
          setLastPush(Date.now());
          setPushError(null);
        } else if (e.topic === 'error') setPushError(e.error);
      }),
    [loc, shard, qc, setLastPush, setPushError],
  );
  const query = useQuery({
    queryKey: qk.detail(loc, shard),
    queryFn: () => call('shard.inspect', { location: loc, shard }),
    refetchInterval: fallbackPoll(connected, 2000),
  });
  return { ...query, ...status };
}

export function appendSample(old: FrontierSample[] | undefined, s: FrontierSample): FrontierSample[] | undefined {
  if (!old) return old; // the history query has not loaded yet; it will fetch everything
  const last = old[old.length - 1];
  if (last && last.t >= s.t) return old;
  const next = old.length >= MAX_HISTORY ? old.slice(old.length - MAX_HISTORY + 1) : old.slice();
  next.push(s);
  return next;
}

export const useHistory = (loc: string, shard: string) =>
  useQuery({ queryKey: qk.history(loc, shard), queryFn: () => call('shard.history', { location: loc, shard }), staleTime: Infinity });

/** The shard list already in the cache (the switcher must not start a subscription of its own). */
export function useShardsCached(loc: string): ShardSummary[] | undefined {
  return useQuery({ queryKey: qk.shards(loc), queryFn: () => call('shards.list', { location: loc }), staleTime: 5000 }).data;
}
