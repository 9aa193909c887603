// The Live tab's listen must not move the shard's since (issue 10.1): an explorer never changes
// what it explores. Checked against the engine's own listen, which does move it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newShardId, type PersistClient } from '../../engine/index.js';
import { memClient, strings } from '../../engine/testing/util.js';
import { startLive } from './live.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

async function appendAndFollow(listened: () => Promise<number>, w: Awaited<ReturnType<PersistClient['open']>>[0], from: number, n: number): Promise<void> {
  for (let t = from; t < from + n; t++) {
    await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    await expect.poll(listened).toBeGreaterThanOrEqual(t + 1);
  }
}

describe('startLive', () => {
  it('holds its reader at the since it started with while it follows appends, and expires it on stop', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['a', 'v', 0, 1]], [0], [1]);
    let frontier = 1;
    const stop = await startLive(r as never, [1], { key: 'string', val: 'string' }, (b) => (frontier = b.frontier ?? frontier), () => undefined);
    await appendAndFollow(async () => frontier, w, 1, 4);
    await new Promise((res) => setTimeout(res, 1200)); // past the engine listen's since-downgrade interval
    await appendAndFollow(async () => frontier, w, 5, 2);
    expect((await client.inspectShard(shard)).since).toEqual([0]);
    stop();
    await expect.poll(async () => (await client.inspectShard(shard)).leasedReaders.length).toBe(0);
    expect((await client.inspectShard(shard)).since).toEqual([0]);
  });

  it('the engine listen without holdSince does move the since (what the app must not do)', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['a', 'v', 0, 1]], [0], [1]);
    const listen = await r.listen([0]);
    let seen = 0;
    const follow = (async () => {
      while (seen < 6) for (const e of await listen.fetchNext()) if (e.kind === 'progress') seen = e.frontier[0] ?? Infinity;
    })();
    await appendAndFollow(async () => seen, w, 1, 2);
    await new Promise((res) => setTimeout(res, 1200));
    await appendAndFollow(async () => seen, w, 3, 3);
    await follow;
    await expect.poll(async () => (await client.inspectShard(shard)).since[0]).toBeGreaterThan(0);
    await listen.expire();
  });
});
