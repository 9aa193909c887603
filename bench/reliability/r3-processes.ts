// R3: several OS processes writing unique keys to one shard of a sandbox file at once for a
// while; then every acknowledged write must be in the shard exactly once.
import { join } from 'node:path';
import { newShardId } from '../../engine/index.js';
import { makeSandboxDir, removeSandboxDir } from '../harness.js';
import { spawnChild } from './child.js';
import { checkShard } from './check.js';

export interface R3Result {
  processes: number;
  seconds: number;
  acked: number;
  ackedLost: number;
  duplicates: number;
  unreadable: string[];
  failures: string[];
}

export async function runR3(o: { processes: number; seconds: number }): Promise<R3Result> {
  const dir = makeSandboxDir();
  try {
    const path = join(dir, 'sandbox.sqlite');
    const shard = newShardId();
    const children = Array.from({ length: o.processes }, (_, i) => spawnChild('writer-child.ts', [path, shard, `p${i}`, 'writes', String(o.seconds)]));
    const exits = await Promise.all(children.map((c) => c.done));
    const failures = exits.flatMap((e, i) => (e.code === 0 ? [] : [`process ${i} exited ${e.code ?? e.signal}: ${children[i].stderr().slice(-2000)}`]));
    const acked = children.flatMap((c) => c.acks.filter((k) => !k.includes('/pad')));
    const check = await checkShard(path, shard, acked);
    return {
      processes: o.processes,
      seconds: o.seconds,
      acked: acked.length,
      ackedLost: check.lost.length,
      duplicates: check.duplicates.length,
      unreadable: check.unreadable,
      failures,
    };
  } finally {
    removeSandboxDir(dir);
  }
}
