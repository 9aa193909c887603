// "Write": a small form of updates (key, value, time, diff) appended in one batch.
import { useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { useWrite } from '../../queries/actions';

interface Row {
  key: string;
  val: string;
  time: string;
  diff: string;
}
const blank = (): Row => ({ key: '', val: '', time: '', diff: '1' });

const HINT: Record<string, string> = {
  string: 'text',
  json: 'JSON, e.g. {"a": 1}',
  bytes: 'hex, e.g. 0a1b',
  unit: '(ignored)',
};

export function WriteDialog({ loc, summary, open, onClose }: { loc: string; summary: ShardSummary; open: boolean; onClose: () => void }) {
  const [rows, setRows] = useState<Row[]>([blank()]);
  const [upper, setUpper] = useState('');
  const write = useWrite(loc, summary.id);
  const set = (i: number, k: keyof Row, v: string) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    write.mutate(
      {
        updates: rows.map((r) => ({ key: r.key, val: r.val, time: r.time.trim() === '' ? null : Number(r.time), diff: Number(r.diff) })),
        upper: upper.trim() === '' ? null : Number(upper),
      },
      {
        onSuccess: () => {
          setRows([blank()]);
          setUpper('');
          write.reset();
          onClose();
        },
      },
    );
  };
  return (
    <Dialog title="Write updates" open={open} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <p className="muted">
          Times default to the shard's upper ({summary.upper ?? 'closed'}); the new upper defaults to one past the largest time.
        </p>
        <table className="write-table">
          <thead>
            <tr>
              <th>Key ({HINT[summary.codecs.key] ?? summary.codecs.key})</th>
              <th>Value ({HINT[summary.codecs.val] ?? summary.codecs.val})</th>
              <th>Time</th>
              <th>Diff</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Key ${i + 1}`} value={r.key} onChange={(e) => set(i, 'key', e.target.value)} />
                </td>
                <td>
                  <input aria-label={`Value ${i + 1}`} value={r.val} onChange={(e) => set(i, 'val', e.target.value)} />
                </td>
                <td>
                  <input aria-label={`Time ${i + 1}`} inputMode="numeric" value={r.time} placeholder={String(summary.upper ?? '')} onChange={(e) => set(i, 'time', e.target.value)} size={6} />
                </td>
                <td>
                  <input aria-label={`Diff ${i + 1}`} inputMode="numeric" value={r.diff} onChange={(e) => set(i, 'diff', e.target.value)} size={4} />
                </td>
                <td>
                  <button type="button" aria-label={`Remove update ${i + 1}`} disabled={rows.length === 1} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="row">
          <button type="button" onClick={() => setRows((rs) => [...rs, blank()])}>
            Add update
          </button>
          <label className="inline">
            New upper
            <input aria-label="New upper" inputMode="numeric" value={upper} onChange={(e) => setUpper(e.target.value)} size={8} placeholder="auto" />
          </label>
        </div>
        {write.error && <ErrorState error={write.error} title="Nothing was written" />}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={write.isPending}>
            {write.isPending ? 'Writing…' : 'Write'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
