// "Advance upper": an empty append that moves the upper forward (times before it become readable).
import { useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { useAdvanceUpper } from '../../queries/actions';
import { parseWhole } from '../../validate';

export function AdvanceUpperDialog({ loc, summary, open, onClose }: { loc: string; summary: ShardSummary; open: boolean; onClose: () => void }) {
  const [to, setTo] = useState('');
  const advance = useAdvanceUpper(loc, summary.id);
  const suggestion = summary.upper === null ? '' : String(summary.upper + 10);
  const lower = summary.upper ?? 0;
  const check = parseWhole(to.trim() === '' ? suggestion : to, { name: 'the new upper', min: lower + 1, minLabel: `${lower + 1} (after the current upper, ${lower})` });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!check.ok) return;
    advance.mutate(
      { to: check.value },
      {
        onSuccess: () => {
          setTo('');
          advance.reset();
          onClose();
        },
      },
    );
  };
  return (
    <Dialog title="Advance upper" open={open} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <p>
          The upper is now <strong>{summary.upper ?? 'closed'}</strong>. Advancing it seals every time before the new upper: no more
          writes there, and snapshots up to it become readable.
        </p>
        <label>
          New upper
          <input value={to} inputMode="numeric" placeholder={suggestion} onChange={(e) => setTo(e.target.value)} aria-invalid={check.ok ? undefined : true} aria-describedby="advance-error" autoFocus />
          <FieldError id="advance-error" message={check.ok ? null : check.message} />
        </label>
        {advance.error && <ErrorState error={advance.error} title="The upper did not move" />}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={advance.isPending || summary.upper === null || !check.ok}>
            Advance upper
          </button>
        </div>
      </form>
    </Dialog>
  );
}
