// Compaction history from retained versions: every compaction any client applied is found in
// consensus, with its inputs, rows and seqno, and the answer says how far back it can see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { newShardId, PersistClient } from '../index.js';
import { strings, tempDir } from '../testing/util.js';

let dir: { dir: string; cleanup: () => void };
let client: PersistClient;
beforeEach(async () => {
  dir = tempDir();
  client = await PersistClient.openSandbox(join(dir.dir, 'c.sqlite'), { compactionEnabled: false, inlineWritesMaxBytes: 0 });
});
afterEach(async () => {
  await client.close();
  dir.cleanup();
});

async function appends(shard: string, n: number, from = 0): Promise<void> {
  const w = await client.openWriter(shard, strings);
  for (let t = from; t < from + n; t++) {
    const res = await w.compareAndAppend([[`k${t % 3}`, 'v', t, 1]], [t], [t + 1]);
    expect(res.ok).toBe(true);
  }
  await w.expire();
}

describe('compactionHistory', () => {
  it('finds a forced compaction of 6 batches into 1 at the seqno that applied it', async () => {
    const shard = newShardId();
    await appends(shard, 6);
    const none = await client.admin.compactionHistory(shard);
    expect(none.compactions).toEqual([]);
    expect(none.earliestSeqno).toBe(1);

    const before = await client.inspectShard(shard);
    const r = await client.admin.forceCompaction(shard);
    expect(r).toEqual({ before: 6, after: 1 });
    const after = await client.inspectShard(shard);

    const h = await client.admin.compactionHistory(shard);
    expect(h.latestSeqno).toBe(after.seqno);
    expect(h.compactions).toHaveLength(1);
    const [c] = h.compactions;
    expect(c).toMatchObject({ inputs: 6, outputs: 1, rowsIn: 6, lower: '[0]', upper: '[6]' });
    expect(c.seqno).toBeGreaterThan(before.seqno);
    expect(c.seqno).toBeLessThanOrEqual(after.seqno);
    expect(c.rowsOut).toBe(after.stats.updates);
    expect(c.bytesIn).toBe(before.stats.bytes);
    expect(c.bytesOut).toBe(after.stats.bytes);
    expect(c.walltimeMs).toBeGreaterThan(0);
  });

  it('sees compactions another client applied, newest first, and is bounded by limit', async () => {
    const shard = newShardId();
    const other = await PersistClient.openSandbox(join(dir.dir, 'c.sqlite'), { compactionEnabled: false, inlineWritesMaxBytes: 0 });
    try {
      await appends(shard, 3);
      await other.admin.forceCompaction(shard);
      await appends(shard, 3, 3);
      await other.admin.forceCompaction(shard);
    } finally {
      await other.close();
    }
    const h = await client.admin.compactionHistory(shard);
    expect(h.compactions.map((c) => [c.inputs, c.rowsIn])).toEqual([
      [4, 6],
      [3, 3],
    ]);
    expect(h.compactions[0].seqno).toBeGreaterThan(h.compactions[1].seqno);
    expect(h.truncated).toBe(false);
    const one = await client.admin.compactionHistory(shard, { limit: 1 });
    expect(one.compactions.map((c) => c.seqno)).toEqual([h.compactions[0].seqno]);
    expect(one.truncated).toBe(true);
  });

  it('reaches back only to the earliest retained version after GC, and says so', async () => {
    const shard = newShardId();
    await appends(shard, 4);
    await client.admin.forceCompaction(shard);
    // Move the since so GC may truncate the versions before it.
    const r = await client.openLeasedReader(shard, strings);
    await r.downgradeSince([4]);
    await r.expire();
    await appends(shard, 2, 4);
    const gc = await client.admin.forceGc(shard);
    const h = await client.admin.compactionHistory(shard);
    const status = await client.admin.gcStatus(shard);
    expect(h.earliestSeqno).toBe(status.earliestRetained);
    expect(gc.truncatedVersions).toBeGreaterThan(0);
    expect(h.earliestSeqno).toBeGreaterThan(1);
    for (const c of h.compactions) expect(c.seqno).toBeGreaterThan(h.earliestSeqno);
  });

  it('says an unknown shard does not exist', async () => {
    await expect(client.admin.compactionHistory(newShardId())).rejects.toMatchObject({ kind: 'UnknownShard' });
  });
});
