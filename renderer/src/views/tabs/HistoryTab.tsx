// History: the shard's retained state versions. A scrubber and a list move through them; each
// transition says what changed; the selected version's own inspection is shown beside.
import { useMemo, useState } from 'react';
import type { ShardDetail, VersionChangeInfo } from '../../../../preload/contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { fmtBytes, fmtClock, fmtCount, fmtFrontier, plural } from '../../format';
import { HISTORY_LIMIT, useVersionAt, useVersions } from '../../queries/operations';

/** The engine writes intervals of frontiers ("[[2], [3])"); people read "[2, 3)". */
export const prettyIntervals = (s: string): string => s.replace(/\[\[(\d+)\], \[(\d*)\]\)/g, (_, a: string, b: string) => `[${a}, ${b === '' ? '∞' : b})`);

/** "[3]" → "3", "[]" → "∞" */
const bare = (f: string): string => (f === '[]' ? '∞' : f.replace(/^\[|\]$/g, ''));

interface Row {
  seqno: number;
  change: VersionChangeInfo | null; // null: the oldest listed version (what led to it is not listed)
}

function ChangeTags({ c }: { c: VersionChangeInfo }) {
  return (
    <span>
      {c.batchesAdded.length > 0 && <span className="tag plus">+{plural(c.batchesAdded.length, 'batch')}</span>}
      {c.batchesRemoved.length > 0 && <span className="tag minus">{plural(-c.batchesRemoved.length, 'batch')}</span>}
      {c.upperMoved && <span className="tag">upper {c.upperMoved[0]}→{c.upperMoved[1]}</span>}
      {c.sinceMoved && <span className="tag">since {c.sinceMoved[0]}→{c.sinceMoved[1]}</span>}
      {(c.readersAdded.length > 0 || c.readersRemoved.length > 0) && <span className="tag">readers +{c.readersAdded.length}/−{c.readersRemoved.length}</span>}
      {(c.writersAdded.length > 0 || c.writersRemoved.length > 0) && <span className="tag">writers +{c.writersAdded.length}/−{c.writersRemoved.length}</span>}
    </span>
  );
}

