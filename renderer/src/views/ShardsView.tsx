// The shard list: a row per shard, filter by name or id, "Create shard".
import { useMemo, useState } from 'react';
import type { ShardSummary } from '../../../preload/contract';
import { ErrorState, Empty, Loading } from '../components/ErrorState';
import { Freshness } from '../components/Freshness';
import { useNow } from '../components/useNow';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { fmtAgo, fmtBytes, fmtCount, fmtFrontier, shortId } from '../format';
import { useShards } from '../queries/shards';
import { CreateShardDialog } from './CreateShardDialog';
import { HealthBadge } from './health/HealthBadge';

export function ShardsView({ loc, onOpen }: { loc: string; onOpen: (shard: string) => void }) {
  const shards = useShards(loc);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const now = useNow(5000);
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const all = shards.data ?? [];
    return f ? all.filter((s) => (s.name ?? '').toLowerCase().includes(f) || s.id.toLowerCase().includes(f)) : all;
  }, [shards.data, filter]);
  const columns: Column<ShardSummary>[] = [
    {
      key: 'name',
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
    { key: 'id', header: 'Id', width: 'minmax(120px, 1.3fr)', render: (s) => <code title={s.id}>{shortId(s.id)}</code> },
    { key: 'since', header: 'Since', width: '90px', align: 'right', render: (s) => fmtFrontier(s.since) },
    { key: 'upper', header: 'Upper', width: '90px', align: 'right', render: (s) => fmtFrontier(s.upper) },
    { key: 'batches', header: 'Batches', width: '80px', align: 'right', render: (s) => fmtCount(s.batches) },
    { key: 'parts', header: 'Parts', width: '70px', align: 'right', render: (s) => fmtCount(s.parts) },
    { key: 'bytes', header: 'Bytes', width: '90px', align: 'right', render: (s) => fmtBytes(s.bytes) },
    { key: 'readers', header: 'Readers', width: '75px', align: 'right', render: (s) => s.readers },
    { key: 'writers', header: 'Writers', width: '75px', align: 'right', render: (s) => s.writers },
    {
      key: 'changed',
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
  return (
    <section className="view" aria-labelledby="shards-heading">
      <header className="view-header">
        <h1 id="shards-heading">Shards</h1>
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
      ) : shards.error ? (
        <ErrorState error={shards.error} title="Could not list the shards" onRetry={() => void shards.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>{filter ? `No shard matches “${filter}”.` : 'No shards yet. Use “Create shard” to make one.'}</Empty>
      ) : (
        <VirtualTable label="Shards" columns={columns} rowCount={rows.length} getRow={(i) => rows[i]} getRowKey={(s, i) => s?.id ?? i} />
      )}
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
