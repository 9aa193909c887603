// The shard list: a row per shard, filter by name or id, "Create shard".
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ShardSummary } from '../../../preload/contract';
import { ErrorState, Empty, Loading, StaleNotice } from '../components/ErrorState';
import { Freshness } from '../components/Freshness';
import { useNow } from '../components/useNow';
import { nextSort, sortRows, VirtualTable, type Column, type Sort } from '../components/VirtualTable';
import { fmtAgo, fmtBytes, fmtCount, fmtFrontier, shortId } from '../format';
import { useShards } from '../queries/shards';
import { CreateShardDialog } from './CreateShardDialog';
import { HealthBadge } from './health/HealthBadge';

export function ShardsView({ loc, onOpen, createRequested = 0 }: { loc: string; onOpen: (shard: string) => void; createRequested?: number }) {
  const shards = useShards(loc);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    if (createRequested > 0) setCreating(true);
  }, [createRequested]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const now = useNow(5000);
  const [sort, setSort] = useState<Sort | null>(null);
  const filtered = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const all = shards.data ?? [];
    return f ? all.filter((s) => (s.name ?? '').toLowerCase().includes(f) || s.id.toLowerCase().includes(f)) : all;
  }, [shards.data, filter]);
  const columns: Column<ShardSummary>[] = [
    {
      key: 'name',
      sortValue: (s) => s.name ?? '',
      header: 'Name',
      width: 'minmax(160px, 2fr)',
      render: (s) => (
        <>
          <button type="button" className="link" onClick={() => onOpen(s.id)}>
            {s.name ?? '(unnamed)'}
          </button>
          <HealthBadge loc={loc} shard={s.id} />
        </>
      ),
    },
    { key: 'id', sortValue: (s) => s.id, header: 'Id', width: 'minmax(120px, 1.3fr)', render: (s) => <code title={s.id}>{shortId(s.id)}</code> },
    { key: 'since', sortValue: (s) => s.since, header: 'Since', width: '90px', align: 'right', render: (s) => fmtFrontier(s.since) },
    { key: 'upper', sortValue: (s) => s.upper, header: 'Upper', width: '90px', align: 'right', render: (s) => fmtFrontier(s.upper) },
    { key: 'batches', sortValue: (s) => s.batches, header: 'Batches', width: '80px', align: 'right', render: (s) => fmtCount(s.batches) },
    { key: 'parts', sortValue: (s) => s.parts, header: 'Parts', width: '70px', align: 'right', render: (s) => fmtCount(s.parts) },
    { key: 'bytes', sortValue: (s) => s.bytes, header: 'Bytes', width: '90px', align: 'right', render: (s) => fmtBytes(s.bytes) },
    { key: 'readers', sortValue: (s) => s.readers, header: 'Readers', width: '75px', align: 'right', render: (s) => s.readers },
    { key: 'writers', sortValue: (s) => s.writers, header: 'Writers', width: '75px', align: 'right', render: (s) => s.writers },
    {
      key: 'changed',
      sortValue: (s) => s.lastChangeMs,
      header: 'Last change',
      width: '150px',
      render: (s) => (
        <>
          {fmtAgo(s.lastChangeMs, now)}
          {s.generatorRate !== null && <span className="badge" title="the workload generator writes this shard">{s.generatorRate}/s</span>}
        </>
      ),
    },
  ];
  const rows = sortRows(filtered, columns, sort);
  return (
    <section className="view" aria-labelledby="shards-heading">
      <header className="view-header">
        <h1 id="shards-heading" ref={heading} tabIndex={-1}>Shards</h1>
        <input
          type="search"
          aria-label="Filter shards"
          placeholder="Filter by name or id"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create shard
        </button>
        <Freshness lastPush={shards.lastPush} dataUpdatedAt={shards.dataUpdatedAt} />
      </header>
      {shards.isPending ? (
        <Loading label="Loading shards…" />
      ) : !shards.data ? (
        <ErrorState error={shards.error} title="Could not list the shards" onRetry={() => void shards.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>{filter ? `No shard matches “${filter}”.` : 'No shards yet. Use “Create shard” to make one.'}</Empty>
      ) : (
        <VirtualTable label="Shards" sort={sort} onSort={(k) => setSort((cur) => nextSort(cur, k))} columns={columns} rowCount={rows.length} getRow={(i) => rows[i]} getRowKey={(s, i) => s?.id ?? i} />
      )}
      {shards.error && shards.data && <StaleNotice error={shards.error} at={shards.dataUpdatedAt} />}
      {shards.pushError && <ErrorState error={shards.pushError} title="Live updates of the list stopped" />}
      <CreateShardDialog
        loc={loc}
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(s) => {
          setCreating(false);
          onOpen(s.id);
        }}
      />
    </section>
  );
}
