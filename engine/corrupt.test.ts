import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptDataError, newShardId, PersistClient } from './index.js';
import { strings, tempDir } from './testing/util.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function sandboxWithData() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const path = join(dir, 'sandbox.sqlite');
  const shard = newShardId();
  const c = await PersistClient.openSandbox(path, { inlineWritesMaxBytes: 0, compactionEnabled: false });
  const [w] = await c.open(shard, strings);
  await w.compareAndAppend([['a', 'x', 0, 1]], [0], [1]);
  await w.compareAndAppend([['b', 'y', 1, 1]], [1], [2]);
  const info = await c.inspectShard(shard);
  await c.close();
  return { path, shard, info };
}

describe('corrupt data', () => {
  it('a corrupt part is reported as CorruptDataError naming its key, and nothing else is lost', async () => {
    const { path, shard, info } = await sandboxWithData();
    const key = info.batches[1].parts[0].key;
    const c = await PersistClient.openSandbox(path);
    const good = await c.storage.blob.get(key);
    const bad = good!.slice();
    bad[bad.length - 3] ^= 0xff;
    await c.storage.blob.set(key, bad);
    const r = await c.openLeasedReader(shard, strings);
    const err = await r.snapshotAndFetch([1]).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err.key).toBe(key);
    expect(err.message).toContain(key);
    // The other batch still reads; the state is intact.
    expect(await r.snapshotAndFetch([0])).toEqual([['a', 'x', 0, 1]]);
    await c.storage.blob.set(key, good!);
    expect(await r.snapshotAndFetch([1])).toEqual([['a', 'x', 1, 1], ['b', 'y', 1, 1]]);
    await c.close();
  });

  it('a corrupt state version is reported, never replayed into wrong state', async () => {
    const { path, shard } = await sandboxWithData();
    const db = new Database(path);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    const consensusTable = tables.map((t) => t.name).find((n) => /consensus/i.test(n))!;
    const cols = (db.prepare(`PRAGMA table_info(${consensusTable})`).all() as { name: string }[]).map((x) => x.name);
    const dataCol = cols.find((n) => /data/i.test(n))!;
    const seqCol = cols.find((n) => /seqno/i.test(n))!;
    const row = db.prepare(`SELECT max(${seqCol}) AS s FROM ${consensusTable}`).get() as { s: number };
    db.prepare(`UPDATE ${consensusTable} SET ${dataCol} = ? WHERE ${seqCol} = ?`).run(Buffer.from('garbage!'), row.s);
    db.close();
    const c = await PersistClient.openSandbox(path);
    const err = await c.inspectShard(shard).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err.message).toContain(shard);
    await c.close();
  });

  it('a valid part stored under another part\'s key, of its shard or another, is CorruptDataError, never data', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const [a, b] = [newShardId(), newShardId()];
    const c = await PersistClient.openSandbox(path, { inlineWritesMaxBytes: 0, compactionEnabled: false });
    for (const shard of [a, b]) {
      const [w] = await c.open(shard, strings);
      const rows = (n: number, tag: string, t: number) => Array.from({ length: n }, (_, i) => [`${shard}-${tag}-${i}`, 'v', t, 1] as const);
      await w.compareAndAppend(rows(300, 'first', 0), [0], [1]);
      await w.compareAndAppend(rows(250, 'second', 1), [1], [2]);
    }
    const keysOf = async (shard: string) => (await c.inspectShard(shard)).batches.map((x) => x.parts[0].key);
    const [a0, a1] = await keysOf(a);
    const [b0] = await keysOf(b);
    const original = (await c.storage.blob.get(a0))!;
    const r = await c.openLeasedReader(a, strings);
    expect(await r.snapshotAndFetch([1])).toHaveLength(550);
    for (const [source, what] of [[a1, 'same shard'], [b0, 'other shard']] as const) {
      await c.storage.blob.set(a0, (await c.storage.blob.get(source))!);
      for (const read of [() => r.snapshotAndFetch([1]), () => r.snapshotAndFetch([0])]) {
        const err = await read().catch((e: unknown) => e);
        expect(err, what).toBeInstanceOf(CorruptDataError);
        expect((err as CorruptDataError).key).toBe(a0);
        expect((err as Error).message).toContain(source);
      }
      const parts = await r.snapshot([0]);
      const err = await r.fetchPart(parts[0]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptDataError);
    }
    // Put back, it reads again: nothing else was touched.
    await c.storage.blob.set(a0, original);
    expect(await r.snapshotAndFetch([1])).toHaveLength(550);
    await c.close();
  });

  function consensusRows(path: string) {
    const db = new Database(path);
    return {
      get: (key: string, seqno: number) => (db.prepare('SELECT data FROM consensus WHERE key = ? AND seqno = ?').get(key, seqno) as { data: Buffer }).data,
      set: (key: string, seqno: number, data: Buffer) => db.prepare('UPDATE consensus SET data = ? WHERE key = ? AND seqno = ?').run(data, key, seqno),
      max: (key: string) => (db.prepare('SELECT max(seqno) AS s FROM consensus WHERE key = ?').get(key) as { s: number }).s,
      close: () => db.close(),
    };
  }

  it('a state version stored in the place of another shard\'s or another seqno\'s is rejected', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const [a, b] = [newShardId(), newShardId()];
    const c = await PersistClient.openSandbox(path, { compactionEnabled: false });
    for (const shard of [a, b]) {
      const [w] = await c.open(shard, strings);
      for (let t = 0; t < 3; t++) await w.compareAndAppend([[`${shard}-${t}`, 'v', t, 1]], [t], [t + 1]);
    }
    await c.close();
    const rows = consensusRows(path);
    const head = rows.max(a);
    expect(rows.max(b)).toBe(head);
    const own = rows.get(a, head);
    const cases: [string, Buffer, RegExp][] = [
      ['another shard, same seqno', rows.get(b, head), new RegExp(`shard ${b}`)],
      ['same shard, another seqno', rows.get(a, head - 1), new RegExp(`seqno ${head - 1}`)],
    ];
    for (const [what, bytes, message] of cases) {
      rows.set(a, head, bytes);
      const c2 = await PersistClient.openSandbox(path);
      const err = await c2.inspectShard(a).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(CorruptDataError);
      expect((err as CorruptDataError).key).toBe(`${a}@${head}`);
      expect((err as Error).message).toMatch(message);
      await c2.close();
    }
    rows.set(a, head, own);
    rows.close();
    const c3 = await PersistClient.openSandbox(path);
    const r = await c3.openLeasedReader(a, strings);
    expect(await r.snapshotAndFetch([2])).toHaveLength(3);
    await c3.close();
  });

  it('a rollup stored in the place of another shard\'s or another seqno\'s is rejected', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const [a, b] = [newShardId(), newShardId()];
    const c = await PersistClient.openSandbox(path, { compactionEnabled: false, rollupThreshold: 2 });
    for (const shard of [a, b]) {
      const [w] = await c.open(shard, strings);
      for (let t = 0; t < 8; t++) await w.compareAndAppend([[`${shard}-${t}`, 'v', t, 1]], [t], [t + 1]);
    }
    await c.close();
    // The rollup a fresh client loads from: the latest one (closing wrote versions too).
    const c1 = await PersistClient.openSandbox(path, { compactionEnabled: false });
    const info = await c1.inspectShard(a);
    const latest = info.rollups[info.rollups.length - 1];
    const earlier = info.rollups[info.rollups.length - 2];
    const own = (await c1.storage.blob.get(latest.key))!;
    const other = latest.key.replace(a, b);
    expect(await c1.storage.blob.get(other)).not.toBeNull();
    await c1.close();
    const sources: [string, string, RegExp][] = [
      ['another shard', other, new RegExp(`shard ${b}`)],
      ['another seqno', earlier.key, new RegExp(`seqno ${earlier.seqno}`)],
    ];
    for (const [what, source, message] of sources) {
      const c2 = await PersistClient.openSandbox(path, { compactionEnabled: false });
      await c2.storage.blob.set(latest.key, (await c2.storage.blob.get(source))!);
      const err = await c2.inspectShard(a).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(CorruptDataError);
      expect((err as CorruptDataError).key).toBe(latest.key);
      expect((err as Error).message).toMatch(message);
      await c2.storage.blob.set(latest.key, own);
      await c2.close();
    }
  });
});
