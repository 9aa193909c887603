// Garbage collection under concurrency and storage outages: GCs of one shard racing each other
// (in one client or several) never fail, and an outage between deleting blobs and truncating
// consensus leaves only what the next GC finishes.
import { describe, expect, it } from 'vitest';
import {
  InvalidUsageError,
  LocationError,
  MemBlob,
  MemConsensus,
  newShardId,
  PersistClient,
  UnreliableBlob,
  type Blob,
} from './index.js';
import { join } from 'node:path';
import { memLocation, strings, tempDir } from './testing/util.js';
import { useQuickRetries } from './testing/retry.test-util.js';

useQuickRetries({ initialDelayMs: 1, maxDelayMs: 5, totalMs: 50 });

/** Every retained version of the shard is inspectable; the one before the earliest is truncated. */
async function checkRetained(c: PersistClient, shard: string): Promise<void> {
  const head = await c.inspectShard(shard);
  const earliest = (await c.storage.consensus.scan(shard, 0, 1))[0].seqno;
  for (let s = earliest; s <= head.seqno; s++) expect((await c.inspectShard(shard, { seqno: s })).seqno).toBe(s);
  if (earliest > 1) {
    const err = await c.inspectShard(shard, { seqno: earliest - 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidUsageError);
    expect(err.kind).toBe('SeqnoTruncated');
  }
}

const locations: [string, () => { open: () => Promise<PersistClient>; cleanup: () => void }][] = [
  ['mem', () => {
    const loc = memLocation();
    return { open: () => PersistClient.open(loc, config), cleanup: () => undefined };
  }],
  ['a sandbox file', () => {
    const tmp = tempDir();
    return { open: () => PersistClient.openSandbox(join(tmp.dir, 'gc.sqlite'), config), cleanup: tmp.cleanup };
  }],
];
const config = { inlineWritesMaxBytes: 0, rollupThreshold: 4, blobTargetSizeBytes: 1024 };

describe.each(locations)('concurrent garbage collection on %s', (_, location) => {
  it('GCs of one shard from one or two clients, forced and background, never fail nor lose data', async () => {
    const { open, cleanup } = location();
    const a = await open();
    const b = await open();
    const shard = newShardId();
    const [w, r] = await a.open(shard, strings);
    const rb = await b.openLeasedReader(shard, strings);
    const failures: unknown[] = [];
    const gc = (c: PersistClient) => c.admin.forceGc(shard).catch((e) => void failures.push(e));
    /** after n turns of the event loop: GCs a moment apart, each at a different step of the other */
    const after = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((res) => setImmediate(res));
    };
    let t = 0;
    for (let round = 0; round < Number(process.env.GC_ROUNDS ?? 40); round++) {
      for (let i = 0; i < 3; i++, t++) await w.compareAndAppend([[`k${t}`, 'v'.repeat(40), t, 1]], [t], [t + 1]);
      // Readers move on so that there is something to collect each round (a background GC starts too).
      // GC_ROUNDS=N runs more rounds.
      await r.downgradeSince([t - 1]);
      await rb.downgradeSince([t - 1]);
      await Promise.all([gc(a), after(round % 7).then(() => gc(b)), after(round % 5).then(() => gc(a)), after(round % 11).then(() => gc(b))]);
    }
    await a.idle(shard);
    expect(failures).toEqual([]);
    expect((await rb.snapshotAndFetch([t - 1])).length).toBe(t);
    expect((await r.snapshotAndFetch([t - 1])).length).toBe(t);
    await checkRetained(a, shard);
    await checkRetained(b, shard);
    expect((await a.storage.consensus.scan(shard, 0, 10_000)).length).toBeLessThan(40);
    expect(await b.admin.unreferencedBlobs()).toEqual([]);
    await a.close();
    await b.close();
    cleanup();
  });
});

