// The workload generator: a rate and Start/Stop.
import { useState } from 'react';
import type { ShardSummary } from '../../../../preload/contract';
import { ErrorState } from '../../components/ErrorState';
import { useStartGenerator, useStopGenerator } from '../../queries/actions';

export function GeneratorControl({ loc, summary }: { loc: string; summary: ShardSummary }) {
  const [rate, setRate] = useState('100');
  const start = useStartGenerator(loc, summary.id);
  const stop = useStopGenerator(loc, summary.id);
  const running = summary.generatorRate !== null;
  return (
    <div className="generator" role="group" aria-label="Workload generator">
      <label className="inline">
        Rate (updates/s)
        <input aria-label="Generator rate" inputMode="numeric" value={rate} size={6} onChange={(e) => setRate(e.target.value)} />
      </label>
      {running ? (
        <>
          <button type="button" onClick={() => start.mutate({ rate: Number(rate) })}>
            Set rate
          </button>
          <button type="button" onClick={() => stop.mutate({})}>
            Stop generator
          </button>
          <span className="badge">writing {summary.generatorRate}/s</span>
        </>
      ) : (
        <button type="button" onClick={() => start.mutate({ rate: Number(rate) })} disabled={summary.upper === null}>
          Start generator
        </button>
      )}
      {(start.error || stop.error) && <ErrorState error={start.error ?? stop.error} title="The generator did not change" />}
    </div>
  );
}
