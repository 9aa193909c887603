// Copying a shard home: the copy reads the same as the source at the as_of, carries its name and
// codecs, and the source's since, readers and data stay as they were. And a sandbox saved as a copy
// opens with the same shards.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { codecs, copyShardToNewSandbox, newShardId, PersistClient, saveSandboxCopy, SinceError } from '../index.js';
import { sortUpdates, strings, tempDir } from '../testing/util.js';

let dir: { dir: string; cleanup: () => void };
let open: PersistClient[] = [];
beforeEach(() => {
  dir = tempDir();
});
afterEach(async () => {
  for (const c of open) await c.close();
  open = [];
  dir.cleanup();
});

async function sandbox(name: string): Promise<PersistClient> {
  const c = await PersistClient.openSandbox(join(dir.dir, name), { inlineWritesMaxBytes: 0, blobTargetSizeBytes: 1024 });
  open.push(c);
  return c;
}

const json = { keyCodec: codecs.json<{ id: number }>('json-id'), valCodec: codecs.string };

async function source(): Promise<{ src: PersistClient; shard: string }> {
  const src = await sandbox('src.sqlite');
  const shard = newShardId();
  const [w, r] = await src.open(shard, { ...json, diagnostics: { shardName: 'customers', handlePurpose: 'loader' } });
  for (let t = 0; t < 10; t++) {
    const us: [{ id: number }, string, number, number][] = [];
    for (let i = 0; i < 30; i++) us.push([{ id: i }, `name-${t}`, t, 1]);
    if (t > 0) for (let i = 0; i < 30; i++) us.push([{ id: i }, `name-${t - 1}`, t, -1]);
    await w.compareAndAppend(us, [t], [t + 1]);
  }
  await r.downgradeSince([3]);
  return { src, shard };
}

