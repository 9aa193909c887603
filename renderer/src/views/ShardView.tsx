// One shard: its header and actions, and the tabs Overview, Batches, Compaction, History, Storage,
// Leases, Data, Live.
import { useState } from 'react';
import { ErrorState, Loading } from '../components/ErrorState';
import { Freshness } from '../components/Freshness';
import { Tabs } from '../components/Tabs';
import { fmtFrontier } from '../format';
import { useShardDetail } from '../queries/shards';
import { AdvanceUpperDialog } from './actions/AdvanceUpperDialog';
import { WriteDialog } from './actions/WriteDialog';
import { BatchesTab } from './tabs/BatchesTab';
import { CompactionTab } from './tabs/CompactionTab';
import { HistoryTab } from './tabs/HistoryTab';
import { StorageTab } from './tabs/StorageTab';
import { DataTab } from './tabs/DataTab';
import { LeasesTab } from './tabs/LeasesTab';
import { LiveTab } from './tabs/LiveTab';
import { OverviewTab } from './tabs/OverviewTab';
import { TimeTab } from './tabs/TimeTab';

export const TABS = ['Overview', 'Batches', 'Compaction', 'History', 'Storage', 'Leases', 'Data', 'Live', 'Time'] as const;
export type Tab = (typeof TABS)[number];

export function ShardView({ loc, shard, tab, onTab, onBack }: { loc: string; shard: string; tab: Tab; onTab: (t: Tab) => void; onBack: () => void }) {
  const detail = useShardDetail(loc, shard);
  const [dialog, setDialog] = useState<'write' | 'advance' | null>(null);
  const d = detail.data;
  return (
    <section className="view" aria-labelledby="shard-heading">
      <header className="view-header">
        <button type="button" onClick={onBack} aria-label="Back to shards">← Shards</button>
        <h1 id="shard-heading">{d ? (d.summary.name ?? '(unnamed shard)') : 'Shard'}</h1>
        {d && (
          <span className="muted">
            <code>{shard}</code> · since {fmtFrontier(d.summary.since)} · upper <span data-testid="header-upper">{fmtFrontier(d.summary.upper)}</span>
          </span>
        )}
        <span className="spacer" />
        <button type="button" onClick={() => setDialog('write')} disabled={!d || d.summary.upper === null}>Write</button>
        <button type="button" onClick={() => setDialog('advance')} disabled={!d || d.summary.upper === null}>Advance upper</button>
        <Freshness lastPush={detail.lastPush} dataUpdatedAt={detail.dataUpdatedAt} />
      </header>
      {detail.isPending ? (
        <Loading label="Reading the shard…" />
      ) : detail.error ? (
        <ErrorState error={detail.error} title="Could not read this shard" onRetry={() => void detail.refetch()} />
      ) : (
        <>
          {detail.pushError && <ErrorState error={detail.pushError} title="Live updates of this shard stopped" />}
          <Tabs label="Shard views" tabs={TABS} current={tab} onChange={onTab}>
            {tab === 'Overview' && <OverviewTab loc={loc} detail={detail.data} />}
            {tab === 'Batches' && <BatchesTab loc={loc} detail={detail.data} />}
            {tab === 'Compaction' && <CompactionTab loc={loc} detail={detail.data} />}
            {tab === 'History' && <HistoryTab loc={loc} detail={detail.data} />}
            {tab === 'Storage' && <StorageTab loc={loc} detail={detail.data} />}
            {tab === 'Leases' && <LeasesTab loc={loc} detail={detail.data} />}
            {tab === 'Data' && <DataTab loc={loc} detail={detail.data} />}
            {tab === 'Live' && <LiveTab loc={loc} detail={detail.data} />}
            {tab === 'Time' && <TimeTab loc={loc} detail={detail.data} />}
          </Tabs>
          <WriteDialog loc={loc} summary={detail.data.summary} open={dialog === 'write'} onClose={() => setDialog(null)} />
          <AdvanceUpperDialog loc={loc} summary={detail.data.summary} open={dialog === 'advance'} onClose={() => setDialog(null)} />
        </>
      )}
    </section>
  );
}
