// Child processes of the reliability runs: spawned with tsx, their stdout read line by line.
// A child prints `ack <key>...` only after the engine acknowledged the write, so whatever the
// parent has read before a kill is exactly what the child was told is durable.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, REPO_DIR } from '../harness.js';

export interface Child {
  child: ChildProcess;
  /** keys the child reported as acknowledged (in order) */
  acks: string[];
  /** settles once the child exited and its stdout was read to the end */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnChild(script: string, args: string[], onLine?: (line: string) => void): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'reliability', script), ...args], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: string[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('ack ')) acks.push(...l.slice(4).split(' '));
      onLine?.(l);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const closed = new Promise<void>((res) => child.stdout!.on('close', () => res()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  const done = Promise.all([exited, closed]).then(([e]) => e);
  return { child, acks, done, stderr: () => err };
}

/** Counts the sum of diffs per key of a snapshot (keys of padding rows folded into their write's key). */
export function countKeys(updates: Iterable<readonly [string, string, number, number]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [k, , , d] of updates) counts.set(k, (counts.get(k) ?? 0) + d);
  return counts;
}
