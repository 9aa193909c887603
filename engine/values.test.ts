// Consolidation never fails on accepted data: diffs are safe integers, their sums need not be.
// A (key, val, time) whose diffs sum past 2^53 - 1 is read as several updates whose diffs are safe
// integers and sum exactly (rows of +-MAX_SAFE_INTEGER and a remainder), on every read path and
// through compaction.
import { afterEach, describe, expect, it } from 'vitest';
import { newShardId, PersistClient, type ListenEvent } from './index.js';
import { memClient, strings } from './testing/util.js';

const MAX = Number.MAX_SAFE_INTEGER;
type U = readonly [string, string, number, number];

const clients: PersistClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

/** Exact sums by (key, val, time), after checking every diff is a safe integer. */
function sums(updates: readonly U[]): Record<string, string> {
  const out: Record<string, bigint> = {};
  for (const [k, v, t, d] of updates) {
    expect(Number.isSafeInteger(d)).toBe(true);
    const id = `${k}|${v}|${t}`;
    out[id] = (out[id] ?? 0n) + BigInt(d);
  }
  return Object.fromEntries(Object.entries(out).filter(([, s]) => s !== 0n).map(([id, s]) => [id, s.toString()]));
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of it) out.push(...chunk);
  return out;
}

const big = (n: bigint) => (BigInt(MAX) + n).toString();

for (const inline of [true, false]) {
  describe(`diff sums past 2^53 (${inline ? 'inline' : 'blob'} parts)`, () => {
    async function setup() {
      const c = await memClient({ compactionEnabled: false, inlineWritesMaxBytes: inline ? 4096 : 0 });
      clients.push(c);
      const shard = newShardId();
      const [w, r] = await c.open(shard, strings);
      // A listen takes its handle over: listens and subscribes get handles of their own.
      const reader = () => c.openLeasedReader(shard, strings);
      return { c, shard, w, r, reader };
    }

    it('MAX_SAFE_INTEGER at t=0 and 1 at t=1, read as of [1]: every read path, and compaction', async () => {
      const { c, shard, w, r, reader } = await setup();
      const listen = await (await reader()).listen([0]);
      expect(await w.compareAndAppend([['k', 'v', 0, MAX]], [0], [1])).toEqual({ ok: true });
      expect(await w.compareAndAppend([['k', 'v', 1, 1], ['other', 'v', 1, 2]], [1], [2])).toEqual({ ok: true });
      const want = { 'k|v|1': big(1n), 'other|v|1': '2' };
      const snap = await r.snapshotAndFetch([1]);
      expect(sums(snap)).toEqual(want);
      expect(snap).toHaveLength(3);
      expect(sums(await collect(r.snapshotCursor([1])))).toEqual(want);
      const streamed: U[] = [];
      for await (const u of r.snapshotAndStream([1])) streamed.push(u);
      expect(sums(streamed)).toEqual(want);
      const parts = await r.snapshot([1]);
      const fetched = (await Promise.all(parts.map((p) => r.fetchPart(p)))).flat();
      expect(sums(fetched)).toEqual(want);
      // A listen sees each update at its own time: nothing to sum, nothing to fail.
      const events: ListenEvent<string, string>[] = [];
      while (!events.some((e) => e.kind === 'progress' && e.frontier[0] === 2)) events.push(...(await listen.fetchNext()));
      expect(sums(events.flatMap((e) => (e.kind === 'updates' ? e.updates : [])))).toEqual({ 'k|v|1': '1', 'other|v|1': '2' });
      // A subscribe as of [1] starts with the consolidated snapshot.
      const sub = await (await reader()).subscribe([1]);
      const first = await sub.fetchNext();
      expect(sums(first.flatMap((e) => (e.kind === 'updates' ? e.updates : [])))).toEqual(want);
      await sub.expire();

      // Compaction at since [1] merges the two times: the result is kept exact, and reads agree.
      await r.downgradeSince([1]);
      await listen.expire();
      const res = await c.admin.forceCompaction(shard);
      expect(res.after).toBe(1);
      expect((await c.inspectShard(shard)).batches[0].since).toEqual([1]);
      expect(sums(await r.snapshotAndFetch([1]))).toEqual(want);
      expect(sums(await collect(r.snapshotCursor([1])))).toEqual(want);
      // And appending what cancels it consolidates back to nothing.
      expect(await w.compareAndAppend([['k', 'v', 2, -MAX], ['k', 'v', 2, -1]], [2], [3])).toEqual({ ok: true });
      expect(sums(await r.snapshotAndFetch([2]))).toEqual({ 'other|v|2': '2' });
      await c.admin.forceCompaction(shard);
      expect(await r.snapshotAndFetch([2])).toEqual([['other', 'v', 2, 2]]);
    });

    it('2^52 + 1 twice at one time, in one append and in two', async () => {
      const { c, shard, w, r, reader } = await setup();
      const listen = await (await reader()).listen([0]);
      const d = 2 ** 52 + 1;
      expect(await w.compareAndAppend([['k', 'v', 1, d], ['k', 'v', 1, d]], [0], [2])).toEqual({ ok: true });
      expect(await w.compareAndAppend([['j', 'v', 2, d]], [2], [3])).toEqual({ ok: true });
      expect(await w.compareAndAppend([['j', 'v', 3, d]], [3], [4])).toEqual({ ok: true });
      const twice = (2n * BigInt(d)).toString();
      const want = { 'k|v|3': twice, 'j|v|3': twice };
      expect(sums(await r.snapshotAndFetch([3]))).toEqual(want);
      expect(sums(await collect(r.snapshotCursor([3])))).toEqual(want);
      const events: ListenEvent<string, string>[] = [];
      while (!events.some((e) => e.kind === 'progress' && e.frontier[0] === 4)) events.push(...(await listen.fetchNext()));
      expect(sums(events.flatMap((e) => (e.kind === 'updates' ? e.updates : [])))).toEqual({ 'k|v|1': twice, 'j|v|2': String(d), 'j|v|3': String(d) });
      await listen.expire();
      await r.downgradeSince([3]);
      await c.admin.forceCompaction(shard);
      expect((await c.inspectShard(shard)).batches).toHaveLength(1);
      expect(sums(await r.snapshotAndFetch([3]))).toEqual(want);
    });
  });
}
