import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, startRuntime } from '../index.js';
import { tempDir } from '../testing/util.js';
import { spawnTsx } from '../testing/child.js';

const CHILD = join(import.meta.dirname, '..', 'testing', 'atomic-child.ts');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function startChild(path: string, count: number) {
  const acks: number[] = [];
  const c = spawnTsx(CHILD, [path, String(count)], (l) => {
    if (l.startsWith('ack ')) acks.push(Number(l.slice(4)));
  });
  return { ...c, acks };
}

describe('writeAtomic across a crash', () => {
  it('a process killed with SIGKILL mid-loop leaves each atomic write in every stream or none, every acknowledged one once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const rounds: { acked: number; killedAt: number }[] = [];
    const allAcks: number[] = [];
    // Several kills at different moments: each run continues where the last one crashed.
    for (const killAfter of [15, 27, 40]) {
      const c = startChild(path, 100_000);
      await new Promise<void>((res, rej) => {
        const timer = setInterval(() => {
          if (c.acks.length >= killAfter) {
            clearInterval(timer);
            c.child.kill('SIGKILL');
            res();
          }
        }, 1);
        c.exited.then(() => {
          clearInterval(timer);
          if (c.acks.length < killAfter) rej(new Error(`child exited early: ${c.stderr()}`));
        });
      });
      await c.exited;
      rounds.push({ acked: c.acks.length, killedAt: c.acks[c.acks.length - 1] });
      allAcks.push(...c.acks);
      const rt = await startRuntime({ blob: `sqlite://${path}`, consensus: `sqlite://${path}` });
      try {
        const per: Map<number, number>[] = [];
        for (const [j, name] of ['s0', 's1', 's2'].entries()) {
          const [, r] = await rt.createOrLoad(name, codecs.string, codecs.string);
          const counts = new Map<number, number>();
          for (const [k, v, t, d] of await (await r.snapshot()).readToEnd()) {
            expect(v).toBe(`s${j}`);
            expect(k.startsWith(`w${t}-`)).toBe(true);
            counts.set(t, (counts.get(t) ?? 0) + d);
          }
          per.push(counts);
        }
        const times = new Set(per.flatMap((m) => [...m.keys()]));
        for (const t of times) {
          // all or nothing: the write of time t is in every stream, each with its full size, once
          per.forEach((m, j) => expect(m.get(t), `stream s${j} at ${t}`).toBe(1 + ((t + j) % 3) * 40));
        }
        for (const t of allAcks) expect(times.has(t), `acknowledged write ${t}`).toBe(true);
        // Beyond the acknowledged ones, at most the write in flight at each kill may have landed.
        const acked = rounds.reduce((n, r) => n + r.acked, 0);
        expect(times.size).toBeGreaterThanOrEqual(acked);
        expect(times.size).toBeLessThanOrEqual(acked + rounds.length);
        console.info(`crash round ${rounds.length}: ${acked} acknowledged atomic writes, ${times.size} present in all 3 streams`);
      } finally {
        await rt.stop();
      }
    }
    expect(rounds.every((r) => r.acked > 0)).toBe(true);
  });
});
