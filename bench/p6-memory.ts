// P6: bounded memory. Peak RSS growth while a batch builder takes 1e7 updates, and while a
// snapshotCursor reads them back, each in its own child process (node --expose-gc) so that the
// growth is clean. Baseline: the RSS growth of holding 1e6 of the same updates as JS arrays.
// Default config (blobTargetSizeBytes included); set BENCH_P6_BLOB_TARGET to try another size.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { result, runChild, type Benchmark } from './harness.js';

interface Growth {
  growthMiB: number;
  updatesPerSec?: number;
  parts?: number;
  bytes?: number;
  chunks?: number;
}

const bench: Benchmark = {
  id: 'P6',
  title: 'memory: RSS growth of a builder taking 1e7 updates and a cursor reading them',
  targets: {
    'P6-cursor-rss': { on: 'value', op: '<=', threshold: 128 },
    'P6-builder-rss': { on: 'value', op: '<=', threshold: 128 },
  },
  async run(ctx) {
    const n = ctx.n(10_000_000, 10_000);
    const held = ctx.n(1_000_000, 100_000); // big enough for RSS to move in quick mode too
    const target = process.env.BENCH_P6_BLOB_TARGET ?? '';
    const extra = target ? [target] : [];
    const dir = ctx.sandboxDir();
    const path = join(dir, 'p6.sqlite');
    const shard = newShardId();
    // Create the shard (codecs recorded) before the children open it.
    const client = await PersistClient.openSandbox(path);
    await (await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string })).expire();
    await client.close();

    const opts = { exposeGc: true, timeoutMs: 15 * 60_000 };
    const base = await runChild<Growth>('child/p6-memory.ts', ['baseline', String(held)], opts);
    const builder = await runChild<Growth>('child/p6-memory.ts', ['builder', path, shard, String(n), ...extra], opts);
    ctx.log(
      `builder: ${n} updates at ${Math.round(builder.updatesPerSec ?? 0)}/s, ${builder.parts} parts, ` +
        `${((builder.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB encoded; peak RSS growth ${builder.growthMiB.toFixed(0)} MiB`,
    );
    const cursor = await runChild<Growth>('child/p6-memory.ts', ['cursor', path, shard, String(n), ...extra], opts);
    ctx.log(
      `cursor: ${n} updates at ${Math.round(cursor.updatesPerSec ?? 0)}/s in ${cursor.chunks} chunks; ` +
        `peak RSS growth ${cursor.growthMiB.toFixed(0)} MiB; baseline: ${held} updates as JS arrays hold ${base.growthMiB.toFixed(0)} MiB`,
    );
    const baseline = `RSS of ${held.toExponential(0).replace('+', '')} updates held as JS arrays`;
    return [
      result('P6-cursor-rss', cursor.growthMiB, 'MiB', baseline, base.growthMiB),
      result('P6-builder-rss', builder.growthMiB, 'MiB', baseline, base.growthMiB),
    ];
  },
};
export default bench;
