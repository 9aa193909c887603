// Model-based random testing of the engine (see commands.ts): random sequences of writes, reads
// in all four paths, listens, sinces, compaction, GC, lease expiry and reopen, checked against a
// reference model, on three kinds of storage. Bounded for CI; more steps with
//   SHARDSCOPE_MODEL_STEPS=5000 npx vitest run engine/model/model.test.ts
// and a failure replays with the seed (and path) it prints:
//   SHARDSCOPE_MODEL_SEED=<seed> SHARDSCOPE_MODEL_PATH=<path> SHARDSCOPE_MODEL_SHRINK=1 npx vitest run engine/model/model.test.ts
import { describe, expect, it } from 'vitest';
import { runModel } from './run.js';
import type { EnvKind } from './system.js';

const env = process.env;
const steps = (ci: number) => Number(env.SHARDSCOPE_MODEL_STEPS ?? ci);
const seed = env.SHARDSCOPE_MODEL_SEED ? Number(env.SHARDSCOPE_MODEL_SEED) : Date.now() % 2 ** 31;
const shrink = env.SHARDSCOPE_MODEL_SHRINK === '1';
const path = env.SHARDSCOPE_MODEL_PATH;

const cases: { kind: EnvKind; steps: number; what: string; commands?: 'core' }[] = [
  // one writer only, no lease expiry or forced GC (see commandArbs): the areas below stay covered
  // while the others are broken
  { kind: 'mem', steps: steps(300), what: 'mem://, core commands', commands: 'core' },
  { kind: 'sandbox', steps: steps(150), what: 'a sandbox file, core commands', commands: 'core' },
  { kind: 'unreliable', steps: steps(300), what: 'unreliable storage, core commands', commands: 'core' },
  { kind: 'mem', steps: steps(1000), what: 'mem://' },
  { kind: 'sandbox', steps: steps(400), what: 'a sandbox file' },
  { kind: 'unreliable', steps: steps(1000), what: 'unreliable storage (a tenth of calls fail), writer and readers in two clients' },
];

describe('the engine behaves as the reference model', () => {
  for (const c of cases) {
    it(`on ${c.what}`, { timeout: 10 * 60_000 }, async () => {
      const res = await runModel({ kind: c.kind, seed, steps: c.steps, failRate: 0.1, shrink, path, commands: c.commands });
      expect(res.report, `seed ${seed}`).toBeNull();
      expect(res.steps).toBeGreaterThan(c.steps / 4);
    });
  }
});
