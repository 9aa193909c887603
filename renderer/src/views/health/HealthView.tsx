// Health: every finding of the location, worst first — what is wrong, why it matters, who is to
// blame, and the action, one click away behind a typed confirmation.
import { useState } from 'react';
import type { FindingInfo, HealthActionInfo } from '../../../../preload/admin-contract';
import { TypeToConfirmDialog } from '../../components/Dialog';
import { Empty, ErrorState, Loading } from '../../components/ErrorState';
import { useNow } from '../../components/useNow';
import { fmtAgo, shortId } from '../../format';
import { useHealthAct, useLocationHealth } from '../../queries/admin-tools';
import { SaveSandboxCopy } from './SaveSandboxCopy';

const ACTION_LABEL: Record<HealthActionInfo['kind'], string> = {
  'expire-reader': 'Expire reader',
  'expire-writer': 'Expire writer',
  'force-compaction': 'Compact now',
  'force-gc': 'Run GC',
  'delete-unreferenced-blobs': 'Clean up leaked blobs',
  finalize: 'Finalize',
};

export function HealthView({ loc, onOpen, onBack }: { loc: string; onOpen: (shard: string) => void; onBack: () => void }) {
  const health = useLocationHealth(loc);
  const [acting, setActing] = useState<FindingInfo | null>(null);
  const h = health.data;
  const all = h ? [...h.location, ...h.shards.flatMap((s) => s.findings)] : [];
  return (
    <section className="view" aria-labelledby="health-heading">
      <header className="view-header">
        <button type="button" onClick={onBack} aria-label="Back to shards">← Shards</button>
        <h1 id="health-heading">Health</h1>
        {h && (
          <span className="muted" data-testid="health-counts">
            {h.shards.length} shards · {h.counts.error} errors · {h.counts.warning} warnings · {h.counts.info} notes
          </span>
        )}
      </header>
      {health.isPending ? (
        <Loading label="Checking every shard…" />
      ) : health.error ? (
        <ErrorState error={health.error} title="Could not check the location's health" onRetry={() => void health.refetch()} />
      ) : all.length === 0 ? (
        <Empty>Every shard is healthy.</Empty>
      ) : (
        <ul className="findings" aria-label="Findings">
          {all.map((f, i) => (
            <FindingItem key={`${f.shard}-${f.kind}-${i}`} f={f} name={h!.shards.find((s) => s.shard === f.shard)?.name ?? null} onOpen={onOpen} onAct={() => setActing(f)} />
          ))}
        </ul>
      )}
      {acting && <ActDialog loc={loc} f={acting} onClose={() => setActing(null)} />}
      <SaveSandboxCopy loc={loc} />
    </section>
  );
}

function FindingItem({ f, name, onOpen, onAct }: { f: FindingInfo; name: string | null; onOpen: (s: string) => void; onAct: () => void }) {
  const now = useNow(5000);
  return (
    <li className={`finding finding-${f.severity}`} data-testid={`finding-${f.kind}`}>
      <div className="row">
        <span className={`badge badge-${f.severity}`}>{f.severity}</span>
        {f.shard ? (
          <button type="button" className="link" onClick={() => onOpen(f.shard!)}>{name ?? shortId(f.shard)}</button>
        ) : (
          <strong>location</strong>
        )}
        <span className="muted">{f.kind}</span>
      </div>
      <p>{f.summary}</p>
      <p className="muted">{f.why}</p>
      {f.blame.length > 0 && (
        <ul className="blame" aria-label="Who is to blame">
          {f.blame.map((b) => (
            <li key={b.id}>
              {b.role} <code>{b.id}</code> ({b.purpose}{b.hostname ? ` on ${b.hostname}` : ''})
              {b.lastHeartbeatMs !== null && <> · last heartbeat {fmtAgo(b.lastHeartbeatMs, now)}</>}
            </li>
          ))}
        </ul>
      )}
      {f.action && (
        <button type="button" onClick={onAct}>{ACTION_LABEL[f.action.kind]}…</button>
      )}
    </li>
  );
}

function ActDialog({ loc, f, onClose }: { loc: string; f: FindingInfo; onClose: () => void }) {
  const act = useHealthAct(loc);
  const a = f.action!;
  const name = a.kind === 'delete-unreferenced-blobs' ? 'delete' : a.shard;
  return (
    <TypeToConfirmDialog
      title={ACTION_LABEL[a.kind]}
      open
      name={name}
      confirmLabel={ACTION_LABEL[a.kind]}
      busy={act.isPending}
      body={
        <>
          <p>{f.summary}</p>
          <p className="muted">{describe(a)}</p>
          {act.data && <p role="status">{act.data.done}</p>}
        </>
      }
      error={act.error && <ErrorState error={act.error} title="Nothing was done" />}
      onConfirm={(typed) => act.mutate({ action: a, confirm: typed }, { onSuccess: onClose })}
      onClose={() => {
        if (!act.isPending) onClose();
      }}
    />
  );
}

function describe(a: HealthActionInfo): string {
  switch (a.kind) {
    case 'expire-reader':
      return `Removes reader ${a.readerId} from the shard: its since and the versions it pins no longer hold the shard back. Its process gets LeaseExpiredError on its next call.`;
    case 'expire-writer':
      return `Removes writer ${a.writerId}: its next append fails and its process must re-open the shard.`;
    case 'force-compaction':
      return 'Merges every batch that can be merged now, advancing times to the since.';
    case 'force-gc':
      return 'Truncates versions no reader needs and deletes the blobs only they reference.';
    case 'delete-unreferenced-blobs':
      return `Deletes ${a.keys.length} blob(s) no retained version references (re-checked now; parts younger than 10 minutes are spared).`;
    case 'finalize':
      return 'Deletes the data of this shard for good: nobody can read or write it again.';
  }
}
