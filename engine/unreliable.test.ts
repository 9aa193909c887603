import { describe, expect, it } from 'vitest';
import { newShardId, PersistClient } from './index.js';
import { MemBlob, MemConsensus } from './location/mem.js';
import { UnreliableBlob, UnreliableConsensus } from './location/unreliable.js';
import { sortUpdates, strings } from './testing/util.js';
import { useQuickRetries } from './testing/retry.test-util.js';

useQuickRetries({ initialDelayMs: 1, maxDelayMs: 5 });

describe('on storage that fails a fifth of its calls', () => {
  it('retries transient failures; every acknowledged write is there exactly once, indeterminate ones included', async () => {
    const consensus = new UnreliableConsensus(new MemConsensus(), { failRate: 0.2, indeterminateRate: 0.5, seed: 7 });
    const blob = new UnreliableBlob(new MemBlob(), { failRate: 0.2, indeterminateRate: 0.5, seed: 8 });
    const c = PersistClient.openWith({ consensus, blob }, { inlineWritesMaxBytes: 64, rollupThreshold: 8 });
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    const expected: (readonly [string, string, number, number])[] = [];
    for (let t = 0; t < 60; t++) {
      const updates = [[`k${t}`, t % 2 ? 'x'.repeat(100) : 'v', t, 1] as const];
      const res = await w.compareAndAppend(updates, [t], [t + 1]);
      expect(res).toEqual({ ok: true });
      expected.push([`k${t}`, t % 2 ? 'x'.repeat(100) : 'v', 59, 1]);
    }
    // The faults really happened, including writes that landed although the caller saw an error.
    expect(consensus.stats.determinate).toBeGreaterThan(5);
    expect(consensus.stats.indeterminateApplied).toBeGreaterThan(2);
    expect(blob.stats.determinate + blob.stats.indeterminateApplied).toBeGreaterThan(2);
    consensus.failRate = 0;
    blob.failRate = 0;
    expect(sortUpdates(await r.snapshotAndFetch([59]))).toEqual(sortUpdates(expected));
    // A fresh client replays the same state from storage.
    const again = PersistClient.openWith({ consensus: consensus.inner, blob: blob.inner });
    expect((await again.inspectShard(shard)).upper).toEqual([60]);
    await again.close();
    await c.close();
  });
});
