// The readable as_of of real shards as they move: written, compacted past (since), closed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { newShardId, PersistClient, readableAsOf } from '../index.js';
import { strings, tempDir } from '../testing/util.js';

let dir: { dir: string; cleanup: () => void };
let client: PersistClient;
beforeEach(async () => {
  dir = tempDir();
  client = await PersistClient.openSandbox(join(dir.dir, 'r.sqlite'), { compactionEnabled: false });
});
afterEach(async () => {
  await client.close();
  dir.cleanup();
});

describe('readableAsOf', () => {
  it('an empty shard has nothing to read by default, and no time is readable yet', async () => {
    const shard = newShardId();
    const w = await client.openWriter(shard, strings);
    const i = await client.inspectShard(shard);
    expect(readableAsOf(i)).toMatchObject({ ok: false, why: 'empty', asOf: null, upper: 0 });
    expect(readableAsOf(i, 0)).toMatchObject({ ok: false, why: 'not-yet', asOf: 0, upper: 0 });
    await w.expire();
  });

  it('is [since, upper): upper - 1 by default, a later time waits, an earlier one is compacted away', async () => {
    const shard = newShardId();
    const w = await client.openWriter(shard, strings);
    await w.compareAndAppend([['k', 'v', 3, 1]], [0], [5]);
    const r = await client.openLeasedReader(shard, strings);
    await r.downgradeSince([2]);
    const i = await client.inspectShard(shard);
    expect(readableAsOf(i)).toEqual({ ok: true, asOf: 4, since: 2, upper: 5 });
    expect(readableAsOf(i, 2)).toMatchObject({ ok: true, asOf: 2 });
    expect(readableAsOf(i, 5)).toMatchObject({ ok: false, why: 'not-yet', asOf: 5 });
    expect(readableAsOf(i, 1)).toMatchObject({ ok: false, why: 'compacted', asOf: 1, since: 2 });
    await r.expire();
    await w.expire();
  });

  it('a shard closed for writes reads by default at the last time its batches cover', async () => {
    const shard = newShardId();
    const w = await client.openWriter(shard, strings);
    await w.compareAndAppend([['k', 'v', 1, 1]], [0], [7]);
    await w.compareAndAppend([], [7], []);
    const i = await client.inspectShard(shard);
    expect(readableAsOf(i)).toMatchObject({ ok: true, asOf: 6, upper: null });
    expect(readableAsOf(i, 1000)).toMatchObject({ ok: true, asOf: 1000 });
    await w.expire();
  });
});
