// Runs the model: random command sequences against a fresh shard each, then a final check of the
// shard from a client of its own (the data, every retained version, every referenced blob).
// Used by model.test.ts (bounded, in CI) and bench/reliability (R2).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { configureRetry, type RetryOptions } from '../index.js';
import { checkIntegrity } from './integrity.js';
import { commandArbs, checkRead, drainListens, stepCounter, within, type CommandSet } from './commands.js';
import { newModel, type Model } from './model.js';
import { openReal, strings, type EnvKind, type Real } from './system.js';

export interface ModelRunOptions {
  kind: EnvKind;
  /** fast-check seed: the same seed (and path) replays the same command sequences */
  seed: number;
  /** commands to run in all (about; the last sequence may end early) */
  steps: number;
  maxCommands?: number;
  /** unreliable storage: fraction of calls that fail */
  failRate?: number;
  /** shrink a failure to a minimal sequence (slow on a broken engine: off for bounded runs) */
  shrink?: boolean;
  /** replays one counterexample (fast-check's path) */
  path?: string;
  commands?: CommandSet;
}

export interface ModelRunResult {
  kind: EnvKind;
  seed: number;
  steps: number;
  sequences: number;
  failed: boolean;
  /** fast-check's report: the seed, the path and the failing sequence, and the error */
  report: string | null;
}

async function finalCheck(m: Model, real: Real): Promise<void> {
  await drainListens(m, real);
  // no background GC of the run's clients may truncate versions while they are checked
  await within(Promise.all([real.writerClient.close(), real.readerClient.close()]), 'close');
  const c = await real.openChecker();
  try {
    const r = await within(c.openLeasedReader(real.shard, strings), 'openLeasedReader (check)');
    const since = r.since()[0] as number;
    if (m.upper > since) await checkRead(m, r, 'snapshotAndFetch', m.upper - 1);
    const report = await within(checkIntegrity(c, real.shard), 'checkIntegrity');
    assert.deepEqual(report.unreadable, [], 'retained versions that fail to decode');
    assert.deepEqual(report.missingBlobs, [], 'blobs referenced by a retained version but missing');
  } finally {
    await c.close();
  }
}

export async function runModel(o: ModelRunOptions): Promise<ModelRunResult> {
  const maxCommands = o.maxCommands ?? 40;
  const sequences = Math.max(1, Math.ceil(o.steps / (maxCommands / 2)));
  // quick retries: the unreliable storage fails often, and a run must not spend its time asleep
  const previous: RetryOptions = configureRetry({ initialDelayMs: 1, maxDelayMs: 5 });
  const before = stepCounter.steps;
  let faultSeed = o.seed;
  try {
    const details = await fc.check(
      fc.asyncProperty(fc.commands(commandArbs(o.commands), { maxCommands, size: 'max' }), async (cmds) => {
        const model = newModel();
        const real = await openReal({ kind: o.kind, seed: faultSeed++, failRate: o.failRate });
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await finalCheck(model, real);
        } finally {
          await real.close();
        }
      }),
      { numRuns: sequences, seed: o.seed, endOnFailure: !o.shrink, path: o.path },
    );
    return {
      kind: o.kind,
      seed: o.seed,
      steps: stepCounter.steps - before,
      sequences: details.numRuns,
      failed: details.failed,
      report: details.failed
        ? `${fc.defaultReportMessage(details) ?? 'failed'}\n${(details.errorInstance as Error)?.stack ?? details.errorInstance}`
        : null,
    };
  } finally {
    configureRetry(previous);
  }
}
