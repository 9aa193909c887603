// Since what-if against the real thing: what it says a forced compaction at since s leaves is what
// downgrading the since to s and forcing compaction leaves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { newShardId, PersistClient, type PersistConfig } from '../index.js';
import { strings, tempDir } from '../testing/util.js';

let dir: { dir: string; cleanup: () => void };
let client: PersistClient;
beforeEach(() => {
  dir = tempDir();
});
afterEach(async () => {
  await client.close();
  dir.cleanup();
});

async function open(config: Partial<PersistConfig>): Promise<void> {
  client = await PersistClient.openSandbox(join(dir.dir, 'w.sqlite'), { compactionEnabled: false, ...config });
}

/** 30 times; each replaces the value of 40 keys, so advancing times cancels most updates. */
async function build(): Promise<string> {
  const shard = newShardId();
  const w = await client.openWriter(shard, strings);
  for (let t = 0; t < 30; t++) {
    const us: [string, string, number, number][] = [];
    for (let i = 0; i < 40; i++) {
      us.push([`key-${i}`, `value-${t}`, t, 1]);
      if (t > 0) us.push([`key-${i}`, `value-${t - 1}`, t, -1]);
    }
    await w.compareAndAppend(us, [t], [t + 1]);
  }
  await w.expire();
  return shard;
}

describe('since what-if', () => {
  for (const [name, config] of [
    ['blob parts', { inlineWritesMaxBytes: 0, blobTargetSizeBytes: 2048 }],
    ['inline outputs', { inlineWritesMaxBytes: 1 << 16 }],
  ] as const) {
    it(`predicts exactly what a forced compaction at that since leaves (${name})`, async () => {
      await open(config);
      const shard = await build();
      const r = await client.openLeasedReader(shard, { ...strings, diagnostics: { shardName: 's', handlePurpose: 'dashboard' } });
      const progress: number[] = [];
      const wi = await client.admin.sinceWhatIf(shard, 20, { onProgress: (p) => progress.push(p.partsDone) });
      expect(wi.cached).toBe(false);
      expect(wi.current.batches).toBe(30);
      expect(wi.lostAsOf).toEqual({ from: 0, to: 20 });
      expect(wi.readersBehind).toEqual([{ id: r.readerId, purpose: 'dashboard', since: [0] }]);
      expect(progress.at(-1)).toBe(wi.current.parts);
      // Moving the slider back to a since already asked about is answered from the cache.
      expect((await client.admin.sinceWhatIf(shard, 20)).cached).toBe(true);

      await r.downgradeSince([20]);
      await client.admin.forceCompaction(shard);
      const s = await client.inspectShard(shard);
      expect(wi.after).toEqual({ batches: s.batches.length, parts: s.stats.parts, rows: s.stats.updates, bytes: s.stats.bytes });
      // Rows at since 20: 40 keys at time 20 plus the 40 + 40 updates of each later time.
      expect(wi.after.rows).toBe(40 + 9 * 80);
      await r.expire();
    });
  }

  it('a since at the shard since leaves rows as they are; bad sinces and cancel are clear', async () => {
    await open({ inlineWritesMaxBytes: 0 });
    const shard = await build();
    const wi = await client.admin.sinceWhatIf(shard, 0);
    expect(wi.lostAsOf).toBeNull();
    expect(wi.after.rows).toBe(wi.current.rows);
    expect(wi.after.batches).toBe(1);
    await expect(client.admin.sinceWhatIf(shard, 31)).rejects.toThrow(/must lie in \[since, upper\] = \[\[0\], \[30\]\], got 31/);
    await expect(client.admin.sinceWhatIf(shard, 1.5)).rejects.toThrow(/non-negative safe integer/);
    const ac = new AbortController();
    ac.abort();
    await expect(client.admin.sinceWhatIf(shard, 10, { signal: ac.signal })).rejects.toThrow(/cancelled/);
    const s = await client.inspectShard(shard);
    expect(s.leasedReaders).toEqual([]);
    expect(s.batches).toHaveLength(30);
  });

  it('a cancel stops the merge: no part is read after it, nothing is cached, and the reader goes', async () => {
    await open({ inlineWritesMaxBytes: 0, blobTargetSizeBytes: 16 * 1024 });
    // 30 times of 1000 keys each, keys sorted by time: the merge's first chunks read the first
    // batches only, and it takes several chunks.
    const shard = newShardId();
    const w = await client.openWriter(shard, strings);
    for (let t = 0; t < 30; t++) {
      const us: [string, string, number, number][] = [];
      for (let i = 0; i < 1000; i++) us.push([`key-${String(t).padStart(2, '0')}-${String(i).padStart(4, '0')}`, 'v', t, 1]);
      await w.compareAndAppend(us, [t], [t + 1]);
    }
    await w.expire();
    let gets = 0;
    const get = client.storage.blob.get.bind(client.storage.blob);
    client.storage.blob.get = (key: string) => (gets++, get(key));
    const ac = new AbortController();
    let getsAtCancel = -1;
    let total = 0;
    const asking = client.admin.sinceWhatIf(shard, 25, {
      signal: ac.signal,
      onProgress: (p) => {
        total = p.partsTotal;
        if (p.partsDone > 0 && getsAtCancel < 0) {
          getsAtCancel = gets;
          ac.abort(new Error('cancelled by the user'));
        }
      },
    });
    await expect(asking).rejects.toThrow('cancelled by the user');
    expect(getsAtCancel).toBeGreaterThan(0);
    expect(gets).toBe(getsAtCancel);
    expect(getsAtCancel).toBeLessThan(total);
    expect((await client.inspectShard(shard)).leasedReaders).toEqual([]);
    // Asked again, the answer is computed (a cancelled run left nothing in the cache) and whole.
    const again = await client.admin.sinceWhatIf(shard, 25);
    expect(again.cached).toBe(false);
    expect(again.after.rows).toBe(30_000);
  });
});
