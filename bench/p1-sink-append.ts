// P1-sink-append: 1e6 updates (16-char hex keys and values) through persistSink with 2 batch-writing
// worker threads into a sandbox file (write + advance: durable in the shard), against the same
// better-sqlite3 bulk INSERT as P1-bulk-append, in the same run. Also 1 worker beside 2, and the
// longest main-thread event-loop stall while a 400k-update description is written. The CPU time
// (all threads) of each contender is printed too: on a machine shared with other work, the
// sink's two workers get less than two cores and the ratio tends to the ratio of CPU times.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId, persistSink, type PersistSink } from '../engine/index.js';
import { perSecond, randomHexStrings, result, time, timePair, type Benchmark } from './harness.js';
import { bulkInsert, updatesDb } from './sqlite-baselines.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

/** Runs f and adds the process's CPU time (every thread, ms) it took to into. */
async function cpu(into: number[], f: () => Promise<void> | void): Promise<void> {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  into.push((c.user + c.system) / 1000);
}

async function openSink(path: string, workers: number): Promise<{ client: PersistClient; sink: PersistSink<string, string> }> {
  const client = await PersistClient.openSandbox(path);
  const sink = await persistSink(client, newShardId(), { ...strings, workers });
  // Start the workers before the clock does (a tiny description through all of them).
  await sink.write(Array.from({ length: workers * 64 }, (_, i) => [`warm${i}`, 'w', 0, 1] as const));
  await sink.advance([1]);
  return { client, sink };
}

const bench: Benchmark = {
  id: 'P1',
  title: 'sink append: persistSink (2 workers) vs SQLite bulk INSERT',
  targets: { 'P1-sink-append': { on: 'ratio', op: '>=', threshold: 2 } },
  async run(ctx) {
    const n = ctx.n(1_000_000, 1000);
    const keys = randomHexStrings(n, 16, 21);
    const vals = randomHexStrings(n, 16, 22);
    const updates = keys.map((k, i) => [k, vals[i], 1, 1] as const);
    const dir = ctx.sandboxDir();
    const cpuMs: Record<string, number[]> = { sqlite: [], 1: [], 2: [] };
    const engine = (workers: number) => ({
      setup: (i: number) => openSink(join(dir, `sink-${workers}-${i}.sqlite`), workers),
      fn: ({ sink }: { sink: PersistSink<string, string> }) =>
        cpu(cpuMs[workers], async () => {
          await sink.write(updates);
          await sink.advance([2]);
        }),
      teardown: async ({ client, sink }: { client: PersistClient; sink: PersistSink<string, string> }) => {
        await sink.close();
        await client.close();
      },
    });
    const [sqlite, two] = await timePair(
      { warmup: 1, runs: ctx.runs },
      { setup: (i) => updatesDb(dir, `bulk-${i}`), fn: (db) => cpu(cpuMs.sqlite, () => bulkInsert(db, keys, vals, 0)), teardown: (db) => void db.close() },
      engine(2),
    );
    const one = await time({ warmup: 0, runs: Math.min(3, ctx.runs) }, engine(1).setup, engine(1).fn, engine(1).teardown);
    ctx.log(`sqlite ${sqlite.samples.map((s) => s.toFixed(0)).join('/')} ms; sink 2 workers ${two.samples.map((s) => s.toFixed(0)).join('/')} ms; 1 worker ${one.samples.map((s) => s.toFixed(0)).join('/')} ms`);
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    // (the paired runs' first sample is their warmup)
    ctx.log(`CPU time (all threads): sqlite ${ms(cpuMs.sqlite.slice(1))} ms; sink 2 workers ${ms(cpuMs[2].slice(1))} ms; 1 worker ${ms(cpuMs[1])} ms`);
    ctx.log(`throughput: 1 worker ${(perSecond(n, one.ms) / 1e6).toFixed(2)} M updates/s, 2 workers ${(perSecond(n, two.ms) / 1e6).toFixed(2)} M updates/s, sqlite ${(perSecond(n, sqlite.ms) / 1e6).toFixed(2)} M/s`);

    // The longest event-loop stall while one description of 400k updates is written.
    const m = ctx.n(400_000, 1000);
    const { client, sink } = await openSink(join(dir, 'stall.sqlite'), 2);
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 1);
    await sink.write(updates.slice(0, m));
    await sink.advance([2]);
    clearInterval(timer);
    worst = Math.max(worst, performance.now() - last);
    await sink.close();
    await client.close();
    ctx.log(`longest event-loop stall while a ${m}-update description was written: ${worst.toFixed(1)} ms`);
    return [
      result('P1-sink-append', perSecond(n, two.ms), 'updates/s', 'better-sqlite3 bulk INSERT, 1 txn, WAL+NORMAL', perSecond(n, sqlite.ms)),
      result('P1-sink-append-1worker', perSecond(n, one.ms), 'updates/s', 'better-sqlite3 bulk INSERT, 1 txn, WAL+NORMAL', perSecond(n, sqlite.ms)),
      result('P1-sink-stall-400k', worst, 'ms', 'none (longest main-thread stall, 400k-update description)', worst),
    ];
  },
};
export default bench;
