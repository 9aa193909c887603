// "Atomic write": rows for several chosen streams, committed as one write (all of them or none),
// then read back from every stream to show it landed in each.
import { useState } from 'react';
import type { AtomicWriteInfo, StreamSummary } from '../../../../preload/streams-contract';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { useStreamAction } from './queries';
import { blankRow, checkRows, Problems, RowsEditor, type RowText } from './RowsEditor';

export function AtomicWriteDialog({ loc, streams, open, onClose }: { loc: string; streams: StreamSummary[]; open: boolean; onClose: () => void }) {
  const [chosen, setChosen] = useState<Record<string, RowText[]>>({});
  const [result, setResult] = useState<AtomicWriteInfo | null>(null);
  const write = useStreamAction(loc, 'streams.writeAtomic');
  const names = streams.map((s) => s.name).filter((n) => chosen[n]);
  const checks = names.map((n) => checkRows(streams.find((s) => s.name === n)!, chosen[n], `${n}, `));
  const messages = names.length < 2 ? ['choose at least two streams'] : checks.flatMap((c) => c.messages);
  const valid = names.length >= 2 && checks.every((c) => c.updates);
  const toggle = (s: StreamSummary) =>
    setChosen((c) => {
      const next = { ...c };
      if (next[s.name]) delete next[s.name];
      else next[s.name] = [blankRow(String(s.seal ?? 0))];
      return next;
    });
  const close = () => {
    write.reset();
    setResult(null);
    onClose();
  };
  return (
    <Dialog title="Atomic write" open={open} onClose={close}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          write.mutate(
            { writes: names.map((n, i) => ({ stream: n, updates: checks[i].updates! })) },
            {
              onSuccess: (r) => {
                setResult(r);
                setChosen({});
              },
            },
          );
        }}
      >
        <p className="muted">The rows of every chosen stream are committed together: all of them land, or none does.</p>
        <fieldset className="row" aria-label="Streams to write">
          {streams.map((s) => (
            <label key={s.name} className="inline">
              <input type="checkbox" checked={!!chosen[s.name]} onChange={() => toggle(s)} /> {s.name}
            </label>
          ))}
        </fieldset>
        {names.map((n) => (
          <section key={n} className="card" aria-label={`Rows for ${n}`}>
            <h3>{n}</h3>
            <RowsEditor stream={streams.find((s) => s.name === n)!} rows={chosen[n]} onChange={(rows) => setChosen((c) => ({ ...c, [n]: rows }))} label={n} />
          </section>
        ))}
        {!result && <Problems messages={messages} />}
        {write.error && <ErrorState error={write.error} title="Nothing was written to any stream" />}
        {result && (
          <div className="card ok" role="status" data-testid="atomic-result">
            <strong>Committed at log position {result.seqno}</strong>, read back from every stream:
            <ul>
              {result.landed.map((l) => (
                <li key={l.name} data-testid={`landed-${l.name}`}>
                  {l.name}: {l.found} of {l.written} {l.written === 1 ? 'row' : 'rows'} present {l.found === l.written ? '✓' : '✗'}
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            {result ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" className="primary" disabled={write.isPending || !valid}>
            {write.isPending ? 'Writing…' : 'Write atomically'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
