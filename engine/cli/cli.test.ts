import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newShardId, PersistClient } from '../index.js';
import { partKey } from '../paths.js';
import { strings, tempDir } from '../testing/util.js';
import { cli } from './cli-run.test-util.js';

let dir: { dir: string; cleanup: () => void };
let sandbox: string;
const shard = newShardId();

beforeAll(async () => {
  dir = tempDir();
  sandbox = join(dir.dir, 'cli.sqlite');
  const c = await PersistClient.openSandbox(sandbox, { compactionEnabled: false, inlineWritesMaxBytes: 0 });
  const [w] = await c.open(shard, { ...strings, diagnostics: { shardName: 'orders', handlePurpose: 'cli-test' } });
  for (let t = 0; t < 6; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
  await c.close();
});
afterAll(() => dir.cleanup());

describe('shardscope CLI', () => {
  it('inspect state --json prints the ShardInspection', async () => {
    const r = await cli('inspect', 'state', shard, '--sandbox', sandbox, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.shardId).toBe(shard);
    expect(s.name).toBe('orders');
    expect(s.upper).toEqual([6]);
    expect(s.batches).toHaveLength(6);
  });

  it('inspect shards and history print readable tables', async () => {
    const shards = await cli('inspect', 'shards', '--sandbox', sandbox);
    expect(shards.stdout).toContain(shard);
    expect(shards.stdout).toContain('orders');
    const hist = await cli('inspect', 'history', shard, '--sandbox', sandbox);
    expect(hist.code).toBe(0);
    expect(hist.stdout).toContain('append [[0], [1]) 1 updates');
  });

  it('admin commands are dry runs unless --commit', async () => {
    const dry = await cli('admin', 'force-compaction', shard, '--sandbox', sandbox);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would merge 6 batches');
    expect(JSON.parse((await cli('inspect', 'state', shard, '--sandbox', sandbox, '--json')).stdout).batches).toHaveLength(6);
    const done = await cli('admin', 'force-compaction', shard, '--sandbox', sandbox, '--commit', '--json');
    expect(JSON.parse(done.stdout)).toEqual({ before: 6, after: 1 });
    const size = await cli('inspect', 'consolidated-size', shard, '--sandbox', sandbox, '--json');
    expect(JSON.parse(size.stdout)).toMatchObject({ updates: 6, consolidatedUpdates: 6, asOf: 5 });
    const usage = await cli('inspect', 'blob-usage', '--sandbox', sandbox, '--json');
    expect(JSON.parse(usage.stdout)[0].shard).toBe(shard);
  });

  it('admin delete-unreferenced-blobs: a dry run, then deletes old leaked blobs and says the bytes freed', async () => {
    const file = join(dir.dir, 'leaks.sqlite');
    const c = await PersistClient.openSandbox(file, { inlineWritesMaxBytes: 0 });
    const id = newShardId();
    const [w] = await c.open(id, strings);
    await w.append([['k', 'v', 0, 1]], [0], [1]);
    const oldKey = partKey(id, Date.now() - 60 * 60_000);
    await c.storage.blob.set(oldKey, new Uint8Array(123));
    await w.batch([['young', 'v', 1, 1]], [1], [2]); // a writer's upload not yet appended: spared
    await c.close();

    const listed = await cli('inspect', 'unreferenced-blobs', '--sandbox', file);
    expect(listed.stdout).toContain(oldKey);
    expect(listed.stdout).toMatch(/2 blobs, \d+ bytes/);
    const dry = await cli('admin', 'delete-unreferenced-blobs', '--sandbox', file);
    expect(dry.stdout).toContain('would delete 1 of 2 unreferenced blobs (123 bytes; 1 younger than 10 min spared)');
    expect(JSON.parse((await cli('inspect', 'unreferenced-blobs', '--sandbox', file, '--json')).stdout)).toHaveLength(2);
    const done = await cli('admin', 'delete-unreferenced-blobs', '--sandbox', file, '--commit');
    expect(done.stdout).toContain('deleted 1 blobs, 123 bytes freed');
    const left = JSON.parse((await cli('inspect', 'unreferenced-blobs', '--sandbox', file, '--json')).stdout);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(oldKey);
    const bad = await cli('admin', 'delete-unreferenced-blobs', '--sandbox', file, '--min-age-minutes', 'soon');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--min-age-minutes must be a number >= 0');
  });

  it('bad arguments and unknown shards: a clear message and a non-zero exit', async () => {
    const unknown = await cli('inspect', 'state', newShardId(), '--sandbox', sandbox);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('does not exist');
    const bad = await cli('inspect', 'state', 'not-a-shard', '--sandbox', sandbox);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid shard id');
    const noLoc = await cli('inspect', 'shards');
    expect(noLoc.code).not.toBe(0);
    expect(noLoc.stderr).toContain('give a location');
    const typo = await cli('inspekt');
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("unknown command 'inspekt'");
  });

  it('inspect never creates a file or folder for a path that does not exist', async () => {
    const missing = join(dir.dir, 'no', 'such', 'sandbox.sqlite');
    const r = await cli('inspect', 'shards', '--sandbox', missing);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no sandbox file at ${missing}`);
    expect(existsSync(join(dir.dir, 'no'))).toBe(false);
    const uri = await cli('inspect', 'unreferenced-blobs', '--blob', `sqlite://${missing}`, '--consensus', `sqlite://${missing}`);
    expect(uri.code).not.toBe(0);
    expect(existsSync(join(dir.dir, 'no'))).toBe(false);
  });

  it('an empty file is reported, not turned into a sandbox', async () => {
    const empty = join(dir.dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const r = await cli('inspect', 'shards', '--sandbox', empty);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(empty);
    expect(r.stderr).toMatch(/0 bytes, too few for a SQLite database/);
    expect(statSync(empty).size).toBe(0);
  });

  it('errors never print a password', async () => {
    const r = await cli('inspect', 'shards', '--blob', 'mem://x', '--consensus', 'postgres://u:Hunter2Secret@127.0.0.1:1/db?password=Hunter2Secret');
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain('Hunter2Secret');
  });
});
