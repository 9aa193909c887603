// Data: a consolidated snapshot at a chosen as_of (default: the latest readable time), decoded
// with the shard's codecs (bytes as hex), virtualized and paged; a key/value filter applied in
// main, jump to a row, Home/End; export (CSV or JSON Lines) streamed in the background.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DataRow, ShardDetail } from '../../../../preload/contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { canPickSaveFile, downloadSink, exportSnapshot, fileSink, type ExportProgress } from '../../export';
import { EXPORT_TYPES, type ExportFormat } from '../../export-format';
import { fmtBytes, fmtCount, plural } from '../../format';
import { useAppInfo } from '../../queries/locations';
import { PAGE_ROWS, useSnapshotHead, useSnapshotRows, type SnapshotFilter } from '../../queries/snapshot';
import { parseOptionalWhole, parseWhole } from '../../validate';

const columns: Column<DataRow>[] = [
  { key: 'key', header: 'Key', width: 'minmax(160px, 2fr)', render: (r) => <span className="mono">{r.key}</span> },
  { key: 'val', header: 'Value', width: 'minmax(160px, 3fr)', render: (r) => <span className="mono">{r.val}</span> },
  { key: 'time', header: 'Time', width: '100px', align: 'right', render: (r) => r.time },
  { key: 'diff', header: 'Diff', width: '80px', align: 'right', render: (r) => r.diff },
];

