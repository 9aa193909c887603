import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newShardId, PersistClient, type ListenEvent } from '../index.js';
import { memClient, sortUpdates, strings } from '../testing/util.js';
import { MIN_INLINE_MERGE_INPUTS, MIN_MERGE_INPUTS } from './spine.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

describe('compaction', () => {
  it('keeps the batch count logarithmic in the number of appends', async () => {
    const shard = newShardId();
    const [w] = await client.open(shard, strings);
    let most = 0;
    for (let t = 0; t < 300; t++) {
      await w.compareAndAppend([[`k${t % 37}`, 'v', t, 1]], [t], [t + 1]);
      await client.idle(shard);
      most = Math.max(most, (await client.inspectShard(shard)).batches.length);
    }
    // One batch per level, plus the tail of small ones waiting to be worth a merge (a longer one
    // while they are all inline in state).
    expect(most).toBeLessThanOrEqual(Math.ceil(Math.log2(300)) + Math.max(MIN_MERGE_INPUTS, MIN_INLINE_MERGE_INPUTS));
    const info = await client.inspectShard(shard);
    expect(Math.max(...info.batches.map((b) => b.level))).toBeGreaterThan(3);
  });

  it('merges tiny inline batches whose updates cancel once advanced to the since into nothing', async () => {
    const c = await memClient({ compactionEnabled: false });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 20; t++) await w.compareAndAppend([['k', 'v', t, t % 2 === 0 ? 1 : -1]], [t], [t + 1]);
    await w.compareAndAppend([['kept', 'v', 20, 2]], [20], [21]);
    await r.downgradeSince([20]);
    const res = await c.admin.forceCompaction(shard);
    expect(res.before).toBe(21);
    expect(res.after).toBe(1);
    expect(sortUpdates(await r.snapshotAndFetch([20]))).toEqual([['kept', 'v', 20, 2]]);
    await c.close();
  });

  it('never changes what a snapshot at or after the since, or a listen, sees', async () => {
    const c = await memClient({ compactionEnabled: false });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    const listener = await c.openLeasedReader(shard, strings);
    const listen = await listener.listen([0]);
    for (let t = 0; t < 40; t++) {
      await w.compareAndAppend([[`k${t % 5}`, `v${t % 3}`, t, t % 4 === 0 ? -1 : 1]], [t], [t + 1]);
    }
    await r.downgradeSince([20]);
    const before = await Promise.all([20, 25, 39].map((t) => r.snapshotAndFetch([t]).then(sortUpdates)));
    const seenBefore: ListenEvent<string, string>[] = [];
    while (!seenBefore.some((e) => e.kind === 'progress' && e.frontier[0] === 17)) {
      seenBefore.push(...(await listen.fetchNext()));
      if (seenBefore.some((e) => e.kind === 'progress' && (e.frontier[0] as number) >= 17)) break;
    }
    const res = await c.admin.forceCompaction(shard);
    expect(res.before).toBe(40);
    expect(res.after).toBe(1);
    const after = await Promise.all([20, 25, 39].map((t) => r.snapshotAndFetch([t]).then(sortUpdates)));
    expect(after).toEqual(before);
    for (let t = 40; t < 45; t++) await w.compareAndAppend([[`k${t % 5}`, 'late', t, 1]], [t], [t + 1]);
    const events = [...seenBefore];
    while (!events.some((e) => e.kind === 'progress' && e.frontier[0] === 45)) events.push(...(await listen.fetchNext()));
    const seen = events.flatMap((e) => (e.kind === 'updates' ? e.updates : []));
    // Each update exactly once, at its original time (the listen holds its since behind its frontier).
    const expected = [];
    for (let t = 1; t < 40; t++) expected.push([`k${t % 5}`, `v${t % 3}`, t, t % 4 === 0 ? -1 : 1]);
    for (let t = 40; t < 45; t++) expected.push([`k${t % 5}`, 'late', t, 1]);
    expect(sortUpdates(seen)).toEqual(sortUpdates(expected));
    await c.close();
  });

  it('a held-back since keeps times distinct through forceCompaction', async () => {
    const c = await memClient({ compactionEnabled: false });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 10; t++) await w.compareAndAppend([['k', 'v', t, 1]], [t], [t + 1]);
    await c.admin.forceCompaction(shard);
    // since is still [0]: every time survives, so every snapshot time is still answerable.
    for (let t = 0; t < 10; t++) expect(await r.snapshotAndFetch([t])).toEqual([['k', 'v', t, t + 1]]);
    await r.downgradeSince([6]);
    await c.admin.forceCompaction(shard); // a single batch: nothing to merge
    await w.compareAndAppend([['k', 'v', 10, 1]], [10], [11]);
    await c.admin.forceCompaction(shard);
    const info = await c.inspectShard(shard);
    expect(info.batches).toHaveLength(1);
    expect(info.batches[0].since).toEqual([6]);
    // Times before the since collapsed to it; later ones stayed apart.
    expect(info.batches[0].len).toBe(5);
    expect(await r.snapshotAndFetch([8])).toEqual([['k', 'v', 8, 9]]);
    await c.close();
  });

  it('merges big inputs in a worker thread, reporting progress, with identical results', async () => {
    const c = await memClient({ compactionEnabled: false, blobTargetSizeBytes: 256 * 1024 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let b = 0; b < 4; b++) {
      const updates = Array.from({ length: 20_000 }, (_, i) => [`key-${(i * 7 + b) % 30_000}`, 'x'.repeat(20), b, 1] as const);
      await w.compareAndAppend(updates, [b], [b + 1]);
    }
    const before = sortUpdates(await r.snapshotAndFetch([3]));
    const progress: number[] = [];
    const res = await c.admin.forceCompaction(shard, { onProgress: (p) => progress.push(p.rowsOut) });
    expect(res).toEqual({ before: 4, after: 1 });
    expect(progress.length).toBeGreaterThan(1);
    expect(sortUpdates(await r.snapshotAndFetch([3]))).toEqual(before);
    await c.close();
  });

  it('a cancelled compaction stops, deletes what it wrote and leaves the shard as it was', async () => {
    const c = await memClient({ compactionEnabled: false, blobTargetSizeBytes: 128 * 1024 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let b = 0; b < 4; b++) {
      const updates = Array.from({ length: 20_000 }, (_, i) => [`key-${(i * 7 + b) % 30_000}`, 'x'.repeat(20), b, 1] as const);
      await w.compareAndAppend(updates, [b], [b + 1]);
    }
    const partsBefore = (await c.storage.blob.list(`${shard}/part/`)).length;
    const ac = new AbortController();
    const res = c.admin.forceCompaction(shard, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.rowsOut > 0) ac.abort();
      },
    });
    await expect(res).rejects.toThrow(/cancelled/);
    expect((await c.inspectShard(shard)).batches).toHaveLength(4);
    expect((await c.storage.blob.list(`${shard}/part/`)).length).toBe(partsBefore);
    expect((await r.snapshotAndFetch([3])).length).toBe(30_000);
    await c.close();
  });
});