describe('copy a shard home', () => {
  it('copies consolidated at an as_of, with name and codecs, leaving the source untouched', async () => {
    const { src, shard } = await source();
    const before = await src.inspectShard(shard);
    const dest = await sandbox('home.sqlite');
    const progress: number[] = [];
    const res = await src.admin.copyShard(shard, dest, { asOf: 6, onProgress: (p) => progress.push(p.rows) });
    expect(res).toMatchObject({ shard, toShard: shard, name: 'customers', codecs: { key: 'json-id', val: 'string' }, asOf: 6, rows: 30 });
    expect(progress.at(-1)).toBe(30);

    const copy = await dest.inspectShard(shard);
    expect(copy.name).toBe('customers');
    expect(copy.codecs).toEqual({ key: 'json-id', val: 'string' });
    expect(copy.since).toEqual([6]);
    expect(copy.upper).toEqual([7]);
    expect(copy.writers).toEqual([]);
    expect(copy.leasedReaders).toEqual([]);

    const read = async (c: PersistClient) => {
      const r = await c.openLeasedReader(shard, json);
      try {
        return sortUpdates(await r.snapshotAndFetch([6]));
      } finally {
        await r.expire();
      }
    };
    expect(await read(dest)).toEqual(await read(src));
    // A read before the as_of of the copy would see a past it lacks.
    const r = await dest.openLeasedReader(shard, json);
    await expect(r.snapshotAndFetch([5])).rejects.toBeInstanceOf(SinceError);
    await r.expire();

    const after = await src.inspectShard(shard);
    expect(after.since).toEqual(before.since);
    expect(after.upper).toEqual(before.upper);
    expect(after.leasedReaders.map((x) => [x.id, x.since])).toEqual(before.leasedReaders.map((x) => [x.id, x.since]));
    expect(after.batches).toEqual(before.batches);
  });

  it('copies from a location given by URIs; refuses an existing shard, as_of outside [since, upper) and a cancelled copy', async () => {
    const { src, shard } = await source();
    await src.close();
    open = open.filter((c) => c !== src);
    const path = join(dir.dir, 'src.sqlite');
    const from = await PersistClient.open({ blob: `sqlite://${path}`, consensus: `sqlite://${path}` });
    open.push(from);
    const dest = await sandbox('home.sqlite');
    await expect(from.admin.copyShard(shard, dest, { asOf: 2 })).rejects.toThrow(/readable as of \[since, upper\) = \[\[3\], \[10\]\)/);
    await expect(from.admin.copyShard(shard, dest, { asOf: 10 })).rejects.toThrow(/cannot copy/);
    const ac = new AbortController();
    ac.abort();
    await expect(from.admin.copyShard(shard, dest, { signal: ac.signal })).rejects.toThrow();
    // A copy cancelled before it starts creates nothing in the destination.
    expect(await dest.listShards()).toEqual([]);
    expect(await dest.admin.unreferencedBlobs()).toEqual([]);

    const other = newShardId();
    const res = await from.admin.copyShard(shard, dest, { toShard: other });
    expect(res.asOf).toBe(9);
    await expect(from.admin.copyShard(shard, dest, { toShard: other })).rejects.toThrow(/already exists in the destination/);
  });

  it('saves a copy while a writer keeps appending to the sandbox', async () => {
    const { src } = await source();
    const busy = newShardId();
    const w = await src.openWriter(busy, json);
    let t = 0;
    let stop = false;
    // Big values: every append writes blob pages, as the app's demo writers do.
    const writing = (async () => {
      while (!stop) {
        await w.compareAndAppend([[{ id: t }, 'x'.repeat(20_000), t, 1]], [t], [t + 1]);
        t++;
        // SQLite calls are synchronous: let the timers (and the copy) run between appends.
        await new Promise((r) => setImmediate(r));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const to = join(dir.dir, 'busy-copy.sqlite');
    const res = await saveSandboxCopy(join(dir.dir, 'src.sqlite'), to);
    stop = true;
    await writing;
    expect(res.totalPages).toBeGreaterThan(0);
    const copy = await PersistClient.openSandbox(to);
    open.push(copy);
    // A consistent snapshot: some prefix of the appends, whole.
    const upper = (await copy.inspectShard(busy)).upper[0] ?? Infinity;
    expect(upper).toBeGreaterThan(0);
    expect(upper).toBeLessThanOrEqual(t);
    const r = await copy.openLeasedReader(busy, json);
    expect(await r.snapshotAndFetch([upper - 1])).toHaveLength(upper);
  });

  it('saves a copy of a sandbox in use; refuses to overwrite', async () => {
    const { src, shard } = await source();
    const to = join(dir.dir, 'shared.sqlite');
    const res = await saveSandboxCopy(join(dir.dir, 'src.sqlite'), to);
    expect(res.totalPages).toBeGreaterThan(0);
    expect(existsSync(to)).toBe(true);
    const copy = await PersistClient.openSandbox(to);
    open.push(copy);
    expect(await copy.listShards()).toEqual(await src.listShards());
    const a = await copy.openLeasedReader(shard, json);
    const b = await src.openLeasedReader(shard, json);
    expect(sortUpdates(await a.snapshotAndFetch([9]))).toEqual(sortUpdates(await b.snapshotAndFetch([9])));
    await expect(saveSandboxCopy(join(dir.dir, 'src.sqlite'), to)).rejects.toThrow(/already exists/);
    await expect(saveSandboxCopy(join(dir.dir, 'missing.sqlite'), join(dir.dir, 'x.sqlite'))).rejects.toThrow(/no sandbox file/);
  });

  it('copies from an S3 + PostgreSQL location into a local sandbox', async () => {
    const remote = await PersistClient.open(
      { blob: process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri'), consensus: process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri') },
      { inlineWritesMaxBytes: 0 },
    );
    open.push(remote);
    const shard = newShardId();
    const [w, r] = await remote.open(shard, { ...strings, diagnostics: { shardName: 'prod-events', handlePurpose: 'ingest' } });
    for (let t = 0; t < 4; t++) await w.compareAndAppend([[`e${t}`, 'x', t, 1], ['total', String(t), t, 1]], [t], [t + 1]);
    await r.downgradeSince([1]);
    const dest = await sandbox('home.sqlite');
    const res = await remote.admin.copyShard(shard, dest, { asOf: 3 });
    expect(res).toMatchObject({ name: 'prod-events', rows: 8, asOf: 3 });
    const a = await dest.openLeasedReader(shard, strings);
    expect(sortUpdates(await a.snapshotAndFetch([3]))).toEqual(sortUpdates(await r.snapshotAndFetch([3])));
    const s = await remote.inspectShard(shard);
    expect(s.since).toEqual([1]);
    expect(s.leasedReaders.map((x) => x.id)).toEqual([r.readerId]);
  });

  it('string shards too', async () => {
    const src = await sandbox('s.sqlite');
    const shard = newShardId();
    const w = await src.openWriter(shard, strings);
    await w.compareAndAppend([['a', 'b', 0, 2], ['c', 'd', 1, 1]], [0], [2]);
    const dest = await sandbox('d.sqlite');
    expect((await src.admin.copyShard(shard, dest)).rows).toBe(2);
    const r = await dest.openLeasedReader(shard, strings);
    expect(sortUpdates(await r.snapshotAndFetch([1]))).toEqual([['a', 'b', 1, 2], ['c', 'd', 1, 1]]);
  });

  /** 20 000 keys over 4 batches of many parts: a copy of it takes several chunks. */
  async function bigSource(): Promise<{ src: PersistClient; shard: string; gets: () => number }> {
    const src = await PersistClient.openSandbox(join(dir.dir, 'big.sqlite'), { inlineWritesMaxBytes: 0, blobTargetSizeBytes: 16 * 1024, compactionEnabled: false });
    open.push(src);
    const shard = newShardId();
    const w = await src.openWriter(shard, { ...strings, diagnostics: { shardName: 'big', handlePurpose: 'loader' } });
    for (let t = 0; t < 4; t++) {
      const us: [string, string, number, number][] = [];
      for (let i = 0; i < 5000; i++) us.push([`key-${t}-${String(i).padStart(5, '0')}`, `v${i}`, t, 1]);
      await w.compareAndAppend(us, [t], [t + 1]);
    }
    await w.expire();
    let n = 0;
    const get = src.storage.blob.get.bind(src.storage.blob);
    src.storage.blob.get = (key: string) => (n++, get(key));
    return { src, shard, gets: () => n };
  }

  it('copies into a new sandbox file that appears only when whole', async () => {
    const { src, shard } = await bigSource();
    const to = join(dir.dir, 'new-home.sqlite');
    const res = await copyShardToNewSandbox(src, shard, to, (p) => PersistClient.openSandbox(p), {});
    expect(res).toMatchObject({ shard, name: 'big', rows: 20_000, asOf: 3 });
    const copy = await PersistClient.openSandbox(to);
    open.push(copy);
    expect(await copy.listShards()).toEqual([shard]);
    expect((await copy.inspectShard(shard)).stats.updates).toBe(20_000);
    await expect(copyShardToNewSandbox(src, shard, to, (p) => PersistClient.openSandbox(p))).rejects.toThrow(/already exists/);
    expect(readdirSync(dir.dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('a cancelled copy stops reading the source and leaves no file behind', async () => {
    const { src, shard, gets } = await bigSource();
    const before = await src.inspectShard(shard);
    const to = join(dir.dir, 'cancelled.sqlite');
    const ac = new AbortController();
    let getsAtCancel = -1;
    const copying = copyShardToNewSandbox(src, shard, to, (p) => PersistClient.openSandbox(p), {
      signal: ac.signal,
      onProgress: () => {
        if (getsAtCancel < 0) {
          getsAtCancel = gets();
          ac.abort(new Error('cancelled by the user'));
        }
      },
    });
    await expect(copying).rejects.toThrow('cancelled by the user');
    expect(getsAtCancel).toBeGreaterThan(0);
    // No part was read after the cancel, and fewer than all of them were read at all.
    expect(gets()).toBe(getsAtCancel);
    expect(getsAtCancel).toBeLessThan(before.stats.parts);
    expect(existsSync(to)).toBe(false);
    expect(readdirSync(dir.dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);
    // The source is as it was: its reader for the copy is gone, the since did not move.
    const after = await src.inspectShard(shard);
    expect(after.since).toEqual(before.since);
    expect(after.leasedReaders).toEqual([]);
  });

  it('saves a copy off the calling thread: the event loop turns meanwhile, and progress reaches the whole', async () => {
    await bigSource();
    let ticks = 0;
    let spinning = true;
    const spin = (): void => {
      ticks++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const progress: { bytesDone: number; bytesTotal: number }[] = [];
    const to = join(dir.dir, 'big-copy.sqlite');
    const res = await saveSandboxCopy(join(dir.dir, 'big.sqlite'), to, { onProgress: (p) => progress.push(p) });
    spinning = false;
    expect(ticks).toBeGreaterThan(1);
    expect(res.totalPages).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(last.bytesDone).toBe(last.bytesTotal);
  });

  it('a cancelled save leaves no file behind', async () => {
    await bigSource();
    const to = join(dir.dir, 'save-cancelled.sqlite');
    const ac = new AbortController();
    const saving = saveSandboxCopy(join(dir.dir, 'big.sqlite'), to, { signal: ac.signal });
    // The worker is still starting (it loads SQLite) when this runs.
    setImmediate(() => ac.abort(new Error('save cancelled by the user')));
    await expect(saving).rejects.toThrow('save cancelled by the user');
    expect(existsSync(to)).toBe(false);
    expect(readdirSync(dir.dir).filter((f) => f.startsWith('save-cancelled'))).toEqual([]);
  });
});
