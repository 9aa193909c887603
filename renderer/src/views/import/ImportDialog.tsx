// "Import…" on a shard: rows from a JSON-lines or CSV file appended through the parallel sink.
// Electron: main's own file dialog (the page never reads the file); web host: an upload. Then
// pushed progress (rows done, bytes read), Cancel, and how many updates landed. A malformed row
// names its line, and nothing is appended.
import { useEffect, useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import type { ImportJob, ImportSourceInfo } from '../../../../preload/streams-contract';
import { call, subscribe } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { fmtBytes, fmtCount, fmtFrontier } from '../../format';
import { useAppInfo } from '../../queries/locations';
import { useSingleFlightMutation as useMutation } from '../../queries/single-flight';
import { uploadImportFile } from './upload';

function useImportJob(loc: string, id: string | null, initial: ImportJob | null): ImportJob | null {
  const [job, setJob] = useState<ImportJob | null>(initial);
  useEffect(() => setJob(initial), [initial]);
  useEffect(() => {
    if (!id) return;
    return subscribe({ topic: 'import', location: loc, job: id }, (e) => {
      if (e.topic === 'import') setJob(e.job);
    });
  }, [loc, id]);
  return job;
}

export function ImportDialog({ loc, summary, open, onClose }: { loc: string; summary: ShardSummary; open: boolean; onClose: () => void }) {
  const app = useAppInfo();
  const native = app.data?.host === 'electron';
  const [file, setFile] = useState<File | null>(null);
  const [picked, setPicked] = useState<ImportSourceInfo | null>(null);
  const start = useMutation({
    mutationFn: async () => {
      const source = picked ?? (file ? await uploadImportFile(file) : null);
      if (!source) throw new Error('choose a file first');
      return call('import.start', { location: loc, shard: summary.id, source: source.id });
    },
  });
  const pick = useMutation({ mutationFn: () => call('import.pickFile', {}), onSuccess: (s) => s && setPicked(s) });
  const cancel = useMutation({ mutationFn: (job: string) => call('import.cancel', { location: loc, job }) });
  const job = useImportJob(loc, start.data?.id ?? null, start.data ?? null);
  const running = job?.state === 'running';
  const reset = () => {
    start.reset();
    cancel.reset();
    pick.reset();
    setFile(null);
    setPicked(null);
  };
  const close = () => {
    if (!running) reset();
    onClose();
  };
  const chosen = picked ? { name: picked.name, bytes: picked.bytes } : file ? { name: file.name, bytes: file.size } : null;
  const kindOk = !chosen || /\.(jsonl|ndjson|json|csv)$/i.test(chosen.name);
  return (
    <Dialog title={`Import into ${summary.name ?? summary.id}`} open={open} onClose={close}>
      <div className="form" data-testid="import-dialog">
        <p className="muted">
          A <code>.jsonl</code> file (one <code>{'{"key", "val", "time", "diff"}'}</code> or <code>[key, val, time, diff]</code> per line) or a <code>.csv</code> file
          (<code>key,val,time,diff</code>, an optional header). Times must be at or after the shard's upper, {fmtFrontier(summary.upper)}. Every row is checked first: a
          malformed one is named by its line and nothing is appended.
        </p>
        {!job && (
          <div className="row">
            {native ? (
              <button type="button" onClick={() => pick.mutate()} disabled={pick.isPending}>
                Choose file…
              </button>
            ) : (
              <input
                type="file"
                aria-label="File to import"
                accept=".jsonl,.ndjson,.json,.csv"
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  start.reset();
                }}
              />
            )}
            {chosen && (
              <span data-testid="import-file">
                {chosen.name} · {fmtBytes(chosen.bytes)}
              </span>
            )}
          </div>
        )}
        {!kindOk && <p className="field-error">the file must be named .jsonl or .csv, so that its rows can be read</p>}
        {pick.error && <ErrorState error={pick.error} title="No file was chosen" />}
        {start.error && <ErrorState error={start.error} title="The import did not start" />}
        {job && <Progress job={job} />}
        {cancel.error && <ErrorState error={cancel.error} title="Cancel failed" />}
        <div className="dialog-actions">
          {running ? (
            <button type="button" className="danger" disabled={cancel.isPending || job.cancelRequested || job.progress.phase === 'appending'} onClick={() => cancel.mutate(job.id)}>
              {job.cancelRequested ? 'Cancelling…' : 'Cancel import'}
            </button>
          ) : (
            <button type="button" onClick={close}>
              {job ? 'Close' : 'Cancel'}
            </button>
          )}
          {job && !running ? (
            <button type="button" onClick={reset}>
              Import another file
            </button>
          ) : (
            <button type="button" className="primary" disabled={!chosen || !kindOk || start.isPending || !!job} onClick={() => start.mutate()}>
              {start.isPending ? (file && !picked ? 'Uploading…' : 'Starting…') : 'Import'}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function Progress({ job }: { job: ImportJob }) {
  const p = job.progress;
  const phase = p.phase === 'checking' ? 'Checking every row' : p.phase === 'writing' ? 'Writing batches' : 'Appending';
  return (
    <section className={`card${job.state === 'done' ? ' ok' : job.state === 'failed' ? ' bad' : ''}`} aria-label="Import progress" data-testid="import-progress" aria-live="polite">
      <div>
        <strong>{job.file}</strong> → {job.state === 'running' ? phase : job.state}
      </div>
      {job.state === 'running' && (
        <>
          <progress
            aria-label={p.phase === 'checking' ? 'Bytes checked' : 'Rows written'}
            max={p.phase === 'checking' ? Math.max(1, p.totalBytes) : Math.max(1, p.rowsTotal ?? 1)}
            value={p.phase === 'checking' ? p.bytesRead : p.rowsDone}
          />
          <div className="muted" data-testid="import-counts">
            {fmtCount(p.rowsDone)} {p.rowsTotal !== null ? `of ${fmtCount(p.rowsTotal)} ` : ''}rows written · {fmtBytes(p.bytesRead)} of {fmtBytes(p.totalBytes)} read
          </div>
        </>
      )}
      {job.state === 'done' && (
        <p role="status" data-testid="import-done">
          {fmtCount(job.landed ?? 0)} updates landed; the shard's upper is now {fmtFrontier(job.upper)}.
        </p>
      )}
      {job.state === 'cancelled' && <p role="status" data-testid="import-cancelled">Cancelled: nothing was appended.</p>}
      {job.state === 'failed' && job.error && <ErrorState error={job.error} title="Nothing was imported" />}
    </section>
  );
}
