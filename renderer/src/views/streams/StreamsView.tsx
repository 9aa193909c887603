// The location's streams (the name-based streams runtime): a row per stream with its shard, seal,
// since, unsealed writes and last write; create, write, seal, allow compaction, destroy, and an
// atomic write across several streams. The selected stream's rows are listed below.
import { useEffect, useRef, useState } from 'react';
import type { StreamSummary } from '../../../../preload/streams-contract';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { useNow } from '../../components/useNow';
import { fmtAgo, fmtCount, fmtFrontier, shortId } from '../../format';
import { AtomicWriteDialog } from './AtomicWriteDialog';
import { useStreams, useStreamSnapshot } from './queries';
import { CreateStreamDialog, DestroyStreamDialog, StreamFrontierDialog, StreamWriteDialog } from './StreamDialogs';

type Open = { kind: 'write' | 'seal' | 'since' | 'destroy'; stream: StreamSummary } | { kind: 'create' | 'atomic' } | null;

export function StreamsView({ loc, onOpenShard, onBack }: { loc: string; onOpenShard: (shard: string) => void; onBack: () => void }) {
  const streams = useStreams(loc);
  const [open, setOpen] = useState<Open>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow(5000);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const list = streams.data ?? [];
  const sel = list.find((s) => s.name === selected) ?? null;
  const close = () => setOpen(null);
  return (
    <section className="view" aria-labelledby="streams-heading">
      <header className="view-header">
        <button type="button" onClick={onBack} aria-label="Back to shards">← Shards</button>
        <h1 id="streams-heading" ref={heading} tabIndex={-1}>Streams</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setOpen({ kind: 'atomic' })} disabled={list.length < 2} title={list.length < 2 ? 'needs two streams' : undefined}>
          Atomic write…
        </button>
        <button type="button" className="primary" onClick={() => setOpen({ kind: 'create' })}>
          Create stream
        </button>
      </header>
      {streams.isPending ? (
        <Loading label="Starting the streams runtime…" />
      ) : !streams.data ? (
        <ErrorState error={streams.error} title="Could not list the streams" onRetry={() => void streams.refetch()} />
      ) : list.length === 0 ? (
        <Empty>No streams yet. Use “Create stream” to make one.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="Streams">
            <thead>
              <tr>
                <th>Name</th>
                <th>Shard</th>
                <th className="num">Seal</th>
                <th className="num">Since</th>
                <th className="num">Unsealed</th>
                <th>Last write</th>
                <th>Codecs</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.shard} data-testid={`stream-${s.name}`} aria-selected={s.name === selected}>
                  <td>
                    <button type="button" className="link" onClick={() => setSelected(s.name)}>
                      {s.name}
                    </button>
                  </td>
                  <td>
                    <button type="button" className="link" title={s.shard} onClick={() => onOpenShard(s.shard)}>
                      <code>{shortId(s.shard)}</code>
                    </button>
                  </td>
                  <td className="num" data-testid="seal">{fmtFrontier(s.seal)}</td>
                  <td className="num" data-testid="since">{fmtFrontier(s.since)}</td>
                  <td className="num" data-testid="unsealed">{fmtCount(s.unsealedUpdates)}</td>
                  <td>{s.lastWriteMs === null ? 'never' : fmtAgo(s.lastWriteMs, now)}</td>
                  <td className="muted">{s.codecs.key} → {s.codecs.val}</td>
                  <td>
                    <div className="row" style={{ margin: 0 }}>
                      <button type="button" onClick={() => setOpen({ kind: 'write', stream: s })} aria-label={`Write to ${s.name}`}>Write</button>
                      <button type="button" onClick={() => setOpen({ kind: 'seal', stream: s })} aria-label={`Seal ${s.name}`}>Seal</button>
                      <button type="button" onClick={() => setOpen({ kind: 'since', stream: s })} aria-label={`Allow compaction of ${s.name}`}>Allow compaction</button>
                      <button type="button" className="danger" onClick={() => setOpen({ kind: 'destroy', stream: s })} aria-label={`Destroy ${s.name}`}>Destroy</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {streams.error && streams.data && <ErrorState error={streams.error} title="The list may be out of date" />}
      {sel && <StreamRows loc={loc} stream={sel} />}
      <CreateStreamDialog loc={loc} open={open?.kind === 'create'} onClose={close} />
      <AtomicWriteDialog loc={loc} streams={list} open={open?.kind === 'atomic'} onClose={close} />
      {open && 'stream' in open && (
        <>
          <StreamWriteDialog key={`w-${open.stream.name}`} loc={loc} stream={open.stream} open={open.kind === 'write'} onClose={close} />
          <StreamFrontierDialog key={`s-${open.stream.name}`} loc={loc} stream={open.stream} kind="seal" open={open.kind === 'seal'} onClose={close} />
          <StreamFrontierDialog key={`c-${open.stream.name}`} loc={loc} stream={open.stream} kind="since" open={open.kind === 'since'} onClose={close} />
          <DestroyStreamDialog key={`d-${open.stream.name}`} loc={loc} stream={open.stream} open={open.kind === 'destroy'} onClose={close} />
        </>
      )}
    </section>
  );
}

/** The selected stream's rows, sealed and not (read again after every action). */
function StreamRows({ loc, stream }: { loc: string; stream: StreamSummary }) {
  const snap = useStreamSnapshot(loc, stream.name);
  const key = `${stream.unsealedUpdates}/${stream.seal}/${stream.lastWriteMs}`;
  const { refetch } = snap;
  useEffect(() => void refetch(), [key, refetch]);
  return (
    <section className="card" aria-label={`Rows of ${stream.name}`} data-testid="stream-rows">
      <h2>
        {stream.name} <span className="muted">· {snap.data ? `${fmtCount(snap.data.total)} rows` : '…'}</span>
      </h2>
      {snap.error && <ErrorState error={snap.error} title="Could not read the stream" />}
      {snap.data && snap.data.rows.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th className="num">Time</th>
                <th className="num">Diff</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {snap.data.rows.map((r, i) => (
                <tr key={i}>
                  <td className="mono">{r.key}</td>
                  <td className="mono">{r.val}</td>
                  <td className="num">{r.time}</td>
                  <td className="num">{r.diff}</td>
                  <td className="muted">{snap.data.seal !== null && r.time < snap.data.seal ? 'sealed' : 'unsealed'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {snap.data && snap.data.rows.length === 0 && <p className="muted">No rows.</p>}
    </section>
  );
}
