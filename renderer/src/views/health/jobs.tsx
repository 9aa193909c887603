// An operator job run from a view (what-if, copy home, save a copy): started with job.start, its
// progress and end pushed on topic 'job', cancelled with job.cancel. One job per hook at a time:
// starting another stops following the first.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobInfo, JobKind } from '../../../../preload/admin-contract';
import type { Params } from '../../../../preload/contract';
import { call, subscribe } from '../../api/client';
import { ErrorState } from '../../components/ErrorState';
import { fmtBytes, fmtCount } from '../../format';

export function useJob<K extends JobKind>(loc: string) {
  const [job, setJob] = useState<JobInfo<K> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const follow = useRef<(() => void) | null>(null);
  const stop = () => {
    follow.current?.();
    follow.current = null;
  };
  useEffect(() => stop, []);
  const start = useCallback(
    async (params: Extract<Params<'job.start'>, { kind: K }>) => {
      stop();
      setError(null);
      try {
        const j = (await call('job.start', params)) as JobInfo<K>;
        setJob(j);
        const unsubscribe = subscribe({ topic: 'job', location: loc, jobId: j.id }, (e) => {
          if (e.topic === 'job') {
            setJob(e.job as JobInfo<K>);
            if (e.job.state !== 'running' && follow.current === unsubscribe) stop();
          } else if (e.topic === 'error') setError(e.error);
        });
        follow.current = unsubscribe;
      } catch (e) {
        setJob(null);
        setError(e);
      }
    },
    [loc],
  );
  const cancel = useCallback(() => {
    if (job?.state === 'running') void call('job.cancel', { location: loc, jobId: job.id }).catch((e: unknown) => setError(e));
  }, [job, loc]);
  const reset = useCallback(() => {
    stop();
    setJob(null);
    setError(null);
  }, []);
  return { job, error, start, cancel, reset };
}

const VERB: Record<JobKind, string> = { 'what-if': 'Merging parts', copy: 'Copying rows', 'save-copy': 'Writing the copy' };

function amount(n: number, unit: 'parts' | 'rows' | 'bytes'): string {
  return unit === 'bytes' ? fmtBytes(n) : fmtCount(n);
}

/** A running job's progress with its Cancel button; how it ended when it did (not its result). */
export function JobProgress({ job, error, onCancel }: { job: JobInfo | null; error: unknown; onCancel: () => void }) {
  if (error) return <ErrorState error={error} title="The job could not be followed" />;
  if (!job) return null;
  if (job.state === 'failed') return <ErrorState error={job.error} title="It failed" />;
  if (job.state === 'cancelled') return <p role="status" data-testid={`job-${job.kind}-cancelled`}>Cancelled: nothing was kept.</p>;
  if (job.state !== 'running') return null;
  const p = job.progress;
  const total = p?.total ?? null;
  return (
    <div className="row" role="status" data-testid={`job-${job.kind}-progress`}>
      <progress max={total ?? undefined} value={total === null ? undefined : Math.min(p!.done, total)} aria-label={VERB[job.kind]} />
      <span>
        {VERB[job.kind]}
        {p ? `: ${amount(p.done, p.unit)}${total !== null ? ` of ${amount(total, p.unit)}` : ''}` : '…'}
        {job.cancelRequested && ' — cancelling…'}
      </span>
      <button type="button" onClick={onCancel} disabled={job.cancelRequested}>
        Cancel
      </button>
    </div>
  );
}
