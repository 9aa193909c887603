// The workload generator: a rate and Start/Stop.
import { useEffect, useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import { ErrorState } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { useStartGenerator, useStopGenerator } from '../../queries/actions';
import { parseWhole } from '../../validate';

export function GeneratorControl({ loc, summary }: { loc: string; summary: ShardSummary }) {
  // the box shows what the generator writes now (not a default that contradicts the badge)
  const [rate, setRate] = useState(String(summary.generatorRate ?? 100));
  const [edited, setEdited] = useState(false);
  useEffect(() => {
    if (!edited && summary.generatorRate !== null) setRate(String(summary.generatorRate));
  }, [summary.generatorRate, edited]);
  const start = useStartGenerator(loc, summary.id);
  const stop = useStopGenerator(loc, summary.id);
  const running = summary.generatorRate !== null;
  const check = parseWhole(rate, { name: 'the rate', min: 1, max: 100_000 });
  const go = () => check.ok && start.mutate({ rate: check.value });
  return (
    <div className="generator" role="group" aria-label="Workload generator">
      <label className="inline">
        Rate (updates/s)
        <input aria-label="Generator rate" inputMode="numeric" value={rate} size={6} onChange={(e) => { setRate(e.target.value); setEdited(true); }} aria-invalid={check.ok ? undefined : true} aria-describedby="rate-error" />
      </label>
      <FieldError id="rate-error" message={check.ok ? null : check.message} />
      {running ? (
        <>
          <button type="button" onClick={go} disabled={!check.ok || start.isPending || (check.ok && check.value === summary.generatorRate)}>
            Set rate
          </button>
          <button type="button" onClick={() => stop.mutate({})} disabled={stop.isPending}>
            Stop generator
          </button>
          <span className="badge">writing {summary.generatorRate}/s</span>
        </>
      ) : (
        <button type="button" onClick={go} disabled={summary.upper === null || !check.ok || start.isPending}>
          Start generator
        </button>
      )}
      {(start.error || stop.error) && <ErrorState error={start.error ?? stop.error} title="The generator did not change" />}
    </div>
  );
}
