// The Data tab's snapshot, paged: the first page says the as_of and the total; the table asks for
// the pages it shows. Main decodes and caches the snapshot; only visible pages cross.
import { useQueries, useQuery } from '@tanstack/react-query';
import type { DataRow } from '../../../preload/contract';
import { call } from '../api/client';
import { qk } from './keys';

export const PAGE_ROWS = 500;

export interface SnapshotFilter {
  keyContains?: string;
  valContains?: string;
}

export function useSnapshotHead(loc: string, shard: string, asOf: number | null, filter: SnapshotFilter = {}) {
  return useQuery({
    queryKey: [...qk.snapshot(loc, shard, asOf), filter],
    queryFn: () => call('shard.snapshot', { location: loc, shard, asOf, offset: 0, limit: PAGE_ROWS, ...filter, partial: true }),
    placeholderData: (prev) => prev, // the table stays while a new filter loads
    staleTime: asOf === null ? 0 : Infinity,
    // while the host is still reading the snapshot, the first page is shown and the total grows
    refetchInterval: (q) => (q.state.data?.complete === false ? 250 : false),
    retry: false,
  });
}

/** Rows of the visible pages (undefined while a page loads). */
export function useSnapshotRows(loc: string, shard: string, asOf: number, filter: SnapshotFilter, visible: number[], firstPage: DataRow[] | undefined) {
  const pages = visible.filter((p) => p !== 0 || !firstPage);
  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: [...qk.snapshotPage(loc, shard, asOf, page), filter],
      queryFn: () => call('shard.snapshot', { location: loc, shard, asOf, offset: page * PAGE_ROWS, limit: PAGE_ROWS, ...filter, partial: true }),
      staleTime: Infinity,
    })),
  });
  const byPage = new Map<number, DataRow[]>();
  if (firstPage) byPage.set(0, firstPage);
  pages.forEach((p, i) => {
    const d = results[i]?.data;
    if (d) byPage.set(p, d.rows);
  });
  return (index: number): DataRow | undefined => byPage.get(Math.floor(index / PAGE_ROWS))?.[index % PAGE_ROWS];
}
