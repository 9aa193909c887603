import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codecs, InvalidUsageError, newShardId, PersistClient, type Update } from './index.js';
import { memClient, sortUpdates, strings } from './testing/util.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

async function expectKind(p: Promise<unknown> | (() => unknown), kind: string): Promise<InvalidUsageError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidUsageError);
    expect((e as InvalidUsageError).kind).toBe(kind);
    return e as InvalidUsageError;
  }
  throw new Error(`expected InvalidUsageError ${kind}`);
}

describe('WriteHandle', () => {
  it('compareAndAppend succeeds only at the expected upper', async () => {
    const [w, r] = await client.open(newShardId(), strings);
    expect(w.upper()).toEqual([0]);
    expect(await w.compareAndAppend([['a', 'x', 1, 1]], [0], [3])).toEqual({ ok: true });
    expect(w.upper()).toEqual([3]);
    expect(await w.compareAndAppend([['b', 'y', 1, 1]], [0], [5])).toEqual({ ok: false, expected: [0], current: [3] });
    expect(await r.snapshotAndFetch([2])).toEqual([['a', 'x', 2, 1]]);
  });

  it('empty appends advance the upper without writing a batch, and [] closes the shard', async () => {
    const shard = newShardId();
    const [w] = await client.open(shard, strings);
    expect(await w.compareAndAppend([], [0], [10])).toEqual({ ok: true });
    let info = await client.inspectShard(shard);
    expect(info.upper).toEqual([10]);
    expect(info.batches).toHaveLength(0);
    expect(await w.compareAndAppend([], [10], [])).toEqual({ ok: true });
    info = await client.inspectShard(shard);
    expect(info.upper).toEqual([]);
    await expectKind(w.compareAndAppend([['a', 'b', 10, 1]], [], []), 'UpdateNotBeyondLower');
  });

  it('rejects bad updates and bounds with the documented kinds and leaves data intact', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['a', 'x', 0, 1]], [0], [1]);
    await expectKind(w.compareAndAppend([['a', 'x', -1, 1]], [1], [2]), 'InvalidTimestamp');
    await expectKind(w.compareAndAppend([['a', 'x', 1.5, 1]], [1], [2]), 'InvalidTimestamp');
    await expectKind(w.compareAndAppend([['a', 'x', 1, 0.5]], [1], [2]), 'InvalidDiff');
    await expectKind(w.compareAndAppend([['a', 'x', 2 ** 53, 1]], [1], [2]), 'InvalidTimestamp');
    await expectKind(w.compareAndAppend([['a', 'x', 0, 1]], [1], [2]), 'UpdateNotBeyondLower');
    await expectKind(w.compareAndAppend([['a', 'x', 2, 1]], [1], [2]), 'UpdateBeyondUpper');
    await expectKind(w.compareAndAppend([], [3], [2]), 'InvalidBounds');
    await expectKind(w.compareAndAppend([], [1, 2] as never, [2]), 'InvalidFrontier');
    await expectKind(w.compareAndAppend([[1 as never, 'x', 1, 1]], [1], [2]), 'InvalidArgument');
    const info = await client.inspectShard(shard);
    expect(info.upper).toEqual([1]);
    expect(await r.snapshotAndFetch([0])).toEqual([['a', 'x', 0, 1]]);
  });

  it('append cuts a batch to start at the shard upper, and is a no-op when the upper is past it', async () => {
    const shard = newShardId();
    const [w1, r] = await client.open(shard, strings);
    const w2 = await client.openWriter(shard, strings);
    const data: Update<string, string>[] = [
      ['a', '1', 0, 1],
      ['b', '2', 1, 1],
      ['c', '3', 2, 1],
    ];
    expect(await w1.append(data.slice(0, 2), [0], [2])).toEqual({ ok: true });
    // w2 writes the same data over [0, 3): only [2, 3) is new.
    expect(await w2.append(data, [0], [3])).toEqual({ ok: true });
    expect(sortUpdates(await r.snapshotAndFetch([2]))).toEqual([
      ['a', '1', 2, 1],
      ['b', '2', 2, 1],
      ['c', '3', 2, 1],
    ]);
    // Entirely behind the upper: nothing written.
    expect(await w1.append(data, [0], [3])).toEqual({ ok: true });
    expect((await client.inspectShard(shard)).upper).toEqual([3]);
    expect(await r.snapshotAndFetch([2])).toHaveLength(3);
    // Ahead of the upper: a mismatch.
    expect(await w1.append([['d', '4', 5, 1]], [4], [6])).toEqual({ ok: false, expected: [4], current: [3] });
  });

  it('moves batches between handles as transmittable data and appends several atomically', async () => {
    const shard = newShardId();
    const [w1, r] = await client.open(shard, strings);
    const w2 = await client.openWriter(shard, strings);
    const b1 = await w1.batch([['a', 'x', 0, 1]], [0], [5]);
    const b2 = await w1.batch([['b', 'y', 4, 1], ['c', 'z', 7, 1]], [0], [10]);
    const moved = [b1, b2].map((b) => w2.batchFromTransmittable(JSON.parse(JSON.stringify(b.toTransmittable()))));
    // b2 covers [0,10): appended with bounds [0,5) its update at 7 is dropped.
    expect(await w2.compareAndAppendBatch(moved, [0], [5])).toEqual({ ok: true });
    expect(sortUpdates(await r.snapshotAndFetch([4]))).toEqual([
      ['a', 'x', 4, 1],
      ['b', 'y', 4, 1],
    ]);
    await r.downgradeSince([0]);
    const info = await client.inspectShard(shard);
    expect(info.upper).toEqual([5]);
    expect(info.batches).toHaveLength(1);
  });

  it('rejects batches of another shard and batches that do not cover the append', async () => {
    const [wa] = await client.open(newShardId(), strings);
    const [wb] = await client.open(newShardId(), strings);
    const b = await wa.batch([['a', 'x', 1, 1]], [1], [3]);
    await expectKind(wb.compareAndAppendBatch([b], [0], [3]), 'BatchNotFromThisShard');
    await expectKind(() => wb.batchFromTransmittable(b.toTransmittable()), 'BatchNotFromThisShard');
    await expectKind(wa.compareAndAppendBatch([b], [0], [3]), 'InvalidBatchBounds');
    await expectKind(wa.compareAndAppendBatch([b], [1], [4]), 'InvalidBatchBounds');
    // After a failed append the caller still owns the batch and can append it properly.
    expect(await wa.compareAndAppendBatch([b], [1], [3])).toEqual({ ok: false, expected: [1], current: [0] });
    expect(await wa.compareAndAppend([], [0], [1])).toEqual({ ok: true });
    expect(await wa.compareAndAppendBatch([b], [1], [3])).toEqual({ ok: true });
  });

  it('splits big batches into parts of about the target size, in one sorted run', async () => {
    const small = await memClient({ blobTargetSizeBytes: 64 * 1024 });
    const shard = newShardId();
    const [w, r] = await small.open(shard, strings);
    const builder = w.builder([0]);
    const n = 20_000;
    for (let i = 0; i < n; i++) await builder.add(`key-${String(i).padStart(8, '0')}`, `v${i % 7}`, i % 100, 1);
    const batch = await builder.finish([100]);
    expect(batch.len).toBe(n);
    expect(await w.compareAndAppendBatch([batch], [0], [100])).toEqual({ ok: true });
    const info = await small.inspectShard(shard);
    expect(info.batches[0].parts.length).toBeGreaterThan(5);
    for (const p of info.batches[0].parts) expect(p.encodedSizeBytes).toBeLessThan(200 * 1024);
    const all = await r.snapshotAndFetch([99]);
    expect(all).toHaveLength(n);
    expect(all.reduce((s, u) => s + u[3], 0)).toBe(n);
    await small.close();
  });

  it('keeps a bounded number of runs however unsorted the input, by merging runs as it goes', async () => {
    const small = await memClient({ blobTargetSizeBytes: 8 * 1024 });
    const shard = newShardId();
    const [w, r] = await small.open(shard, strings);
    const builder = w.builder([0]);
    const n = 30_000;
    // Descending keys: every part sorts before the previous one, so each would be its own run.
    for (let i = n - 1; i >= 0; i--) await builder.add(`k${String(i).padStart(6, '0')}`, 'v', i % 10, 1);
    await builder.add('k000007', 'v', 7, -1); // cancels an update written many parts earlier
    const batch = await builder.finish([10]);
    expect(batch.toTransmittable().runs.length).toBeLessThanOrEqual(8);
    expect(batch.len).toBe(n - 1);
    expect(await w.compareAndAppendBatch([batch], [0], [10])).toEqual({ ok: true });
    const all = await r.snapshotAndFetch([9]);
    expect(all).toHaveLength(n - 1);
    // Merged-away parts were deleted: the blob holds only the batch's parts.
    const live = (await small.inspectShard(shard)).batches.flatMap((b) => b.parts.map((p) => p.key)).sort();
    expect((await small.storage.blob.list(`${shard}/part/`)).map((b) => b.key).sort()).toEqual(live);
    await small.close();
  });

  it('encodes non-ASCII strings and bytes into the builder exactly as their codecs do', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    const keys = ['plain', 'é', 'ümlaut-key', '日本語', 'emoji 😀', 'a\u0000b', ''];
    await w.compareAndAppend(keys.map((k, i) => [k, `v${k}`, i, 1] as const), [0], [keys.length]);
    const got = await r.snapshotAndFetch([keys.length - 1]);
    expect(got.map((u) => u[0]).sort()).toEqual([...keys].sort());
    for (const [k, v] of got) expect(v).toBe(`v${k}`);
    // Order is by encoded bytes, the same as sorting the codec's own encodings.
    const enc = new TextEncoder();
    const byBytes = [...keys].sort((a, b) => Buffer.compare(enc.encode(a), enc.encode(b)));
    expect(got.map((u) => u[0])).toEqual(byBytes);
    const [wb, rb] = await client.open(newShardId(), { keyCodec: codecs.bytes, valCodec: codecs.bytes });
    await wb.compareAndAppend([[new Uint8Array([3, 2, 1]), new Uint8Array(0), 0, 1]], [0], [1]);
    expect(await rb.snapshotAndFetch([0])).toEqual([[new Uint8Array([3, 2, 1]), new Uint8Array(0), 0, 1]]);
  });

  it('consolidates at write time and keeps tiny batches inline in state', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, { keyCodec: codecs.bytes, valCodec: codecs.unit });
    const k = new Uint8Array([0, 255, 1]);
    await w.compareAndAppend(
      [
        [k, null, 1, 2],
        [k, null, 1, -2],
        [k, null, 2, 5],
      ],
      [0],
      [3],
    );
    const info = await client.inspectShard(shard);
    expect(info.batches[0].len).toBe(1);
    expect(info.batches[0].parts[0].key.startsWith('inline:')).toBe(true);
    expect(await r.snapshotAndFetch([2])).toEqual([[k, null, 2, 5]]);
  });
});
