// Storage: this shard's garbage collection (what GC would truncate, "Run GC"), and the location's
// leaked blobs (parts no retained version references) with a typed-name cleanup.
import { useState } from 'react';
import type { ShardDetail } from '../../../../preload/contract';
import { ConfirmDialog, TypeToConfirmDialog } from '../../components/Dialog';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { useNow } from '../../components/useNow';
import { fmtAgo, fmtBytes, fmtCount, shortId, plural } from '../../format';
import { useLocations } from '../../queries/locations';
import { useDeleteLeaked, useGcStatus, useLeakedBlobs, useRunGc, useUploadBatch } from '../../queries/operations';

const minutes = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

export function StorageTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  return (
    <div className="storage">
      <GcSection loc={loc} detail={detail} />
      <LeakedSection loc={loc} detail={detail} />
    </div>
  );
}

function GcSection({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const gc = useGcStatus(loc, shard, detail.summary.seqno);
  const run = useRunGc(loc, shard);
  const [confirming, setConfirming] = useState(false);
  const s = gc.data;
  return (
    <section className="section" aria-labelledby="gc-heading">
      <h2 id="gc-heading">Garbage collection of this shard</h2>
      {gc.isPending ? (
        <Loading label="Reading GC status…" />
      ) : gc.error ? (
        <ErrorState error={gc.error} title="Could not read the GC status" onRetry={() => void gc.refetch()} />
      ) : (
        <>
          <dl className="stats">
            <div><dt>Seqno</dt><dd data-testid="gc-seqno">{s!.seqno}</dd></div>
            <div><dt>Seqno since</dt><dd title="the oldest version a leased reader may still need">{s!.seqnoSince}</dd></div>
            <div><dt>Earliest retained</dt><dd>{s!.earliestRetained}</dd></div>
            <div><dt>Versions retained</dt><dd data-testid="gc-retained">{fmtCount(s!.versionsRetained)}</dd></div>
            <div><dt>GC would truncate</dt><dd data-testid="gc-truncatable">{fmtCount(s!.versionsTruncatable)}</dd></div>
            <div><dt>Rollups</dt><dd>{s!.rollups}</dd></div>
          </dl>
          <div className="row">
            <button type="button" onClick={() => setConfirming(true)}>Run GC…</button>
            {run.data && (
              <span role="status" data-testid="gc-result">
                GC truncated {plural(run.data.truncatedVersions, 'version')} and deleted {plural(run.data.deletedBlobs, 'blob')}; {fmtCount(run.data.after.versionsRetained)} versions are retained now.
              </span>
            )}
          </div>
        </>
      )}
      <ConfirmDialog
        title="Run GC"
        open={confirming}
        confirmLabel="Run GC"
        busy={run.isPending}
        body={
          s && (
            <>
              <p>
                Truncates the <strong>{fmtCount(s.versionsTruncatable)}</strong> versions of <strong>{detail.summary.name ?? shard}</strong> older than seqno{' '}
                {s.seqnoSince} (versions {s.earliestRetained}–{Math.max(s.earliestRetained, s.seqnoSince - 1)}), writing a rollup first if one is needed, and deletes
                every blob of the shard that no retained version references any more.
              </p>
              <p className="muted">
                The data and every reader are unaffected: no leased reader needs those versions. The History tab can no longer show them. This cannot be undone.
              </p>
            </>
          )
        }
        error={run.error && <ErrorState error={run.error} title="GC did not run" />}
        onConfirm={() => run.mutate(undefined, { onSuccess: () => setConfirming(false) })}
        onClose={() => {
          if (!run.isPending) setConfirming(false);
        }}
      />
    </section>
  );
}

function LeakedSection({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const leaked = useLeakedBlobs(loc);
  const locations = useLocations();
  const label = locations.data?.open.find((l) => l.id === loc)?.label ?? loc;
  const del = useDeleteLeaked(loc);
  const upload = useUploadBatch(loc, detail.summary.id);
  const [confirming, setConfirming] = useState(false);
  const now = useNow(10_000);
  const d = leaked.data;
  const deletable = d?.blobs.filter((b) => !b.spared) ?? [];
  const spared = (d?.blobs.length ?? 0) - deletable.length;
  return (
    <section className="section" aria-labelledby="leaked-heading">
      <h2 id="leaked-heading">Leaked blobs in this location</h2>
      <p className="muted">
        Blobs no retained version of any shard references: parts of a writer that crashed between uploading a batch and appending it, or of a batch a writer
        is about to append right now.
      </p>
      <div className="row">
        <button type="button" onClick={() => void leaked.refetch()} disabled={leaked.isFetching}>
          {leaked.isFetching ? 'Checking…' : 'Check again'}
        </button>
        <button type="button" onClick={() => setConfirming(true)} disabled={!d || deletable.length === 0} title={d && d.blobs.length > 0 && deletable.length === 0 ? 'every listed blob is too young to delete yet' : undefined}>
          Delete leaked blobs…
        </button>
        <span className="spacer" />
        <button
          type="button"
          onClick={() => upload.mutate(1000)}
          disabled={upload.isPending || detail.summary.upper === null}
          title="Sandbox action: a writer uploads a batch made of 1,000 generated updates (fewer once consolidated) at the shard's upper and never appends it, as a crashed writer would"
        >
          Upload batch without appending
        </button>
      </div>
      {upload.error && <ErrorState error={upload.error} title="The batch was not uploaded" />}
      {upload.data && <p className="muted" role="status">Uploaded a batch of {plural(upload.data.len, 'update')} (1,000 generated, consolidated) and did not append it.</p>}
      {del.data && (
        <p role="status" data-testid="leaked-result">
          Deleted {plural(del.data.deleted.length, 'blob')} ({fmtBytes(del.data.freedBytes)} freed)
          {del.data.notDeleted > 0 ? `; ${fmtCount(del.data.notDeleted)} spared (too young, or referenced again)` : ''}.
        </p>
      )}
      {leaked.isPending ? (
        <Loading label="Listing blobs no version references…" />
      ) : leaked.error ? (
        <ErrorState error={leaked.error} title="Could not list the leaked blobs" onRetry={() => void leaked.refetch()} />
      ) : d!.blobs.length === 0 ? (
        <Empty>
          <span data-testid="leaked-empty">No leaked blobs: every blob in this location is referenced by a retained version.</span>
        </Empty>
      ) : (
        <>
          <p data-testid="leaked-count">
            {plural(d!.blobs.length, 'leaked blob')}
            {spared > 0 ? `, ${fmtCount(spared)} younger than ${minutes(d!.minAgeMs)} (a delete spares them)` : ''}.
          </p>
          <div className="table-scroll">
            <table aria-label="Leaked blobs" className="compact">
              <thead>
                <tr><th>Key</th><th>Shard</th><th>Written</th><th>Cleanup</th></tr>
              </thead>
              <tbody>
                {d!.blobs.slice(0, 500).map((b) => (
                  <tr key={b.key}>
                    <td className="mono" title={b.key}>{b.key.length > 64 ? `${b.key.slice(0, 30)}…${b.key.slice(-24)}` : b.key}</td>
                    <td>{b.shardName ?? (b.shard ? shortId(b.shard) : '(no shard)')}</td>
                    <td>{b.createdMs === null ? '—' : fmtAgo(b.createdMs, now)}</td>
                    <td>{b.spared ? <span className="muted">spared (young)</span> : 'deletable'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {d!.blobs.length > 500 && <p className="muted">Showing 500 of {fmtCount(d!.blobs.length)}.</p>}
          <h3>Blob usage of those shards (all their blobs)</h3>
          <table aria-label="Blob usage" className="compact">
            <thead>
              <tr><th>Shard</th><th className="num">Parts</th><th className="num">Part bytes</th><th className="num">Rollups</th><th className="num">Rollup bytes</th></tr>
            </thead>
            <tbody>
              {d!.usage.map((u) => (
                <tr key={u.shard}>
                  <td>{u.shardName ?? shortId(u.shard)}</td>
                  <td className="num">{fmtCount(u.parts)}</td>
                  <td className="num">{fmtBytes(u.partBytes)}</td>
                  <td className="num">{fmtCount(u.rollups)}</td>
                  <td className="num">{fmtBytes(u.rollupBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <TypeToConfirmDialog
        title="Delete leaked blobs"
        open={confirming}
        name={label}
        confirmLabel={`Delete ${plural(deletable.length, 'blob')}`}
        busy={del.isPending || deletable.length === 0}
        body={
          d && (
            <>
              <p>
                Deletes <strong>{fmtCount(deletable.length)}</strong> of the {fmtCount(d.blobs.length)} blobs listed from the location <strong>{label}</strong>.
                Each key is checked again just before it is deleted: a key some version references by then is kept.
              </p>
              <p>
                Parts younger than <strong>{minutes(d.minAgeMs)}</strong> are spared{spared > 0 ? ` (${fmtCount(spared)} now)` : ''}: they may belong to a writer
                that uploaded a batch and is about to append it. This cannot be undone.
              </p>
            </>
          )
        }
        error={del.error && <ErrorState error={del.error} title="Nothing was deleted" />}
        onConfirm={(typed) => del.mutate({ keys: d!.blobs.map((b) => b.key), confirmName: typed }, { onSuccess: () => setConfirming(false) })}
        onClose={() => {
          if (!del.isPending) setConfirming(false);
        }}
      />
    </section>
  );
}