/** Blob storage whose deletes fail while `failRate` is 1, as during an S3 outage that began after GC read its inputs. */
class DeleteOutageBlob extends UnreliableBlob {
  constructor(readonly store: Blob) {
    super(store, { failRate: 0, indeterminateRate: 0 });
  }
  override get(key: string) {
    return this.store.get(key);
  }
  override set(key: string, value: Uint8Array) {
    return this.store.set(key, value);
  }
  override list(prefix: string) {
    return this.store.list(prefix);
  }
}

describe('garbage collection order', () => {
  it('deletes blobs before truncating: an outage in between leaks nothing once the next GC runs', async () => {
    const blob = new DeleteOutageBlob(new MemBlob());
    const c = PersistClient.openWith(
      { consensus: new MemConsensus(), blob },
      { compactionEnabled: false, inlineWritesMaxBytes: 0, rollupThreshold: 1000 },
    );
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 20; t++) await w.compareAndAppend([[`k${t}`, 'v'.repeat(40), t, 1]], [t], [t + 1]);
    await c.admin.forceCompaction(shard); // the 20 appended parts are now referenced by old versions only
    await r.downgradeSince([19]);
    const partsBefore = (await blob.store.list(`${shard}/`)).length;
    blob.failRate = 1;
    const err = await c.admin.forceGc(shard).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    blob.failRate = 0;
    // Nothing was truncated: the versions that reference the doomed parts are still there for the next GC.
    await checkRetained(c, shard);
    const res = await c.admin.forceGc(shard);
    expect(res.deletedBlobs).toBeGreaterThanOrEqual(20);
    expect(res.truncatedVersions).toBeGreaterThan(0);
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
    expect((await blob.store.list(`${shard}/`)).length).toBeLessThanOrEqual(partsBefore - 20 + 1);
    expect((await r.snapshotAndFetch([19])).length).toBe(20);
    await checkRetained(c, shard);
    await c.close();
  });
});

describe('background garbage collection of a shard written by appends alone', () => {
  it('keeps the retained versions bounded, every blob referenced and every update readable', async () => {
    const c = await PersistClient.open(memLocation(), { compactionEnabled: false, inlineWritesMaxBytes: 0, rollupThreshold: 8 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 120; t++) {
      await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      if (t % 10 === 9) await r.downgradeSince([t]);
    }
    await c.idle(shard);
    // No forced GC: what a version called for (rollups, then GC to the newest of them) did this.
    const versions = (await c.storage.consensus.scan(shard, 0, 10_000)).length;
    expect(versions).toBeLessThan(60);
    await checkRetained(c, shard);
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
    expect((await r.snapshotAndFetch([119])).length).toBe(120);
    await c.close();
  });
});

describe('garbage collection of batches compacted after an earlier GC', () => {
  it('deletes the parts of batches added below the earliest retained version', async () => {
    const blob = new MemBlob();
    const c = PersistClient.openWith({ consensus: new MemConsensus(), blob }, { compactionEnabled: false, inlineWritesMaxBytes: 0, rollupThreshold: 1000 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < 20; t++) await w.compareAndAppend([[`k${t}`, 'v'.repeat(40), t, 1]], [t], [t + 1]);
    await r.downgradeSince([19]);
    // Truncates below the versions that added the 20 batches: no retained diff names their parts.
    expect((await c.admin.forceGc(shard)).truncatedVersions).toBeGreaterThan(20);
    await c.admin.forceCompaction(shard);
    await r.downgradeSince([19]);
    const before = (await blob.list(`${shard}/part/`)).length;
    const res = await c.admin.forceGc(shard);
    expect(res.deletedBlobs).toBeGreaterThanOrEqual(20);
    expect((await blob.list(`${shard}/part/`)).length).toBe(before - 20);
    expect(await c.admin.unreferencedBlobs()).toEqual([]);
    expect((await r.snapshotAndFetch([19])).length).toBe(20);
    await checkRetained(c, shard);
    await c.close();
  });
});
