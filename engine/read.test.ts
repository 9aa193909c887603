import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  codecs,
  InvalidUsageError,
  LeaseExpiredError,
  newCriticalReaderId,
  newShardId,
  PersistClient,
  SinceError,
} from './index.js';
import { manualClock, memClient, memLocation, sortUpdates, strings } from './testing/util.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

describe('ReadHandle', () => {
  it('snapshots hold every update at or before as_of, advanced to it and consolidated', async () => {
    const [w, r] = await client.open(newShardId(), strings);
    await w.compareAndAppend([['a', 'x', 0, 1], ['b', 'y', 1, 1]], [0], [2]);
    await w.compareAndAppend([['a', 'x', 2, 1], ['b', 'y', 3, -1], ['c', 'z', 4, 1]], [2], [5]);
    expect(sortUpdates(await r.snapshotAndFetch([0]))).toEqual([['a', 'x', 0, 1]]);
    expect(sortUpdates(await r.snapshotAndFetch([3]))).toEqual([['a', 'x', 3, 2]]);
    expect(sortUpdates(await r.snapshotAndFetch([4]))).toEqual([['a', 'x', 4, 2], ['c', 'z', 4, 1]]);
    // snapshot + fetchPart returns the same data, part by part.
    const parts = await r.snapshot([4]);
    const fetched = (await Promise.all(parts.map((p) => r.fetchPart(p)))).flat();
    const sums = new Map<string, number>();
    for (const [k, v, t, d] of fetched) sums.set(`${k}/${v}/${t}`, (sums.get(`${k}/${v}/${t}`) ?? 0) + d);
    expect([...sums].filter(([, d]) => d !== 0).sort()).toEqual([['a/x/4', 2], ['c/z/4', 1]]);
    // A part's lease is returned by fetching it: a second fetch is refused.
    await expect(r.fetchPart(parts[0])).rejects.toThrow(InvalidUsageError);
  });

  it('snapshotCursor and snapshotAndStream agree with snapshotAndFetch', async () => {
    // Compaction off: the 4 batches stay several parts for snapshotAndFetch to merge.
    const small = await memClient({ blobTargetSizeBytes: 16 * 1024, compactionEnabled: false });
    const [w, r] = await small.open(newShardId(), strings);
    // What the snapshot at 35 must hold, summed here rather than by the engine.
    const want = new Map<string, number>();
    for (let b = 0; b < 4; b++) {
      const updates = Array.from({ length: 3000 }, (_, i) => [`k${(i * 7919) % 1000}`, `v${i % 3}`, b * 10 + (i % 10), 1] as const);
      await w.compareAndAppend(updates, [b * 10], [b * 10 + 10]);
      for (const [k, v, t, d] of updates) if (t <= 35) want.set(`${k}|${v}`, (want.get(`${k}|${v}`) ?? 0) + d);
    }
    const expected = sortUpdates(await r.snapshotAndFetch([35]));
    // Several parts: snapshotAndFetch merges them streaming, consolidated across them all.
    expect((await r.snapshot([35])).length).toBeGreaterThan(4);
    expect(expected).toEqual(sortUpdates([...want].map(([kv, d]) => [...kv.split('|'), 35, d] as const)));
    const chunks: (readonly [string, string, number, number])[] = [];
    for await (const c of r.snapshotCursor([35])) chunks.push(...c);
    expect(sortUpdates(chunks)).toEqual(expected);
    const streamed = new Map<string, number>();
    for await (const [k, v, t, d] of r.snapshotAndStream([35])) {
      expect(t).toBe(35);
      streamed.set(`${k}|${v}`, (streamed.get(`${k}|${v}`) ?? 0) + d);
    }
    expect(sortUpdates([...streamed].map(([kv, d]) => [...kv.split('|'), 35, d] as const))).toEqual(expected);
    await small.close();
  });

  it('waits for the upper to pass as_of before answering a snapshot', async () => {
    const [w, r] = await client.open(newShardId(), strings);
    let done = false;
    const p = r.snapshotAndFetch([5]).then((u) => {
      done = true;
      return u;
    });
    await w.compareAndAppend([['a', 'x', 1, 1]], [0], [5]);
    await new Promise((res) => setTimeout(res, 20));
    expect(done).toBe(false);
    await w.compareAndAppend([['b', 'x', 5, 1]], [5], [6]);
    expect(sortUpdates(await p)).toEqual([['a', 'x', 5, 1], ['b', 'x', 5, 1]]);
  });

  it('rejects reads before the since with SinceError carrying the since', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['a', 'x', 1, 1]], [0], [10]);
    await r.downgradeSince([5]);
    expect(r.since()).toEqual([5]);
    const err = await r.snapshotAndFetch([4]).catch((e) => e);
    expect(err).toBeInstanceOf(SinceError);
    expect(err.since).toEqual([5]);
    await expect(r.listen([3])).rejects.toBeInstanceOf(SinceError);
    await r.downgradeSince([2]); // never moves back
    expect(r.since()).toEqual([5]);
    expect((await client.inspectShard(shard)).since).toEqual([5]);
  });

  it('expires silent readers: they stop holding back the since and their handle rejects', async () => {
    const clock = manualClock();
    const c = await PersistClient.open(memLocation(), { now: clock.now, readerLeaseDurationMs: 1000 });
    const shard = newShardId();
    const [w, r1] = await c.open(shard, strings);
    const r2 = await c.openLeasedReader(shard, strings);
    clock.advance(600);
    await r2.downgradeSince([7]); // r2 heartbeats, r1 stays silent
    clock.advance(600);
    await w.compareAndAppend([['a', 'x', 1, 1]], [0], [10]); // any transition expires silent leases
    const info = await c.inspectShard(shard);
    expect(info.leasedReaders.map((x) => x.id)).toEqual([r2.readerId]);
    expect(info.since).toEqual([7]);
    await expect(r1.downgradeSince([8])).rejects.toBeInstanceOf(LeaseExpiredError);
    await expect(r1.snapshotAndFetch([8])).rejects.toBeInstanceOf(LeaseExpiredError);
    await c.close();
  });

  it('clone gets a new reader id with the same since', async () => {
    const shard = newShardId();
    const [, r] = await client.open(shard, strings);
    await r.downgradeSince([3]);
    const r2 = await r.clone('copy');
    expect(r2.readerId).not.toBe(r.readerId);
    expect(r2.readerId).toMatch(/^r[0-9a-f-]{36}$/);
    expect(r2.since()).toEqual([3]);
    const info = await client.inspectShard(shard);
    expect(info.leasedReaders.map((x) => x.purpose).sort()).toEqual(['copy', 'reader']);
  });

  it('critical since handles are fenced by their opaque token and hold back the since', async () => {
    const shard = newShardId();
    const [, r] = await client.open(shard, strings);
    const id = newCriticalReaderId();
    const c1 = await client.openCriticalSince(shard, id, { purpose: 'controller' });
    expect(c1.since()).toEqual([0]);
    expect(await c1.compareAndDowngradeSince('wrong', { opaque: 'e1', since: [4] })).toEqual({ ok: false, opaque: '' });
    expect(await c1.compareAndDowngradeSince('', { opaque: 'e1', since: [4] })).toEqual({ ok: true, since: [4] });
    const c2 = await client.openCriticalSince(shard, id, { purpose: 'controller' });
    expect(c2.opaque()).toBe('e1');
    await r.downgradeSince([9]);
    expect((await client.inspectShard(shard)).since).toEqual([4]);
    await expect(client.openCriticalSince(shard, 'not-an-id', { purpose: 'x' })).rejects.toBeInstanceOf(InvalidUsageError);
  });

  it('closed clients reject every call with ClientClosedError; close is idempotent', async () => {
    const c = await memClient();
    const [w, r] = await c.open(newShardId(), strings);
    await c.close();
    await c.close();
    await expect(c.listShards()).rejects.toBeInstanceOf(ClientClosedError);
    await expect(c.open(newShardId(), strings)).rejects.toBeInstanceOf(ClientClosedError);
    await expect(w.compareAndAppend([], [0], [1])).rejects.toBeInstanceOf(ClientClosedError);
    await expect(r.snapshotAndFetch([0])).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('decodes with the codecs the shard was written with; opening with others fails', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, { keyCodec: codecs.json<{ id: number }>(), valCodec: codecs.unit });
    await w.compareAndAppend([[{ id: 1 }, null, 0, 1]], [0], [1]);
    expect(await r.snapshotAndFetch([0])).toEqual([[{ id: 1 }, null, 0, 1]]);
    await expect(client.openLeasedReader(shard, strings)).rejects.toThrow('key codec mismatch string vs previous json');
  });

  it('lists shards and inspects any retained version', async () => {
    const c = await memClient({ rollupThreshold: 4 });
    const shard = newShardId();
    const [w] = await c.open(shard, strings);
    for (let i = 0; i < 12; i++) await w.compareAndAppend([[`k${i}`, 'v', i, 1]], [i], [i + 1]);
    expect(await c.listShards()).toEqual([shard]);
    const now = await c.inspectShard(shard);
    expect(now.rollups.length).toBeGreaterThan(1);
    // Background GC truncates old versions; every retained one is rebuilt exactly.
    let seqno = now.seqno;
    for (; seqno >= 1; seqno--) {
      const then = await c.inspectShard(shard, { seqno }).catch((e) => e);
      if (then instanceof InvalidUsageError) {
        expect(then.kind).toBe('SeqnoTruncated');
        break;
      }
      expect(then.seqno).toBe(seqno);
    }
    expect(now.seqno - seqno).toBeGreaterThanOrEqual(4);
    const mid = await c.inspectShard(shard, { seqno: now.seqno - 3 });
    expect(mid.upper[0]).toBeLessThanOrEqual(now.upper[0] as number);
    await expect(c.inspectShard(shard, { seqno: now.seqno + 5 })).rejects.toBeInstanceOf(InvalidUsageError);
    await expect(c.inspectShard(newShardId())).rejects.toThrow('does not exist');
    await expect(c.inspectShard('nope')).rejects.toThrow('invalid shard id');
    // A fresh client loads the same state (through the newest rollup).
    await c.close();
  });
});

