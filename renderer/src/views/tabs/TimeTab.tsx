// Time: what changed between two times (diff over (from, to]), what a since would cost (the
// what-if slider over [since, upper], computed as a job with progress and Cancel), and "Copy to
// sandbox" of this shard at an as_of (a job too, in a dialog).
import { useEffect, useState } from 'react';
import type { ShardDetail } from '../../../../preload/contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { fmtBytes, fmtCount } from '../../format';
import { useDiff } from '../../queries/admin-tools';
import { useOpenLocation } from '../../queries/locations';
import { Dialog } from '../../components/Dialog';
import { formatRoute } from '../../route';
import { JobProgress, useJob } from '../health/jobs';
import type { WhatIfInfo } from '../../../../preload/admin-contract';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function TimeTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  return (
    <div className="time-tab">
      <DiffPanel loc={loc} detail={detail} />
      <WhatIfPanel loc={loc} detail={detail} />
      <CopyPanel loc={loc} detail={detail} />
    </div>
  );
}

function DiffPanel({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const { since, upper, id } = detail.summary;
  const lo = since ?? 0;
  const hi = upper === null ? lo : Math.max(lo, upper - 1);
  const [from, setFrom] = useState(lo);
  const [to, setTo] = useState(hi);
  const [filter, setFilter] = useState('');
  const [asked, setAsked] = useState<{ from: number; to: number; filter: string } | null>(null);
  const diff = useDiff(loc, id, asked);
  const d = diff.data;
  const exportCsv = () => {
    if (!d) return;
    const esc = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const csv = ['key,val,diff', ...d.rows.map((r) => `${esc(show(r.key))},${esc(show(r.val))},${r.diff}`)].join('\n');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `diff-${id}-${d.from}-${d.to}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <section className="section" aria-labelledby="diff-heading">
      <h2 id="diff-heading">Diff over time</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ from, to, filter });
        }}
      >
        <label>From (exclusive) <input type="number" min={lo} value={from} onChange={(e) => setFrom(Number(e.target.value))} aria-label="Diff from" /></label>
        <label>To <input type="number" max={hi} value={to} onChange={(e) => setTo(Number(e.target.value))} aria-label="Diff to" /></label>
        <label>Filter <input value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Diff filter" /></label>
        <button type="submit" disabled={!(from < to)}>Diff</button>
        {d && <button type="button" onClick={exportCsv}>Export CSV</button>}
      </form>
      {diff.isFetching ? (
        <Loading label="Merging the parts…" />
      ) : diff.error ? (
        <ErrorState error={diff.error} title="Could not diff" />
      ) : d ? (
        <>
          <p role="status" data-testid="diff-summary">
            ({d.from}, {d.to}]: {fmtCount(d.addedRows)} rows added ({fmtCount(d.added)}), {fmtCount(d.removedRows)} removed ({fmtCount(d.removed)})
            {d.truncated && ` — first ${fmtCount(d.rows.length)} shown`}
          </p>
          {d.rows.length === 0 ? (
            <Empty>Nothing changed in this window.</Empty>
          ) : (
            <table className="table" aria-label="Diff rows">
              <thead><tr><th>Change</th><th>Key</th><th>Value</th></tr></thead>
              <tbody>
                {d.rows.slice(0, 1000).map((r, i) => (
                  <tr key={i} className={r.diff > 0 ? 'added' : 'removed'}>
                    <td>{r.diff > 0 ? `+${r.diff}` : r.diff}</td><td className="mono">{show(r.key)}</td><td className="mono">{show(r.val)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}

function WhatIfPanel({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const { since, upper, id } = detail.summary;
  const lo = since;
  const hi = upper ?? since;
  const [value, setValue] = useState<number | null>(lo);
  const [settled, setSettled] = useState<number | null>(lo);
  const w = useJob<'what-if'>(loc);
  // The last answer stays on screen while the next one is computed.
  const [shown, setShown] = useState<WhatIfInfo | null>(null);
  // The slider asks once it rests: a drag is not a hundred merges.
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), 250);
    return () => clearTimeout(t);
  }, [value]);
  const { start } = w;
  useEffect(() => {
    if (settled !== null) void start({ kind: 'what-if', location: loc, shard: id, since: settled });
  }, [settled, loc, id, start]);
  useEffect(() => {
    if (w.job?.state === 'done' && w.job.result) setShown(w.job.result);
  }, [w.job]);
  if (lo === null || hi === null) return null;
  const r = shown;
  const running = w.job?.state === 'running';
  return (
    <section className="section" aria-labelledby="whatif-heading">
      <h2 id="whatif-heading">Since what-if</h2>
      <label className="row">
        Since <input type="range" min={lo} max={hi} value={value ?? lo} onChange={(e) => setValue(Number(e.target.value))} aria-label="Candidate since" />
        <output data-testid="whatif-since">{value}</output>
      </label>
      <JobProgress job={w.job} error={w.error} onCancel={w.cancel} />
      {w.job?.state === 'cancelled' && settled !== null && (
        <button type="button" onClick={() => void start({ kind: 'what-if', location: loc, shard: id, since: settled })}>
          Compute again
        </button>
      )}
      {!r ? (
        running ? null : !w.job && !w.error ? <Loading label="Merging the parts…" /> : null
      ) : (
        <div aria-busy={running} data-testid="whatif-result">
          <p className="muted">
            For a since at <strong data-testid="whatif-result-since">{r.since}</strong>
            {r.cached ? ' (from the cache: these parts were merged for this since before)' : ''}:
          </p>
          <dl className="stats">
            <div><dt>Batches</dt><dd>{r.current.batches} → <span data-testid="whatif-batches">{r.after.batches}</span></dd></div>
            <div><dt>Updates</dt><dd>{fmtCount(r.current.rows)} → <span data-testid="whatif-rows">{fmtCount(r.after.rows)}</span></dd></div>
            <div><dt>Bytes</dt><dd>{fmtBytes(r.current.bytes)} → <span data-testid="whatif-bytes">{fmtBytes(r.after.bytes)}</span></dd></div>
          </dl>
          <p data-testid="whatif-lost">
            {r.lostAsOf ? `Reads as of ${r.lostAsOf.from}…${r.lostAsOf.to - 1} would no longer be possible.` : 'No read would be lost.'}
          </p>
          {r.readersBehind.map((x) => (
            <p key={x.id} className="muted">Reader <code>{x.id}</code> ({x.purpose}) is at since {x.since}: the since cannot pass it until it moves.</p>
          ))}
        </div>
      )}
    </section>
  );
}

function CopyPanel({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="section" aria-labelledby="copy-heading">
      <h2 id="copy-heading">Copy to sandbox</h2>
      <p className="muted">Copies the shard consolidated at an as_of, with its codecs and name, into a new local sandbox file. This location is only read: its since does not move.</p>
      <button type="button" onClick={() => setOpen(true)}>Copy to sandbox…</button>
      <CopyDialog loc={loc} detail={detail} open={open} onClose={() => setOpen(false)} />
    </section>
  );
}

function CopyDialog({ loc, detail, open, onClose }: { loc: string; detail: ShardDetail; open: boolean; onClose: () => void }) {
  const { since, upper, id } = detail.summary;
  const latest = upper === null ? since : upper - 1;
  const copy = useJob<'copy'>(loc);
  const openLocation = useOpenLocation();
  const [path, setPath] = useState('');
  const [asOf, setAsOf] = useState('');
  const running = copy.job?.state === 'running';
  const done = copy.job?.state === 'done' ? copy.job.result : null;
  const close = () => {
    // Closing the dialog does not stop a running copy: Cancel does.
    if (!running) copy.reset();
    onClose();
  };
  return (
    <Dialog title="Copy to sandbox" open={open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void copy.start({ kind: 'copy', location: loc, shard: id, path, asOf: asOf === '' ? undefined : Number(asOf) });
        }}
      >
        <label>
          <span>New sandbox file</span>
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/copy.sqlite" aria-label="Copy to sandbox path" disabled={running} />
        </label>
        <label>
          <span>As of (readable: {since ?? '–'} … {latest ?? '–'}; empty: {latest ?? 'the latest'})</span>
          <input type="number" min={since ?? 0} max={latest ?? undefined} value={asOf} onChange={(e) => setAsOf(e.target.value)} aria-label="Copy as of" disabled={running} />
        </label>
        <JobProgress job={copy.job} error={copy.error} onCancel={copy.cancel} />
        {done && (
          <p role="status" data-testid="copy-result">
            Copied {fmtCount(done.rows)} rows as of {done.asOf} into <code>{done.path}</code>.
          </p>
        )}
        {openLocation.error && <ErrorState error={openLocation.error} title="The copy could not be opened" />}
        <div className="dialog-actions">
          <button type="button" onClick={close}>Close</button>
          {done ? (
            <button
              type="button"
              disabled={openLocation.isPending}
              onClick={() =>
                openLocation.mutate(
                  { kind: 'sandbox', path: done.path },
                  {
                    onSuccess: (l) => {
                      close();
                      window.location.hash = formatRoute({ loc: l.id, shard: done.shard, tab: 'overview' });
                    },
                  },
                )
              }
            >
              Open the copy
            </button>
          ) : (
            <button type="submit" disabled={!path || running}>Copy</button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