/** The filter as typed, applied once typing pauses (each change is a scan in main). */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function DataTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const app = useAppInfo();
  const [asOfText, setAsOfText] = useState('');
  const [asOf, setAsOf] = useState<number | null>(null);
  const [keyText, setKeyText] = useState('');
  const [valText, setValText] = useState('');
  const debounced = useDebounced({ keyContains: keyText, valContains: valText }, 300);
  const filter: SnapshotFilter = {
    ...(debounced.keyContains ? { keyContains: debounced.keyContains } : {}),
    ...(debounced.valContains ? { valContains: debounced.valContains } : {}),
  };
  const head = useSnapshotHead(loc, shard, asOf, filter);
  const [range, setRange] = useState<[number, number]>([0, 0]);
  const onRange = useCallback((a: number, b: number) => setRange([a, b]), []);
  const pages = head.data ? pageList(range[0], range[1], head.data.total) : [];
  const rowAt = useSnapshotRows(loc, shard, head.data?.asOf ?? 0, filter, pages, head.data?.rows);
  const [jumpText, setJumpText] = useState('');
  const [jump, setJump] = useState<{ index: number; n: number } | null>(null);
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [exporting, setExporting] = useState<ExportProgress | null>(null);
  const [exported, setExported] = useState<(ExportProgress & { name: string }) | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const cancel = useRef(false);

  const { since, upper } = detail.summary;
  const asOfCheck = parseOptionalWhole(asOfText, {
    name: 'as_of',
    min: since ?? 0,
    minLabel: `the shard's since, ${since ?? 'closed'}`,
    ...(upper !== null ? { max: upper - 1, maxLabel: `${upper - 1} (below the shard's upper, ${upper})` } : {}),
  });
  const total = head.data?.total ?? 0;
  const jumpCheck = parseWhole(jumpText, { name: 'the row', min: 1, ...(total > 0 ? { max: total } : {}) });
  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    if (!asOfCheck.ok) return;
    setAsOf(asOfCheck.value);
    if (asOfCheck.value === null) void head.refetch();
  };
  const startExport = async () => {
    if (!head.data || exporting) return;
    const t = EXPORT_TYPES[format];
    const name = `${detail.summary.name ?? shard}-asof-${head.data.asOf}${filter.keyContains || filter.valContains ? '-filtered' : ''}.${t.ext}`;
    cancel.current = false;
    setExportError(null);
    setExported(null);
    try {
      const sink = app.data?.host === 'electron' && canPickSaveFile() ? await fileSink(name, format) : downloadSink(name, t.mime);
      if (!sink) return; // the save dialog was cancelled
      setExporting({ rows: 0, bytes: 0, total: head.data.total });
      const r = await exportSnapshot({ loc, shard, asOf: head.data.asOf, total: head.data.total, filter, format, sink, onProgress: setExporting, cancelled: () => cancel.current });
      if (r) setExported({ ...r, name });
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
            {filter.keyContains || filter.valContains
              ? `${plural(head.data.total, 'row')} match of ${fmtCount(head.data.unfiltered ?? head.data.total)}`
              : head.data.complete === false
                ? `${plural(head.data.total, 'row')} read so far`
                : plural(head.data.total, 'row')}{' '}
            at as_of {head.data.asOf} · consolidated · {head.data.codecs.key} → {head.data.codecs.val}
            {head.data.complete === false && ' · reading the rest…'}
          </span>
        )}
      </form>
      <div className="row">
        <label className="inline">
          Key contains
          <input type="search" value={keyText} onChange={(e) => setKeyText(e.target.value)} size={14} />
        </label>
        <label className="inline">
          Value contains
          <input type="search" value={valText} onChange={(e) => setValText(e.target.value)} size={14} />
        </label>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (jumpCheck.ok) setJump((j) => ({ index: jumpCheck.value - 1, n: (j?.n ?? 0) + 1 }));
          }}
        >
          <label className="inline">
            Row
            <input aria-label="Jump to row" inputMode="numeric" value={jumpText} onChange={(e) => setJumpText(e.target.value)} size={9} placeholder={total ? `1–${fmtCount(total)}` : ''} />
          </label>
          <button type="submit" disabled={!jumpCheck.ok || total === 0}>Jump</button>
          <button type="button" disabled={total === 0} onClick={() => setJump((j) => ({ index: 0, n: (j?.n ?? 0) + 1 }))} aria-keyshortcuts="Home">First</button>
          <button type="button" disabled={total === 0} onClick={() => setJump((j) => ({ index: total - 1, n: (j?.n ?? 0) + 1 }))} aria-keyshortcuts="End">Last</button>
        </form>
        {jumpText.trim() !== '' && !jumpCheck.ok && <FieldError id="jump-error" message={jumpCheck.message} />}
        <span className="spacer" />
        <label className="inline">
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} disabled={exporting !== null}>
            <option value="csv">CSV</option>
            <option value="jsonl">JSON Lines</option>
          </select>
        </label>
        {exporting === null ? (
          <button
            type="button"
            onClick={() => void startExport()}
            disabled={!head.data || head.data.total === 0 || head.data.complete === false}
            title={head.data?.complete === false ? 'the snapshot is still being read' : undefined}
          >
            Export {plural(total, 'row')}
          </button>
        ) : (
          <>
            <progress max={exporting.total || 1} value={exporting.rows} aria-label="Export progress" />
            <span className="muted" data-testid="export-progress" role="status">
              {fmtCount(exporting.rows)} of {fmtCount(exporting.total)} rows · {fmtBytes(exporting.bytes)}
            </span>
            <button type="button" onClick={() => (cancel.current = true)}>Cancel export</button>
          </>
        )}
        {exported && exporting === null && (
          <span className="muted" data-testid="export-done" role="status">
            Exported {plural(exported.rows, 'row')} ({fmtBytes(exported.bytes)}) to {exported.name}
          </span>
        )}
      </div>
      {exportError != null && <ErrorState error={exportError} title="The export failed" />}
      {head.isPending ? (
        <Loading label="Reading the snapshot…" />
      ) : head.error ? (
        <ErrorState error={head.error} title="Could not read the snapshot" onRetry={() => void head.refetch()} />
      ) : head.data.total === 0 ? (
        <Empty>
          {filter.keyContains || filter.valContains
            ? `No row at as_of ${head.data.asOf} matches the filter (of ${fmtCount(head.data.unfiltered ?? 0)}).`
            : `No data at as_of ${head.data.asOf}: nothing was written before it, or everything consolidated away.`}
        </Empty>
      ) : (
        <VirtualTable label="Data" columns={columns} rowCount={head.data.total} getRow={rowAt} onRange={onRange} jump={jump} />
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
