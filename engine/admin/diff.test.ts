// Diff over time against a model: the net count of every (key, val) over updates with times in
// (from, to], whatever batches, parts and compactions the updates went through.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { newShardId, PersistClient, SinceError, type DiffRow } from '../index.js';
import { strings, tempDir } from '../testing/util.js';

type U = [string, string, number, number];

let dir: { dir: string; cleanup: () => void };
let client: PersistClient;
afterEach(async () => {
  await client.close();
  dir.cleanup();
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function model(us: U[], from: number, to: number): DiffRow[] {
  const m = new Map<string, number>();
  for (const [k, v, t, d] of us) if (t > from && t <= to) m.set(JSON.stringify([k, v]), (m.get(JSON.stringify([k, v])) ?? 0) + d);
  return [...m]
    .filter(([, d]) => d !== 0)
    .map(([kv, diff]) => {
      const [key, val] = JSON.parse(kv) as [string, string];
      return { key, val, diff };
    })
    .sort(order);
}
const order = (a: DiffRow, b: DiffRow) => (JSON.stringify([a.key, a.val]) < JSON.stringify([b.key, b.val]) ? -1 : 1);

/** 20 times, appended in batches of 1-3 times; keys and values few enough that they repeat and cancel. */
async function build(seed: number): Promise<{ shard: string; us: U[]; w: Awaited<ReturnType<PersistClient['openWriter']>> }> {
  const next = rng(seed);
  const shard = newShardId();
  const w = await client.openWriter(shard, strings);
  const us: U[] = [];
  let t = 0;
  while (t < 20) {
    const end = Math.min(20, t + 1 + Math.floor(next() * 3));
    const batch: U[] = [];
    for (let i = 0; i < 60; i++) batch.push([`k${Math.floor(next() * 12)}`, `v${Math.floor(next() * 3)}`, t + Math.floor(next() * (end - t)), next() < 0.6 ? 1 : -1]);
    us.push(...batch);
    const res = await w.compareAndAppend(batch, [t], [end]);
    expect(res.ok).toBe(true);
    t = end;
  }
  return { shard, us, w };
}

// Small blob parts (many parts per run), and tiny parts inline in state (their keys repeat).
describe.each([
  ['blob parts', { inlineWritesMaxBytes: 0, blobTargetSizeBytes: 512 }],
  ['inline parts', { inlineWritesMaxBytes: 1 << 16 }],
])('diff over time (%s)', (_, config) => {
  beforeEach(async () => {
    dir = tempDir();
    client = await PersistClient.openSandbox(join(dir.dir, 'd.sqlite'), { compactionEnabled: false, ...config });
  });

  it('matches the model for every window, before and after compaction', async () => {
    for (const seed of [1, 2]) {
      const { shard, us } = await build(seed);
      const check = async (windows: [number, number][]) => {
        for (const [from, to] of windows) {
          const d = await client.admin.diff(shard, { from, to });
          const want = model(us, from, to);
          expect([...d.rows].sort(order), `(${from}, ${to}]`).toEqual(want);
          expect(d.addedRows).toBe(want.filter((r) => r.diff > 0).length);
          expect(d.removed).toBe(want.filter((r) => r.diff < 0).reduce((n, r) => n - r.diff, 0));
          expect(d.truncated).toBe(false);
        }
      };
      await check([[0, 19], [0, 1], [4, 5], [3, 11], [10, 19], [18, 19]]);
      // Compaction at since 6 advances times before 6; windows from 6 on see the same.
      const r = await client.openLeasedReader(shard, strings);
      await r.downgradeSince([6]);
      await client.admin.forceCompaction(shard);
      expect((await client.inspectShard(shard)).batches.length).toBe(1);
      await check([[6, 19], [6, 7], [8, 15]]);
      const err = await client.admin.diff(shard, { from: 5, to: 10 }).catch((e) => e);
      expect(err).toBeInstanceOf(SinceError);
      expect(err.message).toContain('since is [6]');
      await r.expire();
    }
  });

  it('filters, limits, reports progress, and rejects bad windows clearly', async () => {
    const { shard, us } = await build(3);
    const all = model(us, 2, 15);
    const f = await client.admin.diff(shard, { from: 2, to: 15, filter: 'k1' });
    expect([...f.rows].sort(order)).toEqual(all.filter((r) => (r.key as string).includes('k1')));
    const progress: number[] = [];
    const lim = await client.admin.diff(shard, { from: 2, to: 15, limit: 3, onProgress: (p) => progress.push(p.partsDone) });
    expect(lim.rows).toHaveLength(3);
    expect(lim.truncated).toBe(true);
    expect(lim.addedRows + lim.removedRows).toBe(all.length);
    expect(progress.at(-1)).toBeGreaterThan(0);
    await expect(client.admin.diff(shard, { from: 5, to: 5 })).rejects.toThrow(/from must be before to/);
    await expect(client.admin.diff(shard, { from: 5, to: 20 })).rejects.toThrow(/upper is \[20\]/);
    await expect(client.admin.diff(shard, { from: -1, to: 3 })).rejects.toThrow(/from must be a non-negative safe integer/);
    const ac = new AbortController();
    ac.abort();
    await expect(client.admin.diff(shard, { from: 0, to: 19, signal: ac.signal })).rejects.toThrow();
    // The diff's reader is gone and the since did not move.
    const s = await client.inspectShard(shard);
    expect(s.leasedReaders).toEqual([]);
    expect(s.since).toEqual([0]);
  });
});
