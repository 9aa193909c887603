// Leases: leased readers, critical readers and writers, with time to expiry counting down live;
// open a reader or writer; downgrade an app-held reader's since; expire any of them.
import { useState } from 'react';
import type { ShardDetail } from '../../../../preload/contract';
import { ErrorState } from '../../components/ErrorState';
import { Term } from '../../components/Term';
import { useNow } from '../../components/useNow';
import { fmtAgo, fmtCountdown, fmtFrontier, shortId } from '../../format';
import { useOpenReader, useOpenWriter } from '../../queries/actions';
import { DowngradeSinceDialog, ExpireDialog, type LeaseTarget } from './LeaseDialogs';

export function LeasesTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const now = useNow(1000);
  const [purpose, setPurpose] = useState('');
  const [kind, setKind] = useState<'leased' | 'critical'>('leased');
  const openReader = useOpenReader(loc, shard);
  const openWriter = useOpenWriter(loc, shard);
  const [expiring, setExpiring] = useState<LeaseTarget | null>(null);
  const [downgrading, setDowngrading] = useState<LeaseTarget | null>(null);
  const p = purpose.trim() || 'shardscope user';
  const left = (lastHeartbeatMs: number, leaseMs: number) => lastHeartbeatMs + leaseMs - now;
  // Leased and critical readers offer the same actions; only a reader this app holds can be downgraded here.
  const readerActions = (r: { id: string; purpose: string; since: LeaseTarget['since']; ownedByApp: boolean }) => (
    <>
      {r.ownedByApp && (
        <button type="button" onClick={() => setDowngrading({ kind: 'reader', id: r.id, purpose: r.purpose, since: r.since })}>Downgrade since</button>
      )}
      <button type="button" className="danger" onClick={() => setExpiring({ kind: 'reader', id: r.id, purpose: r.purpose, since: r.since })}>Expire</button>
    </>
  );

  return (
    <div className="leases">
      <form className="row" onSubmit={(e) => { e.preventDefault(); openReader.mutate({ purpose: p, kind }); }}>
        <label className="inline">
          Purpose
          <input value={purpose} onChange={(e) => setPurpose(e.target.value)} placeholder="shardscope user" />
        </label>
        <label className="inline">
          Reader kind
          <select value={kind} onChange={(e) => setKind(e.target.value as 'leased' | 'critical')}>
            <option value="leased">leased</option>
            <option value="critical">critical</option>
          </select>
        </label>
        <button type="submit" disabled={openReader.isPending}>Open reader</button>
        <button type="button" disabled={openWriter.isPending} onClick={() => openWriter.mutate({ purpose: p })}>Open writer</button>
      </form>
      {(openReader.error || openWriter.error) && <ErrorState error={openReader.error ?? openWriter.error} title="The handle was not opened" />}

      <h2><Term name="lease">Leased readers</Term></h2>
      <table aria-label="Leased readers">
        <thead>
          <tr><th>Purpose</th><th>Host</th><th className="num">Since</th><th className="num">Seqno held</th><th>Last heartbeat</th><th className="num">Expires in</th><th className="actions">Actions</th></tr>
        </thead>
        <tbody>
          {detail.leasedReaders.length === 0 && <tr><td colSpan={7} className="muted">No leased readers.</td></tr>}
          {detail.leasedReaders.map((r) => (
            <tr key={r.id}>
              <td title={r.id}>{r.purpose} {r.ownedByApp && <span className="badge">this app</span>}</td>
              <td>{r.hostname}</td>
              <td className="num">{fmtFrontier(r.since)}</td>
              <td className="num">{r.seqno}</td>
              <td>{fmtAgo(r.lastHeartbeatMs, now)}</td>
              <td className="num countdown" data-testid="expires-in">{fmtCountdown(left(r.lastHeartbeatMs, r.leaseDurationMs))}</td>
              <td className="actions">{readerActions(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Critical readers</h2>
      <table aria-label="Critical readers">
        <thead>
          <tr><th>Purpose</th><th>Id</th><th className="num">Since</th><th className="actions">Actions</th></tr>
        </thead>
        <tbody>
          {detail.criticalReaders.length === 0 && <tr><td colSpan={4} className="muted">No critical readers.</td></tr>}
          {detail.criticalReaders.map((r) => (
            <tr key={r.id}>
              <td>{r.purpose} {r.ownedByApp && <span className="badge">this app</span>}</td>
              <td><code title={r.id}>{shortId(r.id)}</code></td>
              <td className="num">{fmtFrontier(r.since)}</td>
              <td className="actions">{readerActions(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Writers</h2>
      <table aria-label="Writers">
        <thead>
          <tr><th>Purpose</th><th>Host</th><th>Last heartbeat</th><th className="num">Expires in</th><th className="actions">Actions</th></tr>
        </thead>
        <tbody>
          {detail.writers.length === 0 && <tr><td colSpan={5} className="muted">No writers.</td></tr>}
          {detail.writers.map((w) => (
            <tr key={w.id}>
              <td title={w.id}>{w.purpose} {w.ownedByApp && <span className="badge">this app</span>}</td>
              <td>{w.hostname}</td>
              <td>{fmtAgo(w.lastHeartbeatMs, now)}</td>
              <td className="num countdown">{fmtCountdown(left(w.lastHeartbeatMs, w.leaseDurationMs))}</td>
              <td className="actions">
                <button type="button" className="danger" onClick={() => setExpiring({ kind: 'writer', id: w.id, purpose: w.purpose, since: null })}>Expire</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ExpireDialog loc={loc} shard={shard} target={expiring} onClose={() => setExpiring(null)} />
      <DowngradeSinceDialog loc={loc} shard={shard} target={downgrading} upper={detail.summary.upper} onClose={() => setDowngrading(null)} />
    </div>
  );
}
