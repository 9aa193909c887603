// Update rows (key, value, time, diff) of one stream, checked as the user types against the
// stream's codecs and seal, in words (renderer/src/validate.ts).
import type { StreamSummary } from '../../../../preload/streams-contract';
import { FieldError } from '../../components/FieldError';
import { checkCodecText, parseWhole } from '../../validate';
import { WriteTableHead } from '../../components/WriteTableHead';

export interface RowText {
  key: string;
  val: string;
  time: string;
  diff: string;
}
export const blankRow = (time = ''): RowText => ({ key: '', val: '', time, diff: '1' });

export interface RowsCheck {
  messages: string[];
  updates: { key: string; val: string; time: number; diff: number }[] | null;
}

/** Every row's problems in words, or the updates to send. */
export function checkRows(s: StreamSummary, rows: RowText[], label = ''): RowsCheck {
  const seal = s.seal ?? 0;
  const messages: string[] = [];
  const updates = rows.map((r, i) => {
    const n = `${label}row ${i + 1}`;
    const needsText = (c: string) => c !== 'string' && c !== 'unit';
    const k = r.key === '' && needsText(s.codecs.key) ? `${n}: the key is empty` : checkCodecText(s.codecs.key, r.key, `${n}: the key`);
    const v = r.val === '' && needsText(s.codecs.val) ? `${n}: the value is empty` : checkCodecText(s.codecs.val, r.val, `${n}: the value`);
    const t = parseWhole(r.time, { name: `${n}: time`, min: seal, minLabel: `the stream's seal, ${seal}` });
    const d = parseWhole(r.diff, { name: `${n}: diff`, nonZero: true });
    for (const m of [k, v, t.ok ? null : t.message, d.ok ? null : d.message]) if (m) messages.push(m);
    return t.ok && d.ok ? { key: r.key, val: r.val, time: t.value, diff: d.value } : null;
  });
  return { messages, updates: messages.length === 0 && updates.every((u) => u !== null) ? (updates as RowsCheck['updates']) : null };
}

export function RowsEditor({ stream, rows, onChange, label = '' }: { stream: StreamSummary; rows: RowText[]; onChange: (rows: RowText[]) => void; label?: string }) {
  const set = (i: number, k: keyof RowText, v: string) => onChange(rows.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const prefix = label ? `${label} ` : '';
  return (
    <>
      <table className="write-table" aria-label={`${prefix}rows`}>
        <WriteTableHead codecs={stream.codecs} />
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                <input aria-label={`${prefix}Key ${i + 1}`} value={r.key} onChange={(e) => set(i, 'key', e.target.value)} />
              </td>
              <td>
                <input aria-label={`${prefix}Value ${i + 1}`} value={r.val} onChange={(e) => set(i, 'val', e.target.value)} />
              </td>
              <td>
                <input aria-label={`${prefix}Time ${i + 1}`} inputMode="numeric" size={6} value={r.time} onChange={(e) => set(i, 'time', e.target.value)} />
              </td>
              <td>
                <input aria-label={`${prefix}Diff ${i + 1}`} inputMode="numeric" size={4} value={r.diff} onChange={(e) => set(i, 'diff', e.target.value)} />
              </td>
              <td>
                <button type="button" aria-label={`${prefix}Remove row ${i + 1}`} disabled={rows.length === 1} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" onClick={() => onChange([...rows, blankRow(rows[rows.length - 1]?.time ?? '')])}>
          {prefix}Add row
        </button>
      </div>
    </>
  );
}

export function Problems({ messages }: { messages: string[] }) {
  return (
    <ul className="field-errors" aria-live="polite" data-testid="form-problems">
      {messages.map((m) => (
        <li key={m}>
          <FieldError id={m} message={m} />
        </li>
      ))}
    </ul>
  );
}
