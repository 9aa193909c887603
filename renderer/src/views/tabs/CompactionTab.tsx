// Compaction: "Compact now" (a preview of exactly what it merges, then progress, cancel and the
// outcome) and the shard's compaction history (background and forced), pushed by main.
import { useState } from 'react';
import type { CompactionJob, CompactionPlanInfo, ShardDetail } from '../../../../preload/contract';
import { ConfirmDialog } from '../../components/Dialog';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { fmtBytes, fmtClock, fmtCount, fmtFrontier, plural } from '../../format';
import { useCancelCompaction, useCompaction, useCompactionPlan, useStartCompaction } from '../../queries/operations';

const fmtMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

/** What a running "Compact now" is doing: the merge's real phase, as the engine reports it. */
const PHASES = ['fetch', 'merge', 'upload', 'apply'] as const;
const PHASE_TEXT: Record<(typeof PHASES)[number] | 'plan', string> = {
  plan: 'Waiting for background compaction to finish, then planning…',
  fetch: 'Fetching the input parts (merging as they arrive)',
  merge: 'Merging the rest: every input part is in',
  upload: 'Uploading a merged part',
  apply: 'Applying the merged batch to the shard',
};
export function CompactionTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const status = useCompaction(loc, shard);
  const [confirming, setConfirming] = useState(false);
  const job = status.data?.job ?? null;
  const running = job?.state === 'running';
  const history = status.data?.history ?? [];
  return (
    <div className="compaction">
      <div className="row">
        <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={running}>
          Compact now…
        </button>
        <span className="muted">
          {plural(detail.summary.batches, 'batch')} · {fmtBytes(detail.summary.bytes)} · {plural(detail.summary.updates, 'update')} now. Background
          compaction keeps the batch count logarithmic; "Compact now" merges everything it can at once.
        </span>
      </div>
      {status.pushError && <ErrorState error={status.pushError} title="Compaction updates stopped" />}
      {job && <JobCard loc={loc} shard={shard} job={job} />}
      <h2>History</h2>
      {status.data?.reach && (
        <p className="muted" data-testid="compaction-reach">
          From the shard's retained versions: since seqno {fmtCount(status.data.reach.earliestSeqno)}, the earliest retained version (GC truncates older
          ones), to {fmtCount(status.data.reach.latestSeqno)}.{status.data.reach.truncated ? ` Only the newest ${fmtCount(history.length)} are shown.` : ''}
        </p>
      )}
      {status.data?.historyError && <ErrorState error={status.data.historyError} title="Could not read the compaction history" />}
      {status.isPending || (status.data && status.data.reach === null && !status.data.historyError) ? (
        <Loading label="Reading the compaction history from the retained versions…" />
      ) : status.error ? (
        <ErrorState error={status.error} title="Could not load the compaction history" onRetry={() => void status.refetch()} />
      ) : history.length === 0 ? (
        <Empty>No compaction of this shard in its retained versions.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-label="Compaction history" className="compact">
            <thead>
              <tr>
                <th className="num">Seqno</th><th>Applied</th><th>Kind</th><th className="num">Batches</th><th className="num">Rows in → out</th>
                <th className="num">Bytes in → out</th><th className="num">Times</th><th className="num">Since</th>
              </tr>
            </thead>
            <tbody>
              {history.map((r) => (
                <tr key={r.seqno}>
                  <td className="num">{r.seqno}</td>
                  <td>{fmtClock(r.atMs)}</td>
                  <td>{r.forced ? 'Compact now' : <span title="by background compaction, of this app or another client">background</span>}</td>
                  <td className="num">{fmtCount(r.inputs)} → {fmtCount(r.outputs)}</td>
                  <td className="num">{fmtCount(r.rowsIn)} → {fmtCount(r.rowsOut)}</td>
                  <td className="num">{fmtBytes(r.bytesIn)} → {fmtBytes(r.bytesOut)}</td>
                  <td className="num">[{r.lower.replace(/^\[|\]$/g, '')}, {r.upper.replace(/^\[|\]$/g, '')})</td>
                  <td className="num">{r.since}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CompactDialog loc={loc} shard={shard} open={confirming} onClose={() => setConfirming(false)} />
    </div>
  );
}

function JobCard({ loc, shard, job }: { loc: string; shard: string; job: CompactionJob }) {
  const cancel = useCancelCompaction(loc, shard);
  if (job.state === 'running') {
    const p = job.progress;
    return (
      <section className="card" aria-label="Compaction in progress" data-testid="compaction-progress">
        <h2>
          <span className="spinner" aria-hidden="true" /> Compacting {plural(job.plan.merges.reduce((n, m) => n + m.inputs, 0), 'batch')}…
        </h2>
        <ol className="phases" aria-label="Compaction phases">
          {PHASES.map((ph, i) => {
            const now = p ? PHASES.indexOf(p.phase) : -1;
            return (
              <li key={ph} aria-current={i === now ? 'step' : undefined} className={i < now ? 'done' : i === now ? 'now' : ''}>
                {ph}
              </li>
            );
          })}
        </ol>
        {p ? (
          <>
            {/* parts read; the bar stays short of full until the result is applied */}
            <progress max={Math.max(1, p.partsTotal) + 1} value={p.partsIn} aria-label="Parts read" />
            <p className="muted" data-testid="compaction-phase" data-phase={p.phase}>
              {PHASE_TEXT[p.phase]} · {p.partsIn} of {plural(p.partsTotal, 'part')} read · {plural(p.rowsIn, 'row')} in · {plural(p.rowsOut, 'row')} out · merge of{' '}
              {plural(p.inputs, 'batch')}
            </p>
          </>
        ) : (
          <p className="muted" data-testid="compaction-phase" data-phase="plan">{PHASE_TEXT.plan}</p>
        )}
        <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending || job.cancelRequested}>
          {job.cancelRequested ? 'Cancelling…' : 'Cancel'}
        </button>
        {cancel.error && <ErrorState error={cancel.error} title="Could not cancel" />}
      </section>
    );
  }
  if (job.state === 'done' && job.result) {
    const r = job.result;
    return (
      <section className="card ok" aria-label="Last compaction" data-testid="compaction-result">
        <h2>Compacted at {fmtClock(job.finishedAtMs ?? job.startedAtMs)}</h2>
        <dl className="stats">
          <div><dt>Batches</dt><dd data-testid="compaction-batches">{fmtCount(r.before)} → {fmtCount(r.after)}</dd></div>
          <div><dt>Bytes</dt><dd>{fmtBytes(r.bytesBefore)} → {fmtBytes(r.bytesAfter)}</dd></div>
          <div><dt title="from the click to the result applied, planning included">Whole job</dt><dd>{fmtMs(r.durationMs)}</dd></div>
        </dl>
      </section>
    );
  }
  return (
    <section className={`card ${job.state === 'failed' ? 'bad' : ''}`} aria-label="Last compaction" data-testid="compaction-result">
      {job.state === 'cancelled' ? (
        <p>The compaction was cancelled at {fmtClock(job.finishedAtMs ?? job.startedAtMs)}. Nothing was changed by the merge that was running; merges finished before it stay applied.</p>
      ) : (
        <ErrorState error={job.error ?? { code: 'Internal', message: 'the compaction failed' }} title="The compaction failed" />
      )}
    </section>
  );
}

function PlanPreview({ plan }: { plan: CompactionPlanInfo }) {
  const inputs = plan.merges.reduce((n, m) => n + m.inputs, 0);
  if (plan.merges.length === 0) {
    return <p>Nothing to merge: the shard has {plural(plan.batches, 'batch')} and none can be merged now (a single batch, or batches the memory bound keeps apart).</p>;
  }
  return (
    <>
      <p>
        Merges <strong>{fmtCount(inputs)}</strong> of the shard's {fmtCount(plan.batches)} batches into <strong>{plan.merges.length}</strong>, leaving about{' '}
        <strong data-testid="plan-after">{fmtCount(plan.batches - inputs + plan.merges.length)}</strong>. Updates are consolidated and their times advanced to
        each merge's since; what any read at or after the since returns does not change. Runs in a worker; you can cancel it.
      </p>
      <div className="table-scroll">
        <table aria-label="Planned merges" className="compact">
          <thead>
            <tr><th className="num">Batches</th><th className="num">Lower</th><th className="num">Upper</th><th className="num">Since</th><th className="num">Updates</th><th className="num">Bytes</th></tr>
          </thead>
          <tbody>
            {plan.merges.map((m, i) => (
              <tr key={i}>
                <td className="num">{m.inputs}</td>
                <td className="num">{fmtFrontier(m.lower)}</td>
                <td className="num">{fmtFrontier(m.upper)}</td>
                <td className="num">{fmtFrontier(m.since)}</td>
                <td className="num">{fmtCount(m.updates)}</td>
                <td className="num">{fmtBytes(m.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function CompactDialog({ loc, shard, open, onClose }: { loc: string; shard: string; open: boolean; onClose: () => void }) {
  const plan = useCompactionPlan(loc, shard, open);
  const start = useStartCompaction(loc, shard);
  const close = () => {
    start.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      title="Compact now"
      open={open}
      confirmLabel="Compact"
      busy={start.isPending || !plan.data || plan.data.merges.length === 0}
      body={
        plan.isPending ? (
          <Loading label="Planning the merge…" />
        ) : plan.error ? (
          <ErrorState error={plan.error} title="Could not plan the compaction" onRetry={() => void plan.refetch()} />
        ) : (
          <PlanPreview plan={plan.data} />
        )
      }
      error={start.error && <ErrorState error={start.error} title="The compaction did not start" />}
      onConfirm={() => start.mutate(undefined, { onSuccess: close })}
      onClose={close}
    />
  );
}
