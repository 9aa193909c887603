// Child processes of the reliability runs: spawned with tsx, their stdout read line by line.
// A child prints `ack <key>...` only after the engine acknowledged the write, so whatever the
// parent has read before a kill is exactly what the child was told is durable.
import { join } from 'node:path';
import { spawnTsx, type TsxChild } from '../../engine/testing/child.js';
import { BENCH_DIR, REPO_DIR } from '../harness.js';

export interface Child extends TsxChild {
  /** keys the child reported as acknowledged (in order) */
  acks: string[];
}

export function spawnChild(script: string, args: string[], onLine?: (line: string) => void): Child {
  const acks: string[] = [];
  const c = spawnTsx(
    join(BENCH_DIR, 'reliability', script),
    args,
    (l) => {
      if (l.startsWith('ack ')) acks.push(...l.slice(4).split(' '));
      onLine?.(l);
    },
    { cwd: REPO_DIR },
  );
  return { ...c, acks };
}

/** Counts the sum of diffs per key of a snapshot (keys of padding rows folded into their write's key). */
export function countKeys(updates: Iterable<readonly [string, string, number, number]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [k, , , d] of updates) counts.set(k, (counts.get(k) ?? 0) + d);
  return counts;
}