export function HistoryTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const versions = useVersions(loc, shard);
  const [picked, setPicked] = useState<number | null>(null);
  // oldest first, for the scrubber
  const rows = useMemo<Row[]>(() => {
    const v = versions.data;
    if (!v) return [];
    const out: Row[] = v.changes.map((c) => ({ seqno: c.toSeqno, change: c })).reverse();
    const oldest = v.changes.length ? v.changes[v.changes.length - 1].fromSeqno : v.seqno;
    out.unshift({ seqno: oldest, change: null });
    return out;
  }, [versions.data]);
  const selected = picked ?? rows[rows.length - 1]?.seqno ?? null;
  const index = Math.max(0, rows.findIndex((r) => r.seqno === selected));
  const at = useVersionAt(loc, shard, selected);
  const newer = versions.data ? detail.summary.seqno - versions.data.seqno : 0;

  if (versions.isPending) return <Loading label="Reading the retained versions…" />;
  if (versions.error) return <ErrorState error={versions.error} title="Could not read the shard's versions" onRetry={() => void versions.refetch()} />;
  const v = versions.data;
  const listed = [...rows].reverse(); // newest first
  const columns: Column<Row>[] = [
    {
      key: 'seqno',
      header: 'Version',
      width: '110px',
      render: (r) => (
        <button type="button" className="link" aria-pressed={r.seqno === selected} onClick={() => setPicked(r.seqno)} aria-label={`Version ${r.seqno}`}>
          {r.seqno === selected ? '▶ ' : ''}
          {r.seqno}
        </button>
      ),
    },
    { key: 'time', header: 'Time', width: '80px', render: (r) => (r.change ? fmtClock(r.change.walltimeMs) : '') },
    { key: 'summary', header: 'What changed', width: 'minmax(160px, 2fr)', render: (r) => (r.change ? prettyIntervals(r.change.summary) : <span className="muted">oldest listed</span>) },
    { key: 'tags', header: '', width: 'minmax(160px, 2fr)', render: (r) => (r.change ? <ChangeTags c={r.change} /> : null) },
  ];
  return (
    <div className="fill">
      <div className="row">
        <span className="muted" data-testid="versions-info">
          {fmtCount(rows.length)} versions listed ({v.changes.length >= HISTORY_LIMIT ? `the newest ${HISTORY_LIMIT + 1}` : 'every retained one'}) · retained from{' '}
          {v.earliestRetained} to {v.seqno}
          {v.earliestRetained > 1 ? '; older ones were truncated by GC.' : '.'}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => { setPicked(null); void versions.refetch(); }}>
          {newer > 0 ? `Load ${fmtCount(newer)} newer` : 'Reload'}
        </button>
      </div>
      <div className="scrubber">
        <span className="muted">{rows[0]?.seqno}</span>
        <input
          type="range"
          aria-label="Version"
          min={0}
          max={Math.max(0, rows.length - 1)}
          value={index}
          onChange={(e) => setPicked(rows[Number(e.target.value)]?.seqno ?? null)}
          aria-valuetext={`version ${selected}`}
        />
        <span className="muted">{rows[rows.length - 1]?.seqno}</span>
      </div>
      <div className="history-layout">
        <VirtualTable label="Versions" columns={columns} rowCount={listed.length} getRow={(i) => listed[i]} getRowKey={(r, i) => r?.seqno ?? i} rowHeight={32} />
        <section aria-label="Selected version" className="card">
          <h2>Version <span data-testid="version-seqno">{selected}</span></h2>
          {at.isPending ? (
            <Loading label="Reading that version…" />
          ) : at.error ? (
            <ErrorState error={at.error} title="Could not read that version" />
          ) : (
            <>
              <dl className="stats">
                <div><dt>Since</dt><dd data-testid="version-since">{fmtFrontier(at.data.summary.since)}</dd></div>
                <div><dt>Upper</dt><dd data-testid="version-upper">{fmtFrontier(at.data.summary.upper)}</dd></div>
                <div><dt>Batches</dt><dd data-testid="version-batches">{fmtCount(at.data.summary.batches)}</dd></div>
                <div><dt>Updates</dt><dd>{fmtCount(at.data.summary.updates)}</dd></div>
                <div><dt>Bytes</dt><dd>{fmtBytes(at.data.summary.bytes)}</dd></div>
                <div><dt>Readers</dt><dd>{at.data.summary.readers}</dd></div>
                <div><dt>Writers</dt><dd>{at.data.summary.writers}</dd></div>
                <div><dt>Written</dt><dd>{fmtClock(at.data.summary.lastChangeMs)}</dd></div>
              </dl>
              {rows[index]?.change ? (
                <>
                  <h3>From version {rows[index].change!.fromSeqno}</h3>
                  <ul className="change-list">
                    {rows[index].change!.batchesAdded.map((b, i) => <li key={`a${i}`}>+ batch [{bare(b.lower)}, {bare(b.upper)}) · {plural(b.len, 'update')} · level {b.level}</li>)}
                    {rows[index].change!.batchesRemoved.map((b, i) => <li key={`r${i}`}>− batch [{bare(b.lower)}, {bare(b.upper)}) · {plural(b.len, 'update')} · level {b.level}</li>)}
                    {rows[index].change!.upperMoved && <li>upper {rows[index].change!.upperMoved![0]} → {rows[index].change!.upperMoved![1]}</li>}
                    {rows[index].change!.sinceMoved && <li>since {rows[index].change!.sinceMoved![0]} → {rows[index].change!.sinceMoved![1]}</li>}
                    {rows[index].change!.readersAdded.map((r) => <li key={r}>+ reader <code>{r}</code></li>)}
                    {rows[index].change!.readersRemoved.map((r) => <li key={r}>− reader <code>{r}</code></li>)}
                    {rows[index].change!.writersAdded.map((w) => <li key={w}>+ writer <code>{w}</code></li>)}
                    {rows[index].change!.writersRemoved.map((w) => <li key={w}>− writer <code>{w}</code></li>)}
                    {rows[index].change!.summary === 'heartbeat' && <li>a heartbeat: leases renewed, nothing else changed</li>}
                  </ul>
                </>
              ) : (
                <p className="muted">The oldest listed version: what led to it is not listed.</p>
              )}
            </>
          )}
          {rows.length === 0 && <Empty>No versions.</Empty>}
        </section>
      </div>
    </div>
  );
}
