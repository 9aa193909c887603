// Compaction of big inputs runs in a worker thread: what goes wrong there must reach the caller as
// the same engine error, with the same key, as on the main thread.
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptDataError, LocationError, MemBlob, MemConsensus, newShardId, PersistClient } from '../index.js';
import { configureRetry, type RetryOptions } from '../location/retry.js';
import type { Blob } from '../location/types.js';
import { strings } from '../testing/util.js';

const closers: (() => Promise<void>)[] = [];
let retry: RetryOptions | null = null;
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  if (retry) configureRetry(retry);
  retry = null;
});

/** A blob that fails every get of the keys in `failing` with a LocationError. */
class FailingGets implements Blob {
  readonly failing = new Set<string>();
  constructor(readonly inner: Blob) {}
  get(key: string) {
    if (this.failing.has(key)) return Promise.reject(new LocationError(`get ${key}: storage unavailable`, true));
    return this.inner.get(key);
  }
  set(key: string, value: Uint8Array) {
    return this.inner.set(key, value);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  close() {
    return this.inner.close();
  }
}

/** A shard of four batches of blob parts, together well over the 1 MiB at which compaction moves to a worker. */
async function bigShard() {
  const blob = new FailingGets(new MemBlob());
  const c = PersistClient.openWith({ consensus: new MemConsensus(), blob }, { compactionEnabled: false, blobTargetSizeBytes: 256 * 1024 });
  closers.push(() => c.close());
  const shard = newShardId();
  const [w, r] = await c.open(shard, strings);
  for (let b = 0; b < 4; b++) {
    const updates = Array.from({ length: 12_000 }, (_, i) => [`key-${(i * 7 + b) % 20_000}`, 'x'.repeat(24), b, 1] as const);
    await w.compareAndAppend(updates, [b], [b + 1]);
  }
  const info = await c.inspectShard(shard);
  const bytes = info.batches.flatMap((b) => b.parts).reduce((n, p) => n + p.encodedSizeBytes, 0);
  expect(bytes).toBeGreaterThan(1 << 20);
  const keys = info.batches.map((b) => b.parts[0].key);
  return { c, blob, shard, r, keys };
}

async function compactionError(c: PersistClient, shard: string): Promise<Error> {
  return c.admin.forceCompaction(shard).then(
    () => {
      throw new Error('expected the compaction to fail');
    },
    (e: Error) => e,
  );
}

describe('worker-thread compaction errors', () => {
  it('a part stored under another part\'s key is CorruptDataError naming the key', async () => {
    const { c, blob, shard, r, keys } = await bigShard();
    const before = (await r.snapshotAndFetch([3])).length;
    const original = (await blob.get(keys[2]))!;
    await blob.set(keys[2], (await blob.get(keys[1]))!);
    const err = await compactionError(c, shard);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).key).toBe(keys[2]);
    expect(err.message).toContain(keys[2]);
    expect(err.message).toContain('wrong key');
    // Nothing changed: the shard reads as before once the bytes are put back.
    await blob.set(keys[2], original);
    expect((await c.inspectShard(shard)).batches).toHaveLength(4);
    expect((await r.snapshotAndFetch([3])).length).toBe(before);
  });

  it('a part missing from blob (found by the parent) is CorruptDataError naming the key', async () => {
    const { c, blob, shard, keys } = await bigShard();
    await blob.delete(keys[3]);
    const err = await compactionError(c, shard);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).key).toBe(keys[3]);
    expect(err.message).toBe(`corrupt data at ${keys[3]}: part is referenced by state but missing from blob`);
  });

  it('a flipped byte in a part is CorruptDataError naming the key', async () => {
    const { c, blob, shard, keys } = await bigShard();
    const bad = (await blob.get(keys[0]))!.slice();
    bad[bad.length - 100] ^= 0x10;
    await blob.set(keys[0], bad);
    const err = await compactionError(c, shard);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).key).toBe(keys[0]);
  });

  it('a storage failure stays a LocationError with its determinacy', async () => {
    const { c, blob, shard, keys } = await bigShard();
    retry = configureRetry({ totalMs: 30 });
    blob.failing.add(keys[1]);
    const err = await compactionError(c, shard);
    expect(err).toBeInstanceOf(LocationError);
    expect((err as LocationError).determinate).toBe(true);
    expect(err.message).toContain(keys[1]);
  });
});

// The process keeps a compaction worker warm between jobs (of any client); what one job leaves behind (a failure,
// a cancel) must not reach the next.
describe('a reused compaction worker', () => {
  it('compacts correctly after a job that failed', async () => {
    const { c, blob, shard, r, keys } = await bigShard();
    const before = await r.snapshotAndFetch([3]);
    const original = (await blob.get(keys[1]))!;
    await blob.delete(keys[1]);
    expect(await compactionError(c, shard)).toBeInstanceOf(CorruptDataError);
    await blob.set(keys[1], original);
    expect(await c.admin.forceCompaction(shard)).toEqual({ before: 4, after: 1 });
    expect(await r.snapshotAndFetch([3])).toEqual(before);
  });

  it('is not stopped by a cancel of the job before', async () => {
    const { c, shard, r } = await bigShard();
    const before = await r.snapshotAndFetch([3]);
    const ac = new AbortController();
    const err = await c.admin
      .forceCompaction(shard, { signal: ac.signal, onProgress: () => ac.abort() })
      .then(() => null, (e: Error) => e);
    expect(err?.message).toBe('compaction cancelled');
    const left = (await c.inspectShard(shard)).batches.length;
    expect(left).toBeGreaterThan(1);
    expect(await c.admin.forceCompaction(shard)).toEqual({ before: left, after: 1 });
    expect(await r.snapshotAndFetch([3])).toEqual(before);
  });

  it('runs the jobs of two clients side by side', async () => {
    const [a, b] = [await bigShard(), await bigShard()];
    const [sa, sb] = [await a.r.snapshotAndFetch([3]), await b.r.snapshotAndFetch([3])];
    const res = await Promise.all([a.c.admin.forceCompaction(a.shard), b.c.admin.forceCompaction(b.shard)]);
    expect(res).toEqual([{ before: 4, after: 1 }, { before: 4, after: 1 }]);
    expect(await a.r.snapshotAndFetch([3])).toEqual(sa);
    expect(await b.r.snapshotAndFetch([3])).toEqual(sb);
  });
});