describe('ReadHandle leases', () => {
  /** A shard whose parts live in blob, one batch per time 0..n-1. */
  async function shardWithParts(c: PersistClient, n: number) {
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    for (let t = 0; t < n; t++) await w.compareAndAppend([[`k${t}`, 'v'.repeat(50), t, 1]], [t], [t + 1]);
    return { shard, w, r };
  }
  const noInline = { compactionEnabled: false, inlineWritesMaxBytes: 0 };

  it('returnPart gives a lease back without fetching: the part stops holding its version', async () => {
    const c = await memClient(noInline);
    const { shard, w, r } = await shardWithParts(c, 4);
    const parts = await r.snapshot([3]);
    const held = parts[0].seqno;
    for (let t = 4; t < 8; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    await r.downgradeSince([0]); // a heartbeat records the oldest version the reader still needs
    expect((await c.inspectShard(shard)).stats.seqnoSince).toBe(held);
    for (const p of parts) r.returnPart(p);
    r.returnPart(parts[0]); // already returned: nothing to do
    await r.downgradeSince([0]);
    const info = await c.inspectShard(shard);
    expect(info.stats.seqnoSince).toBeGreaterThan(held);
    expect((await c.admin.forceGc(shard)).truncatedVersions).toBeGreaterThan(0);
    // A returned part is no longer this reader's to fetch; another reader's part never was.
    await expect(r.fetchPart(parts[1])).rejects.toBeInstanceOf(InvalidUsageError);
    const other = await c.openLeasedReader(shard, strings);
    expect(() => other.returnPart(parts[1])).toThrow(InvalidUsageError);
    expect(sortUpdates(await r.snapshotAndFetch([7])).map((u) => u[0])).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    await c.close();
  });

  it('a part neither fetched nor returned within the lease duration stops holding its version back', async () => {
    const clock = manualClock();
    const c = await memClient({ ...noInline, now: clock.now, readerLeaseDurationMs: 1000 });
    const { shard, w, r } = await shardWithParts(c, 4);
    const forgotten = await r.snapshot([3]);
    const held = forgotten[0].seqno;
    await c.admin.forceCompaction(shard); // the snapshot's parts are now referenced by old versions only
    clock.advance(600);
    await r.downgradeSince([0]); // the reader itself stays alive
    expect((await c.inspectShard(shard)).stats.seqnoSince).toBe(held);
    expect((await c.admin.forceGc(shard)).deletedBlobs).toBe(0);
    clock.advance(600); // 1200 ms since the parts were handed out
    await r.downgradeSince([0]);
    expect((await c.inspectShard(shard)).stats.seqnoSince).toBeGreaterThan(held);
    expect((await c.admin.forceGc(shard)).deletedBlobs).toBeGreaterThanOrEqual(4);
    // GC was free to delete them: fetching one now says the lease expired, not that data is corrupt.
    const err = await r.fetchPart(forgotten[0]).catch((e) => e);
    expect(err).toBeInstanceOf(LeaseExpiredError);
    // The reader is fine: its new reads see everything.
    await w.compareAndAppend([['k4', 'v', 4, 1]], [4], [5]);
    expect((await r.snapshotAndFetch([4])).length).toBe(5);
    await c.close();
  });

  it('an expired reader: snapshots and fetchPart reject with LeaseExpiredError, also for a part GC deleted', async () => {
    const loc = memLocation();
    const a = await PersistClient.open(loc, noInline);
    const b = await PersistClient.open(loc, noInline);
    const { shard, w, r } = await shardWithParts(a, 4);
    const parts = await r.snapshot([3]);
    await b.admin.expireReader(shard, r.readerId); // by an operator, in another process
    await b.admin.forceCompaction(shard);
    const gc = await b.admin.forceGc(shard); // the expired reader no longer holds its parts
    expect(gc.deletedBlobs).toBeGreaterThanOrEqual(4);
    await a.inspectShard(shard); // a has seen the new state
    await expect(r.fetchPart(parts[0])).rejects.toBeInstanceOf(LeaseExpiredError);
    await expect(r.snapshot([3])).rejects.toBeInstanceOf(LeaseExpiredError);
    await expect(r.snapshotAndFetch([3])).rejects.toBeInstanceOf(LeaseExpiredError);
    // Data is intact for a live reader.
    const r2 = await a.openLeasedReader(shard, strings);
    expect((await r2.snapshotAndFetch([3])).length).toBe(4);
    await w.expire();
    await a.close();
    await b.close();
  });

  it('an expired reader whose client has not seen the expiry yet gets LeaseExpiredError for a deleted part', async () => {
    const loc = memLocation();
    const a = await PersistClient.open(loc, noInline);
    const b = await PersistClient.open(loc, noInline);
    const { shard, r } = await shardWithParts(a, 4);
    const parts = await r.snapshot([3]);
    await b.admin.expireReader(shard, r.readerId);
    await b.admin.forceCompaction(shard);
    await b.admin.forceGc(shard);
    // Fetch straight away: the part is gone, and only then does a learn why.
    const results = await Promise.all(parts.map((p) => r.fetchPart(p).catch((e) => e)));
    for (const e of results) expect(e).toBeInstanceOf(LeaseExpiredError);
    await a.close();
    await b.close();
  });

  it("reads need the handle's own since, not only the shard's", async () => {
    const shard = newShardId();
    const [w, r1] = await client.open(shard, strings);
    await client.openLeasedReader(shard, strings); // holds the shard since at [0]
    for (let t = 0; t < 20; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    await r1.downgradeSince([10]);
    expect((await client.inspectShard(shard)).since).toEqual([0]);
    for (const read of [() => r1.snapshotAndFetch([3]), () => r1.snapshot([3]), () => r1.listen([3]), () => r1.subscribe([3])]) {
      const err = await read().catch((e) => e);
      expect(err).toBeInstanceOf(SinceError);
      expect(err.since).toEqual([10]);
    }
    expect((await r1.snapshotAndFetch([10])).length).toBe(11);
  });
});
