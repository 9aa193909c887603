// The Leases tab's confirmations: "Expire" and "Downgrade since".
import { useState } from 'react';
import type { Frontier } from '../../../../preload/contract';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { useDowngradeSince, useExpire } from '../../queries/actions';

export interface LeaseTarget {
  kind: 'reader' | 'writer';
  id: string;
  purpose: string;
  since: Frontier;
}

export function ExpireDialog({ loc, shard, target, onClose }: { loc: string; shard: string; target: LeaseTarget | null; onClose: () => void }) {
  const expire = useExpire(loc, shard);
  const close = () => {
    expire.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      title={`Expire ${target?.kind ?? ''}`}
      open={target !== null}
      confirmLabel="Expire"
      busy={expire.isPending}
      body={
        target && (
          <p>
            Expire the {target.kind} <strong>{target.purpose}</strong> (<code>{target.id}</code>)? It is removed from the shard at once:
            {target.kind === 'reader' ? ' it stops holding back the since, and' : ''} its owner's next call fails with a lease-expired
            error. This cannot be undone.
          </p>
        )
      }
      error={expire.error && <ErrorState error={expire.error} title="It was not expired" />}
      onConfirm={() => target && expire.mutate({ kind: target.kind, id: target.id }, { onSuccess: close })}
      onClose={close}
    />
  );
}

export function DowngradeSinceDialog({ loc, shard, target, upper, onClose }: {
  loc: string;
  shard: string;
  target: LeaseTarget | null;
  upper: Frontier;
  onClose: () => void;
}) {
  const [since, setSince] = useState('');
  const downgrade = useDowngradeSince(loc, shard);
  const close = () => {
    setSince('');
    downgrade.reset();
    onClose();
  };
  return (
    <Dialog title="Downgrade since" open={target !== null} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (target) downgrade.mutate({ readerId: target.id, since: Number(since) }, { onSuccess: close });
        }}
      >
        <p>
          The reader <strong>{target?.purpose}</strong> holds the since at <strong>{target?.since ?? 'closed'}</strong>. Moving it
          forward lets compaction merge history before it; it never moves back.
        </p>
        <label>
          New since
          <input value={since} inputMode="numeric" onChange={(e) => setSince(e.target.value)} placeholder={upper === null ? '' : `≤ ${upper}`} autoFocus required />
        </label>
        {downgrade.error && <ErrorState error={downgrade.error} title="The since did not move" />}
        <div className="dialog-actions">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" className="primary" disabled={downgrade.isPending}>Downgrade since</button>
        </div>
      </form>
    </Dialog>
  );
}
