// A query kept current by a push subscription: fetched once (and polled only while pushes cannot
// arrive), then each push of its topic is folded into the cache. The four push-fed views (shard
// list, shard detail, compaction status, Live) share it so reconnects, errors and freshness
// behave the same in every one.
import { useQuery, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { ContractError, Params, PushEvent } from '../../../preload/contract';
import { subscribe } from '../api/client';
import { fallbackPoll, useConnected } from './connection';

type Subscription = Params<'events.subscribe'>;
type PushOf<T extends Subscription['topic']> = Extract<PushEvent, { topic: T }>;

export interface PushedQueryOptions<T, S extends Subscription> {
  queryKey: QueryKey;
  queryFn: () => Promise<T> | T;
  /** null pauses the subscription (the cached data stays) */
  subscription: S | null;
  /** folds one push into the cache (usually setQueryData on queryKey) */
  onPush: (qc: QueryClient, e: PushOf<S['topic']>) => void;
  /** polling interval while the transport is down; omitted: never polls (push-only data) */
  pollWhileDisconnectedMs?: number;
  staleTime?: number;
  gcTime?: number;
}

export interface PushStatus {
  /** when the last push arrived (ms), to show freshness */
  lastPush: number | null;
  /** why pushes stopped, until the next one arrives */
  pushError: ContractError | null;
}

export function usePushedQuery<T, S extends Subscription>(o: PushedQueryOptions<T, S>) {
  const qc = useQueryClient();
  const connected = useConnected();
  const [lastPush, setLastPush] = useState<number | null>(null);
  const [pushError, setPushError] = useState<ContractError | null>(null);
  // The fold may close over render-time values; read it through a ref so a new closure each render
  // does not resubscribe.
  const onPush = useRef(o.onPush);
  onPush.current = o.onPush;
  const topic = o.subscription?.topic;
  const subKey = o.subscription ? JSON.stringify(o.subscription) : null;
  useEffect(() => {
    if (subKey === null) return;
    return subscribe(JSON.parse(subKey) as Subscription, (e) => {
      if (e.topic === topic) {
        onPush.current(qc, e as PushOf<S['topic']>);
        setLastPush(Date.now());
        setPushError(null);
      } else if (e.topic === 'error') setPushError(e.error);
    });
  }, [subKey, topic, qc]);
  const query = useQuery({
    queryKey: o.queryKey,
    queryFn: o.queryFn,
    refetchInterval: o.pollWhileDisconnectedMs === undefined ? false : fallbackPoll(connected, o.pollWhileDisconnectedMs),
    // only when given: an explicit undefined would override the client's defaults
    ...(o.staleTime !== undefined && { staleTime: o.staleTime }),
    ...(o.gcTime !== undefined && { gcTime: o.gcTime }),
  });
  return { ...query, lastPush, pushError };
}
