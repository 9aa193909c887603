// Data: a consolidated snapshot at a chosen as_of (default: the latest readable time), decoded
// with the shard's codecs (bytes as hex), virtualized and paged; CSV export in the background.
import { useCallback, useRef, useState } from 'react';
import type { DataRow, ShardDetail } from '../../../../preload/contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { download, exportSnapshotCsv } from '../../csv';
import { plural } from '../../format';
import { FieldError } from '../../components/FieldError';
import { parseOptionalWhole } from '../../validate';
import { PAGE_ROWS, useSnapshotHead, useSnapshotRows } from '../../queries/snapshot';

const columns: Column<DataRow>[] = [
  { key: 'key', header: 'Key', width: 'minmax(160px, 2fr)', render: (r) => <span className="mono">{r.key}</span> },
  { key: 'val', header: 'Value', width: 'minmax(160px, 3fr)', render: (r) => <span className="mono">{r.val}</span> },
  { key: 'time', header: 'Time', width: '100px', align: 'right', render: (r) => r.time },
  { key: 'diff', header: 'Diff', width: '80px', align: 'right', render: (r) => r.diff },
];

export function DataTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const [asOfText, setAsOfText] = useState('');
  const [asOf, setAsOf] = useState<number | null>(null);
  const head = useSnapshotHead(loc, shard, asOf);
  const [range, setRange] = useState<[number, number]>([0, 0]);
  const onRange = useCallback((a: number, b: number) => setRange([a, b]), []);
  const pages = head.data ? pageList(range[0], range[1], head.data.total) : [];
  const rowAt = useSnapshotRows(loc, shard, head.data?.asOf ?? 0, pages, head.data?.rows);
  const [exporting, setExporting] = useState<number | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const cancel = useRef(false);

  const { since, upper } = detail.summary;
  const asOfCheck = parseOptionalWhole(asOfText, {
    name: 'as_of',
    min: since ?? 0,
    minLabel: `the shard's since, ${since ?? 'closed'}`,
    ...(upper !== null ? { max: upper - 1, maxLabel: `${upper - 1} (below the shard's upper, ${upper})` } : {}),
  });
  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    if (!asOfCheck.ok) return;
    setAsOf(asOfCheck.value);
    if (asOfCheck.value === null) void head.refetch();
  };
  const startExport = async () => {
    if (!head.data) return;
    cancel.current = false;
    setExportError(null);
    setExporting(0);
    try {
      const blob = await exportSnapshotCsv(loc, shard, head.data.asOf, head.data.total, setExporting, () => cancel.current);
      if (blob) download(blob, `${detail.summary.name ?? shard}-asof-${head.data.asOf}.csv`);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(null);
    }
  };

  return (
    <div className="fill">
      <form className="row" onSubmit={apply}>
        <label className="inline">
          as_of
          <input
            aria-label="as_of"
            inputMode="numeric"
            value={asOfText}
            placeholder={`latest (${detail.summary.upper === null ? 'closed' : Math.max(0, detail.summary.upper - 1)})`}
            onChange={(e) => setAsOfText(e.target.value)}
            aria-invalid={asOfCheck.ok ? undefined : true}
            aria-describedby="asof-error"
            size={12}
          />
        </label>
        <button type="submit" disabled={!asOfCheck.ok}>Load snapshot</button>
        <FieldError id="asof-error" message={asOfCheck.ok ? null : asOfCheck.message} />
        {head.data && (
          <span className="muted" data-testid="snapshot-info">
            {plural(head.data.total, 'row')} at as_of {head.data.asOf} · consolidated · {head.data.codecs.key} → {head.data.codecs.val}
          </span>
        )}
        {exporting === null ? (
          <button type="button" onClick={() => void startExport()} disabled={!head.data || head.data.total === 0}>
            Export CSV
          </button>
        ) : (
          <>
            <progress max={head.data?.total ?? 1} value={exporting} aria-label="Export progress" />
            <button type="button" onClick={() => (cancel.current = true)}>Cancel export</button>
          </>
        )}
      </form>
      {exportError != null && <ErrorState error={exportError} title="The export failed" />}
      {head.isPending ? (
        <Loading label="Reading the snapshot…" />
      ) : head.error ? (
        <ErrorState error={head.error} title="Could not read the snapshot" onRetry={() => void head.refetch()} />
      ) : head.data.total === 0 ? (
        <Empty>No data at as_of {head.data.asOf}: nothing was written before it, or everything consolidated away.</Empty>
      ) : (
        <VirtualTable label="Data" columns={columns} rowCount={head.data.total} getRow={rowAt} onRange={onRange} />
      )}
    </div>
  );
}

function pageList(first: number, last: number, total: number): number[] {
  if (total === 0) return [];
  const a = Math.floor(first / PAGE_ROWS);
  const b = Math.floor(Math.min(last, total - 1) / PAGE_ROWS);
  const out: number[] = [];
  for (let p = a; p <= b; p++) out.push(p);
  return out;
}