describe('garbage collection', () => {
  it('truncates old versions and deletes replaced parts, never a part leased to an open snapshot', async () => {
    const c = await memClient({ compactionEnabled: false, blobTargetSizeBytes: 1024, inlineWritesMaxBytes: 0 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 8; t++) await w.compareAndAppend([[`k${t}`, 'v'.repeat(50), t, 1]], [t], [t + 1]);
    const leased = await r.snapshot([7]);
    expect(leased.length).toBe(8);
    await c.admin.forceCompaction(shard);
    const gc1 = await c.admin.forceGc(shard);
    // The reader holds the version its parts came from: nothing it leased may go.
    const fetched = (await Promise.all(leased.map((p) => r.fetchPart(p)))).flat();
    expect(fetched).toHaveLength(8);
    await r.downgradeSince([7]); // heartbeat: no leases out any more
    const gc2 = await c.admin.forceGc(shard);
    expect(gc1.deletedBlobs + gc2.deletedBlobs).toBeGreaterThanOrEqual(8);
    expect(gc2.truncatedVersions).toBeGreaterThan(0);
    const info = await c.inspectShard(shard);
    await expect(c.inspectShard(shard, { seqno: 2 })).rejects.toThrow(/truncated/);
    expect((await r.snapshotAndFetch([7])).length).toBe(8);
    // Every part the latest state references is still there; nothing else of this shard is.
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
    // The earliest retained version is the one the reader still holds.
    expect((await c.inspectShard(shard, { seqno: info.stats.seqnoSince })).seqno).toBe(info.stats.seqnoSince);
    await expect(c.inspectShard(shard, { seqno: info.stats.seqnoSince - 1 })).rejects.toThrow(/truncated/);
    await c.close();
  });

  it('runs in the background as a shard gains versions, keeping consensus and blob bounded', async () => {
    const c = await memClient({ rollupThreshold: 16, inlineWritesMaxBytes: 0 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 200; t++) {
      await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      if (t % 20 === 0) await r.downgradeSince([t]); // the reader heartbeats: it holds nothing old
    }
    await c.idle(shard);
    await c.idle();
    const versions = await c.storage.consensus.scan(shard, 0, 10_000);
    const info = await c.inspectShard(shard);
    expect(info.seqno).toBeGreaterThan(200);
    expect(versions.length).toBeLessThan(100);
    // Blobs: the live parts, a few rollups and parts awaiting the next GC; not one per append ever written.
    const blobs = await c.storage.blob.list(`${shard}/`);
    expect(blobs.length).toBeLessThan(100);
    expect((await r.snapshotAndFetch([199])).length).toBe(200);
    await c.close();
  });

  it('lists parts a writer uploaded but never appended as unreferenced', async () => {
    const c = await memClient({ inlineWritesMaxBytes: 0 });
    const shard = newShardId();
    const [w] = await c.open(shard, strings);
    await w.compareAndAppend([['a', 'b', 0, 1]], [0], [1]);
    const orphan = await w.batch([['x', 'y', 1, 1]], [1], [2]);
    const keys = orphan.toTransmittable().runs.flat().map((p) => p.key);
    expect(await c.admin.unreferencedBlobs()).toEqual(keys);
    // Young parts may belong to a writer about to append them: spared when asked.
    expect(await c.admin.deleteUnreferencedBlobs(keys, { minAgeMs: 60_000 })).toEqual([]);
    const referenced = (await c.inspectShard(shard)).batches[0].parts[0].key;
    expect(await c.admin.deleteUnreferencedBlobs([...keys, referenced])).toEqual(keys);
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
    expect(await (await c.openLeasedReader(shard, strings)).snapshotAndFetch([0])).toEqual([['a', 'b', 0, 1]]);
    await orphan.delete();
    await c.close();
  });

  it('finalizes only a shard with since = upper = [], then deletes its data', async () => {
    const c = await memClient({ inlineWritesMaxBytes: 0 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    await w.compareAndAppend([['a', 'b', 0, 1]], [0], [1]);
    await expect(c.admin.finalizeShard(shard)).rejects.toThrow(/needs since = upper = \[\]/);
    await w.compareAndAppend([], [1], []);
    await r.downgradeSince([]);
    await c.admin.finalizeShard(shard);
    const info = await c.inspectShard(shard);
    expect(info.batches).toEqual([]);
    expect((await c.storage.blob.list(`${shard}/part/`)).length).toBe(0);
    await c.close();
  });
});
