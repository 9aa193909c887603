// "Write": a small form of updates (key, value, time, diff) appended in one batch.
import { useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { useWrite } from '../../queries/actions';
import { checkCodecText, parseOptionalWhole, parseWhole, type Checked } from '../../validate';
import { WriteTableHead } from '../../components/WriteTableHead';

interface Row {
  key: string;
  val: string;
  time: string;
  diff: string;
}
const blank = (): Row => ({ key: '', val: '', time: '', diff: '1' });

export function WriteDialog({ loc, summary, open, onClose }: { loc: string; summary: ShardSummary; open: boolean; onClose: () => void }) {
  const [rows, setRows] = useState<Row[]>([blank()]);
  const [upper, setUpper] = useState('');
  const write = useWrite(loc, summary.id);
  const set = (i: number, k: keyof Row, v: string) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const lower = summary.upper ?? 0;
  const checks = rows.map((r, i) => ({
    key: r.key === '' && summary.codecs.key !== 'string' && summary.codecs.key !== 'unit' ? `key ${i + 1} is empty` : checkCodecText(summary.codecs.key, r.key, `key ${i + 1}`),
    val: r.val === '' && summary.codecs.val !== 'string' && summary.codecs.val !== 'unit' ? `value ${i + 1} is empty` : checkCodecText(summary.codecs.val, r.val, `value ${i + 1}`),
    time: parseOptionalWhole(r.time, { name: `time ${i + 1}`, min: lower, minLabel: `the shard's upper, ${lower}` }),
    diff: parseWhole(r.diff, { name: `diff ${i + 1}`, nonZero: true }),
  }));
  const maxTime = Math.max(lower, ...checks.map((c) => (c.time.ok && c.time.value !== null ? c.time.value : lower)));
  const upperCheck = parseOptionalWhole(upper, { name: 'the new upper', min: maxTime + 1, minLabel: `${maxTime + 1} (one past the largest time, ${maxTime})` });
  const msg = <T,>(c: Checked<T>) => (c.ok ? null : c.message);
  const valid = summary.upper !== null && upperCheck.ok && checks.every((c) => !c.key && !c.val && c.time.ok && c.diff.ok);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    write.mutate(
      {
        updates: rows.map((r, i) => ({
          key: r.key,
          val: r.val,
          time: (checks[i].time as { value: number | null }).value,
          diff: (checks[i].diff as { value: number }).value,
        })),
        upper: (upperCheck as { value: number | null }).value,
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
          <WriteTableHead codecs={summary.codecs} />
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Key ${i + 1}`} value={r.key} aria-invalid={checks[i].key ? true : undefined} onChange={(e) => set(i, 'key', e.target.value)} />
                </td>
                <td>
                  <input aria-label={`Value ${i + 1}`} value={r.val} aria-invalid={checks[i].val ? true : undefined} onChange={(e) => set(i, 'val', e.target.value)} />
                </td>
                <td>
                  <input aria-label={`Time ${i + 1}`} inputMode="numeric" value={r.time} placeholder={String(summary.upper ?? '')} aria-invalid={checks[i].time.ok ? undefined : true} onChange={(e) => set(i, 'time', e.target.value)} size={6} />
                </td>
                <td>
                  <input aria-label={`Diff ${i + 1}`} inputMode="numeric" value={r.diff} aria-invalid={checks[i].diff.ok ? undefined : true} onChange={(e) => set(i, 'diff', e.target.value)} size={4} />
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
            <input aria-label="New upper" inputMode="numeric" value={upper} aria-invalid={upperCheck.ok ? undefined : true} onChange={(e) => setUpper(e.target.value)} size={8} placeholder="auto" />
          </label>
        </div>
        <ul className="field-errors" aria-live="polite">
          {[
            ...checks.flatMap((c) => [c.key, c.val, msg(c.time), msg(c.diff)]),
            msg(upperCheck),
          ]
            .filter((m): m is string => m !== null)
            .map((m) => (
              <li key={m}>
                <FieldError id={m} message={m} />
              </li>
            ))}
        </ul>
        {write.error && <ErrorState error={write.error} title="Nothing was written" />}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={write.isPending || !valid}>
            {write.isPending ? 'Writing…' : 'Write'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
