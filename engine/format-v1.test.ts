// Sandboxes written by an older engine keep opening: the fixture was written by the engine of part
// format 1 and unversioned state diffs (engine/testing/make-fixture.ts), before parts and state
// versions were bound to their keys.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistClient } from './index.js';
import { expectedAt, FIXTURE_SHARDS, fixtureUpper, type FixtureUpdate } from './testing/fixture-contents.js';
import { strings, tempDir } from './testing/util.js';

const FIXTURE = new URL('./testing/fixtures/sandbox-v1.sqlite', import.meta.url).pathname;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function copyOfFixture(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const path = join(dir, 'sandbox.sqlite');
  copyFileSync(FIXTURE, path);
  return path;
}

const sorted = (us: readonly (readonly [string, string, number, number])[]): FixtureUpdate[] =>
  us.map((u) => [...u] as FixtureUpdate).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));

describe('a sandbox written by the format-1 engine', () => {
  it('is what it claims: format-1 parts and state versions, inline and blob parts, rollups', () => {
    const db = new Database(FIXTURE, { readonly: true });
    const parts = db.prepare("SELECT value FROM blob WHERE key LIKE '%/part/%'").all() as { value: Buffer }[];
    const rollups = db.prepare("SELECT value FROM blob WHERE key LIKE '%/rollup/%'").all() as { value: Buffer }[];
    const versions = db.prepare('SELECT data FROM consensus').all() as { data: Buffer }[];
    db.close();
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.every((p) => p.value.readUInt16LE(4) === 1)).toBe(true);
    expect(rollups.length).toBeGreaterThan(1);
    expect([...rollups.map((r) => r.value[4]), ...versions.map((v) => v.data[4])].every((b) => b === 0x7b)).toBe(true);
    expect(versions.some((v) => v.data.includes('"inline"'))).toBe(true);
  });

  it('opens and reads exactly the data it was written with, in every shard', async () => {
    const c = await PersistClient.openSandbox(copyOfFixture(), { compactionEnabled: false });
    expect((await c.listShards()).sort()).toEqual(FIXTURE_SHARDS.map((s) => s.id).sort());
    for (const { id } of FIXTURE_SHARDS) {
      const upper = fixtureUpper(id);
      const info = await c.inspectShard(id);
      expect(info.upper).toEqual([upper]);
      // The first shard's history holds a compaction.
      if (id === FIXTURE_SHARDS[0].id) expect(info.batches.some((b) => b.level > 0)).toBe(true);
      const r = await c.openLeasedReader(id, strings);
      for (const asOf of [upper - 1, 4]) {
        expect(sorted(await r.snapshotAndFetch([asOf]))).toEqual(expectedAt(id, asOf));
      }
      await r.expire();
    }
    await c.close();
  });

  it('takes appends, compaction and GC over the old data, and reads old and new together', async () => {
    const path = copyOfFixture();
    const c = await PersistClient.openSandbox(path, { compactionEnabled: false, rollupThreshold: 2, inlineWritesMaxBytes: 64 });
    const [id] = FIXTURE_SHARDS.map((s) => s.id);
    const upper = fixtureUpper(id);
    const [w, r] = await c.open(id, strings);
    const added: FixtureUpdate[] = [];
    for (let i = 0; i < 20; i++) added.push([`new-${i}`, 'v'.repeat(10), upper, 1]);
    expect(await w.compareAndAppend(added, [upper], [upper + 1])).toEqual({ ok: true });
    expect(await w.compareAndAppend([['new-inline', 'x', upper + 1, 1]], [upper + 1], [upper + 2])).toEqual({ ok: true });
    const want = sorted([
      ...expectedAt(id, upper + 1),
      ...added.map(([k, v, , d]) => [k, v, upper + 1, d] as FixtureUpdate),
      ['new-inline', 'x', upper + 1, 1],
    ]);
    expect(sorted(await r.snapshotAndFetch([upper + 1]))).toEqual(want);
    await c.admin.forceCompaction(id);
    await c.admin.forceGc(id);
    expect(sorted(await r.snapshotAndFetch([upper + 1]))).toEqual(want);
    await c.close();

    // And all of it again from the file, by a fresh client.
    const c2 = await PersistClient.openSandbox(path, { compactionEnabled: false });
    const r2 = await c2.openLeasedReader(id, strings);
    expect(sorted(await r2.snapshotAndFetch([upper + 1]))).toEqual(want);
    const other = FIXTURE_SHARDS[1].id;
    const ro = await c2.openLeasedReader(other, strings);
    expect(sorted(await ro.snapshotAndFetch([fixtureUpper(other) - 1]))).toEqual(expectedAt(other, fixtureUpper(other) - 1));
    await c2.close();
  });
});
