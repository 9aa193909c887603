import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newShardId, PersistClient, persistSink, type ReadHandle, type Update } from '../index.js';
import { memClient, sortUpdates, strings, tempDir } from '../testing/util.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  holders.clear();
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function client(): Promise<PersistClient> {
  const c = await memClient();
  cleanups.push(() => c.close());
  return c;
}

/** A sandbox file: there the workers write their parts over their own SQLite connections. */
async function sandbox(): Promise<PersistClient> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const c = await PersistClient.openSandbox(join(dir, 's.sqlite'));
  cleanups.push(() => c.close());
  return c;
}

const locations: [string, () => Promise<PersistClient>][] = [
  ['in memory (the parent uploads)', client],
  ['in a sandbox file (the workers upload)', sandbox],
];

type U = Update<string, string>;
const holders = new Map<string, ReadHandle<string, string>>();
/** Updates at original times up to asOf; a reader per shard, opened first, holds its since at [0]. */
async function contents(c: PersistClient, shard: string, asOf: number): Promise<U[]> {
  let holder = holders.get(shard);
  if (!holder) holders.set(shard, (holder = await c.openLeasedReader(shard, strings)));
  const r = await holder.clone('check');
  const out: U[] = [];
  const sub = await r.subscribe([0]);
  for (;;) {
    let done = false;
    for (const e of await sub.fetchNext()) {
      if (e.kind === 'updates') out.push(...e.updates.filter((u) => u[2] <= asOf));
      else if (!e.frontier.length || e.frontier[0] > asOf) done = true;
    }
    if (done) break;
  }
  await r.expire();
  return sortUpdates(out);
}

describe('persistSink', () => {
  it('writes through 2 workers and appends each description once; frontier follows advance', async () => {
    const c = await client();
    const shard = newShardId();
    const sink = await persistSink(c, shard, { ...strings, workers: 2 });
    cleanups.push(() => sink.close());
    expect(sink.frontier()).toEqual([0]);
    const data: U[] = Array.from({ length: 5000 }, (_, i) => [`k${i}`, `v${i % 7}`, i % 10, 1]);
    await sink.write(data);
    await sink.advance([10]);
    expect(sink.frontier()).toEqual([10]);
    expect((await c.inspectShard(shard)).upper).toEqual([10]);
    expect(await contents(c, shard, 9)).toEqual(sortUpdates(data));
    await sink.advance([5]); // not beyond the frontier: a no-op
    expect(sink.frontier()).toEqual([10]);
    await expect(sink.write([['late', 'x', 9, 1]])).rejects.toMatchObject({ kind: 'UpdateNotBeyondLower' });
    await expect(sink.write([['bad', 'x', 11, 0.5]])).rejects.toMatchObject({ kind: 'InvalidDiff' });
    // an empty description only moves the upper
    await sink.advance([12]);
    expect((await c.inspectShard(shard)).upper).toEqual([12]);
  });

  it.each(locations)('carries updates beyond an advance into later descriptions, also when parts straddle it: %s', async (_, open) => {
    const c = await open();
    const shard = newShardId();
    // A small bound makes the workers cut many parts before the advance, most holding both sides.
    const sink = await persistSink(c, shard, { ...strings, workers: 2, memoryBoundBytes: 1 << 20 });
    cleanups.push(() => sink.close());
    holders.set(shard, await c.openLeasedReader(shard, strings));
    const data: U[] = Array.from({ length: 60_000 }, (_, i) => [`key-${i}`, 'x'.repeat(20), (i * 7) % 30, 1]);
    await sink.write(data);
    await sink.advance([10]);
    expect(await contents(c, shard, 9)).toEqual(sortUpdates(data.filter((u) => u[2] < 10)));
    await sink.advance([20]);
    expect(await contents(c, shard, 19)).toEqual(sortUpdates(data.filter((u) => u[2] < 20)));
    await sink.advance([30]);
    expect(await contents(c, shard, 29)).toEqual(sortUpdates(data));
    expect(sink.frontier()).toEqual([30]);
  });

  it.each(locations)('several sinks writing identical data land it once: %s', async (_, open) => {
    const c = await open();
    const shard = newShardId();
    const a = await persistSink(c, shard, { ...strings, workers: 2 });
    const b = await persistSink(c, shard, { ...strings, workers: 1 });
    cleanups.push(() => a.close(), () => b.close());
    const data: U[] = Array.from({ length: 3000 }, (_, i) => [`k${i}`, 'v', i % 20, 1]);
    await a.write(data);
    await a.advance([10]);
    await b.write(data);
    await b.advance([20]); // [0, 10) is already there: cut to the shard upper
    await a.advance([20]); // all of it is there: a no-op
    await b.advance([25]);
    expect((await c.inspectShard(shard)).upper).toEqual([25]);
    expect(await contents(c, shard, 24)).toEqual(sortUpdates(data));
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
  });

  it('stays within its memory bound however much is written before an advance', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const c = await PersistClient.openSandbox(join(dir, 's.sqlite'));
    cleanups.push(() => c.close());
    const shard = newShardId();
    const bound = 1 << 20;
    const sink = await persistSink(c, shard, { ...strings, workers: 2, memoryBoundBytes: bound });
    cleanups.push(() => sink.close());
    const n = 200_000;
    function* gen(): Generator<U> {
      for (let i = 0; i < n; i++) yield [`k${String(i).padStart(8, '0')}`, 'v'.repeat(16), 0, 1];
    }
    await sink.write(gen());
    await sink.advance([1]);
    expect((sink as unknown as { peak: number }).peak).toBeLessThanOrEqual(bound + 256);
    const info = await c.inspectShard(shard);
    expect(info.stats.updates).toBe(n);
  });

  it('routes rows larger than a chunk, and keys and values of every length, to the shard intact', async () => {
    const c = await sandbox();
    const shard = newShardId();
    // A 1 MiB bound makes chunks of 64 KiB: the large values travel in buffers of their own.
    const sink = await persistSink(c, shard, { ...strings, workers: 2, memoryBoundBytes: 1 << 20 });
    cleanups.push(() => sink.close());
    const data: U[] = [
      ...Array.from({ length: 2000 }, (_, i): U => [`${i}:${'k'.repeat(i % 70)}`, 'é'.repeat(i % 5), i % 3, 1]),
      ...Array.from({ length: 6 }, (_, i): U => [`big${i}`, String(i).repeat(100_000 + i), 1, 2]),
      ['', '', 0, -3],
    ];
    await sink.write(data);
    await sink.advance([3]);
    expect(await contents(c, shard, 2)).toEqual(sortUpdates(data));
  });

  it('rejects bad options with clear errors', async () => {
    const c = await client();
    await expect(persistSink(c, newShardId(), { ...strings, workers: 0 })).rejects.toThrow(/workers must be an integer/);
    await expect(persistSink(c, newShardId(), { ...strings, memoryBoundBytes: 10 })).rejects.toThrow(/memoryBoundBytes/);
  });
});
