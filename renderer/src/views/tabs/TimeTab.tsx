// Time: what changed between two times (diff over (from, to]), what a since would cost (the
// what-if slider over [since, upper]), and "Copy to sandbox" of this shard at an as_of.
import { useEffect, useState } from 'react';
import type { ShardDetail } from '../../../../preload/contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { fmtBytes, fmtCount } from '../../format';
import { useCopyToSandbox, useDiff, useWhatIf } from '../../queries/admin-tools';

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
  // The slider asks once it rests: a drag is not a hundred merges.
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), 250);
    return () => clearTimeout(t);
  }, [value]);
  const w = useWhatIf(loc, id, lo === null ? null : settled);
  if (lo === null || hi === null) return null;
  const r = w.data;
  return (
    <section className="section" aria-labelledby="whatif-heading">
      <h2 id="whatif-heading">Since what-if</h2>
      <label className="row">
        Since <input type="range" min={lo} max={hi} value={value ?? lo} onChange={(e) => setValue(Number(e.target.value))} aria-label="Candidate since" />
        <output data-testid="whatif-since">{value}</output>
      </label>
      {w.error ? (
        <ErrorState error={w.error} title="Could not compute the what-if" />
      ) : !r ? (
        <Loading label="Merging the parts…" />
      ) : (
        <div aria-busy={w.isFetching}>
          <dl className="stats">
            <div><dt>Batches</dt><dd>{r.current.batches} → <span data-testid="whatif-batches">{r.after.batches}</span></dd></div>
            <div><dt>Updates</dt><dd>{fmtCount(r.current.rows)} → <span data-testid="whatif-rows">{fmtCount(r.after.rows)}</span></dd></div>
            <div><dt>Bytes</dt><dd>{fmtBytes(r.current.bytes)} → {fmtBytes(r.after.bytes)}</dd></div>
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
  const copy = useCopyToSandbox(loc, detail.summary.id);
  const [path, setPath] = useState('');
  return (
    <section className="section" aria-labelledby="copy-heading">
      <h2 id="copy-heading">Copy to sandbox</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          copy.mutate({ path });
        }}
      >
        <label>New sandbox file <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/copy.sqlite" aria-label="Copy to sandbox path" /></label>
        <button type="submit" disabled={!path || copy.isPending}>Copy to sandbox</button>
      </form>
      <p className="muted">Copies the shard consolidated at its latest readable time, with its codecs and name. This location is only read: its since does not move.</p>
      {copy.error && <ErrorState error={copy.error} title="The copy failed" />}
      {copy.data && (
        <p role="status" data-testid="copy-result">
          Copied {fmtCount(copy.data.rows)} rows as of {copy.data.asOf}. Open the file from Locations.
        </p>
      )}
    </section>
  );
}
