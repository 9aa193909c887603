// R1: writers SIGKILLed at random points (upload, compare-and-set, compaction, GC) of a sandbox
// file; after each kill the file is reopened and checked (check.ts). A file found damaged is
// replaced by a fresh one, so that one fault does not count again at every later kill.
import { join } from 'node:path';
import { newShardId } from '../../engine/index.js';
import { makeSandboxDir, removeSandboxDir, rng } from '../harness.js';
import { spawnChild } from './child.js';
import { checkShard } from './check.js';

export interface R1Result {
  kills: number;
  ackedLost: number;
  unreadableStates: number;
  duplicates: number;
  /** what each failed check saw, for the report */
  failures: string[];
  killsByPhase: Record<string, number>;
}

const PHASES = ['upload', 'cas', 'compaction', 'gc'] as const;

/**
 * `lanes` kill loops run side by side, each on a file of its own: a child's start-up (tsx) is
 * most of a kill's time, and two cores can start two.
 */
export async function runR1(o: { kills: number; seed?: number; lanes?: number; log?: (s: string) => void }): Promise<R1Result> {
  const seed = o.seed ?? 1;
  const lanes = Math.max(1, Math.min(o.lanes ?? 2, o.kills));
  const res: R1Result = { kills: 0, ackedLost: 0, unreadableStates: 0, duplicates: 0, failures: [], killsByPhase: {} };
  await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      killLoop({ kills: Math.floor(o.kills / lanes) + (lane < o.kills % lanes ? 1 : 0), seed: seed + lane, lane, log: o.log }, res),
    ),
  );
  return res;
}

async function killLoop(o: { kills: number; seed: number; lane: number; log?: (s: string) => void }, res: R1Result): Promise<void> {
  const seed = o.seed;
  const next = rng(seed);
  const random = () => next() / 2 ** 32;
  let dir = makeSandboxDir();
  let path = join(dir, 'sandbox.sqlite');
  let shard = newShardId();
  let acked: string[] = [];
  try {
    for (let k = 0; k < o.kills; k++) {
      const phase = PHASES[Math.floor(random() * PHASES.length)];
      // the n-th time the child reaches that phase, after a random delay of 0-3 ms
      const nth = 1 + Math.floor(random() * 6);
      const delayMs = Math.floor(random() * 4);
      let seen = 0;
      let killedAt = 'timeout';
      const c = spawnChild('writer-child.ts', [path, shard, `l${o.lane}k${k}`, 'all'], (line) => {
        if (line === `at ${phase}` && ++seen === nth) {
          killedAt = phase;
          setTimeout(() => c.child.kill('SIGKILL'), delayMs);
        }
      });
      // a child that never reaches the phase is killed anyway (and counted by where it was)
      const timer = setTimeout(() => c.child.kill('SIGKILL'), 20_000);
      const exit = await c.done;
      clearTimeout(timer);
      if (exit.signal !== 'SIGKILL') {
        res.failures.push(`kill ${k}: the child exited by itself (${exit.code}): ${c.stderr().slice(-2000)}`);
        res.unreadableStates++;
      }
      res.kills++;
      res.killsByPhase[killedAt] = (res.killsByPhase[killedAt] ?? 0) + 1;
      acked.push(...c.acks.filter((key) => !key.includes('/pad')));
      const check = await checkShard(path, shard, acked);
      res.ackedLost += check.lost.length;
      res.duplicates += check.duplicates.length;
      const bad = check.lost.length > 0 || check.duplicates.length > 0 || check.unreadable.length > 0;
      if (check.unreadable.length > 0) res.unreadableStates++;
      if (bad) {
        res.failures.push(
          `kill ${k} of seed ${seed} (at ${killedAt}, ${c.acks.length} acks): lost ${check.lost.slice(0, 5).join(',')}${check.lost.length > 5 ? '…' : ''} ` +
            `(${check.lost.length}), duplicated ${check.duplicates.length}, unreadable: ${check.unreadable.slice(0, 3).join(' | ')}`,
        );
        o.log?.(`R1 ${res.failures[res.failures.length - 1]}`);
        // start over on a fresh file: later kills are measured on undamaged storage
        removeSandboxDir(dir);
        dir = makeSandboxDir();
        path = join(dir, 'sandbox.sqlite');
        shard = newShardId();
        acked = [];
      } else if ((k + 1) % 10 === 0) {
        o.log?.(`R1 lane ${o.lane}, ${k + 1} kills: ${acked.length} acked keys all there, ${check.versions} versions decode`);
      }
    }
  } finally {
    removeSandboxDir(dir);
  }
}
