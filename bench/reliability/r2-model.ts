// R2: the model test (engine/model) on unreliable storage with the writer and readers in two
// clients, run sequence after sequence until the step budget is spent. Every failed sequence is
// one violation; its seed replays it (SHARDSCOPE_MODEL_SEED=<seed> in engine/model/model.test.ts).
import { runModel } from '../../engine/model/run.js';

export interface R2Result {
  steps: number;
  violations: number;
  failures: string[];
}

export async function runR2(o: { steps: number; seed?: number; failRate?: number; log?: (s: string) => void }): Promise<R2Result> {
  const res: R2Result = { steps: 0, violations: 0, failures: [] };
  let seed = o.seed ?? 1;
  // every sequence runs at least one step unless its setup fails: bounded either way
  for (let runs = 0; res.steps < o.steps && runs < o.steps; runs++) {
    const run = await runModel({ kind: 'unreliable', seed, steps: Math.min(400, o.steps - res.steps), failRate: o.failRate ?? 0.1 });
    res.steps += run.steps;
    if (run.failed) {
      res.violations++;
      const lines = (run.report ?? '').split('\n');
      const error = lines.find((l) => /Error/.test(l)) ?? lines[0];
      res.failures.push(`seed ${seed}: ${error}`);
      o.log?.(`R2 seed ${seed}: ${error}`);
    }
    seed++;
  }
  return res;
}
