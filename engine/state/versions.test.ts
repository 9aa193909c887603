import { describe, expect, it } from 'vitest';
import { PersistClient } from '../client.js';
import { codecs } from '../codec.js';
import { newShardId } from '../ids.js';
import { MemBlob, MemConsensus } from '../location/mem.js';
import type { ShardInspection } from '../inspect.js';

const opts = { keyCodec: codecs.string, valCodec: codecs.string };

async function shardWithVersions(n: number) {
  const client = PersistClient.openWith({ consensus: new MemConsensus(), blob: new MemBlob() }, { compactionEnabled: false, rollupThreshold: 3 });
  const shard = newShardId();
  const [w, r] = await client.open(shard, opts);
  for (let t = 0; t < n; t++) await w.append([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
  await client.idle();
  return { client, shard, w, r };
}

describe('StateVersions', () => {
  it('walks every retained version once, oldest first, each the state stateAt rebuilds', async () => {
    const { client, shard } = await shardWithVersions(8);
    try {
      const latest = await client.inspectShard(shard);
      const first = (await client.admin.gcStatus(shard)).earliestRetained;
      const walked: ShardInspection[] = [];
      for (let seqno = first; seqno <= latest.seqno; seqno++) walked.push(await client.inspectShard(shard, { seqno }));
      const admin = await client.admin.history(shard, { limit: 10_000 });
      // history: newest first, one change per pair of consecutive versions, all of them.
      expect(admin.map((c) => c.toSeqno)).toEqual(walked.slice(1).map((s) => s.seqno).reverse());
      expect(admin.at(-1)!.fromSeqno).toBe(first);
      expect(admin.filter((c) => c.summary.startsWith('append')).length).toBe(walked.filter((s, i) => i > 0 && s.stats.updates > walked[i - 1].stats.updates).length);
      // The newest `limit` changes only.
      expect((await client.admin.history(shard, { limit: 3 })).map((c) => c.toSeqno)).toEqual([latest.seqno, latest.seqno - 1, latest.seqno - 2]);
    } finally {
      await client.close();
    }
  });

  it('after GC the walk starts at the earliest retained version, which loads on its own', async () => {
    const { client, shard, r } = await shardWithVersions(8);
    try {
      await r.expire(); // the reader held every version back
      const gc = await client.admin.forceGc(shard);
      expect(gc.truncatedVersions).toBeGreaterThan(0);
      const status = await client.admin.gcStatus(shard);
      expect(status.earliestRetained).toBeLessThanOrEqual(status.seqnoSince);
      const history = await client.admin.history(shard, { limit: 10_000 });
      expect(history.at(-1)!.fromSeqno).toBe(status.earliestRetained);
      // A fresh client (no state cached) loads the same latest state from what GC left.
      const again = PersistClient.openWith(client.storage, { compactionEnabled: false });
      expect((await again.inspectShard(shard)).seqno).toBe((await client.inspectShard(shard)).seqno);
      expect((await again.inspectShard(shard, { seqno: status.earliestRetained })).seqno).toBe(status.earliestRetained);
    } finally {
      await client.close();
    }
  });
});
