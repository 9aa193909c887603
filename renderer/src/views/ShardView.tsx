// One shard: its header and actions, and the tabs Overview, Batches, Compaction, History, Storage,
// Leases, Data, Live.
import { useEffect, useRef, useState } from 'react';
import { TAB_IDS, type TabId } from '../route';
import { ErrorState, Loading, StaleNotice } from '../components/ErrorState';
import { Freshness } from '../components/Freshness';
import { Tabs } from '../components/Tabs';
import { Term } from '../components/Term';
import { fmtFrontier } from '../format';
import { useShardDetail } from '../queries/shards';
import { AdvanceUpperDialog } from './actions/AdvanceUpperDialog';
import { WriteDialog } from './actions/WriteDialog';
import { ImportDialog } from './import/ImportDialog';
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
export const tabOf = (id: TabId): Tab => TABS[TAB_IDS.indexOf(id)] ?? 'Overview';
export const tabIdOf = (t: Tab): TabId => TAB_IDS[TABS.indexOf(t)] ?? 'overview';

export function ShardView({ loc, shard, tab, onTab, onBack }: { loc: string; shard: string; tab: Tab; onTab: (t: Tab) => void; onBack: () => void }) {
  const detail = useShardDetail(loc, shard);
  const [dialog, setDialog] = useState<'write' | 'advance' | 'import' | null>(null);
  const d = detail.data;
  // focus goes to the opened view's heading (screen readers announce it; Tab continues from there)
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="view" aria-labelledby="shard-heading">
      <header className="view-header">
        <button type="button" onClick={onBack} aria-label="Back to shards">← Shards</button>
        <h1 id="shard-heading" ref={heading} tabIndex={-1}>{d ? (d.summary.name ?? '(unnamed shard)') : 'Shard'}</h1>
        {d && (
          <span className="muted">
            <code>{shard}</code> · <Term name="since" /> {fmtFrontier(d.summary.since)} · <Term name="upper" /> <span data-testid="header-upper">{fmtFrontier(d.summary.upper)}</span>
          </span>
        )}
        <span className="spacer" />
        <button type="button" onClick={() => setDialog('write')} disabled={!d || d.summary.upper === null}>Write</button>
        <button type="button" onClick={() => setDialog('advance')} disabled={!d || d.summary.upper === null}>Advance upper</button>
        <button type="button" onClick={() => setDialog('import')} disabled={!d || d.summary.upper === null}>Import…</button>
        <Freshness lastPush={detail.lastPush} dataUpdatedAt={detail.dataUpdatedAt} />
      </header>
      {detail.isPending ? (
        <Loading label="Reading the shard…" />
      ) : !detail.data ? (
        <ErrorState error={detail.error} title="Could not read this shard" onRetry={() => void detail.refetch()} />
      ) : (
        <>
          {/* an outage keeps the view, its dialogs and their input: the last state stays, marked stale */}
          {detail.error && <StaleNotice error={detail.error} at={detail.dataUpdatedAt} />}
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
          <ImportDialog loc={loc} summary={detail.data.summary} open={dialog === 'import'} onClose={() => setDialog(null)} />
        </>
      )}
    </section>
  );
}
