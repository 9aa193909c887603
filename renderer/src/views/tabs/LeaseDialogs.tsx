// The Leases tab's confirmations: "Expire" and "Downgrade since".
import { useState } from 'react';
import type { Frontier } from '../../../../preload/contract';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { useDowngradeSince, useExpire } from '../../queries/actions';
import { FieldError } from '../../components/FieldError';
import { parseWhole } from '../../validate';

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

/** What a new since would do, in words: nothing (backwards), fine, or past the upper (asks first). */
export function checkDowngrade(text: string, current: Frontier, upper: Frontier): { since: number | null; error: string | null; pastUpper: boolean } {
  const r = parseWhole(text, { name: 'since', min: 0 });
  if (!r.ok) return { since: null, error: r.message, pastUpper: false };
  if (current === null) return { since: null, error: 'the reader\'s since is already closed ([]); it cannot move', pastUpper: false };
  if (r.value <= current) {
    return { since: null, error: `since is already ${current}; a since only moves forward: choose a time after ${current}`, pastUpper: false };
  }
  return { since: r.value, error: null, pastUpper: upper !== null && r.value >= upper };
}

export function DowngradeSinceDialog({ loc, shard, target, upper, onClose }: {
  loc: string;
  shard: string;
  target: LeaseTarget | null;
  upper: Frontier;
  onClose: () => void;
}) {
  const [since, setSince] = useState('');
  const [accepted, setAccepted] = useState(false);
  const downgrade = useDowngradeSince(loc, shard);
  const close = () => {
    setSince('');
    setAccepted(false);
    downgrade.reset();
    onClose();
  };
  const check = checkDowngrade(since, target?.since ?? null, upper);
  const showError = since.trim() !== '' && check.error;
  const ready = check.since !== null && (!check.pastUpper || accepted);
  return (
    <Dialog title="Downgrade since" open={target !== null} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (target && ready && check.since !== null) downgrade.mutate({ readerId: target.id, since: check.since }, { onSuccess: close });
        }}
      >
        <p>
          The reader <strong>{target?.purpose}</strong> holds the since at <strong>{target?.since ?? 'closed'}</strong>. Moving it
          forward lets compaction merge history before it; it never moves back.
        </p>
        <label>
          New since
          <input
            value={since}
            inputMode="numeric"
            onChange={(e) => {
              setSince(e.target.value);
              setAccepted(false);
            }}
            placeholder={upper === null ? '' : `${(target?.since ?? 0) + 1} to ${Math.max(0, upper - 1)}`}
            aria-invalid={showError ? true : undefined}
            aria-describedby="since-error"
            autoFocus
          />
          <FieldError id="since-error" message={showError ? check.error : null} />
        </label>
        {check.pastUpper && (
          <div className="warning" data-testid="past-upper">
            <p>
              A since of <strong>{check.since}</strong> is at or past the shard's upper, <strong>{upper}</strong>: while this reader holds it, no
              time of the shard can be read (a read needs since ≤ as_of &lt; upper) until writers move the upper past {check.since}, and compaction
              may merge every update before {check.since}. This cannot be undone.
            </p>
            <label className="check">
              <input type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
              Move the since past the upper anyway
            </label>
          </div>
        )}
        {downgrade.error && <ErrorState error={downgrade.error} title="The since did not move" />}
        <div className="dialog-actions">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" className="primary" disabled={downgrade.isPending || !ready}>
            {check.pastUpper ? 'Downgrade past the upper' : 'Downgrade since'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
