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
    const good = await c.blob.get(key);
    const bad = good!.slice();
    bad[bad.length - 3] ^= 0xff;
    await c.blob.set(key, bad);
    const r = await c.openLeasedReader(shard, strings);
    const err = await r.snapshotAndFetch([1]).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err.key).toBe(key);
    expect(err.message).toContain(key);
    // The other batch still reads; the state is intact.
    expect(await r.snapshotAndFetch([0])).toEqual([['a', 'x', 0, 1]]);
    await c.blob.set(key, good!);
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
});
