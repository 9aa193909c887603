// The Data tab's snapshot cache: a partial page is answered as soon as its rows are read (the
// first paint of a 1M-row shard does not wait for the whole read); everything else waits for the
// whole snapshot, so its total is exact.
import { describe, expect, it } from 'vitest';
import type { ReadHandle } from '../../engine/index.js';
import { SnapshotCache } from './snapshot.js';

/** A reader whose cursor yields 600 rows, then waits for `open()`, then 400 more. */
function gatedReader() {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let expired = 0;
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => [`k${String(from + i).padStart(4, '0')}`, `v${from + i}`, 7, 1] as const);
  const reader = {
    async *snapshotCursor() {
      yield rows(0, 600);
      await gate;
      yield rows(600, 400);
    },
    async expire() {
      expired++;
    },
  } as unknown as ReadHandle<unknown, unknown>;
  return { open: () => open(), reader, expired: () => expired };
}

const codecs = { key: 'string', val: 'string' };
const settled = async <T>(p: Promise<T>) => Promise.race([p.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);

describe('SnapshotCache', () => {
  it('answers a partial first page before the read ends, and exact totals after', async () => {
    const cache = new SnapshotCache();
    const g = gatedReader();
    const open = async () => g.reader;
    const first = await cache.page('s1', 7, codecs, open, 0, 500, { partial: true });
    expect(first).toMatchObject({ asOf: 7, total: 600, complete: false, offset: 0 });
    expect(first.rows).toHaveLength(500);
    expect(first.rows[0]).toEqual({ key: 'k0000', val: 'v0', time: 7, diff: 1 });

    // a page past what is read waits; so does any request that is not partial
    const second = cache.page('s1', 7, codecs, open, 500, 500, { partial: true });
    const whole = cache.page('s1', 7, codecs, open, 0, 1);
    const filtered = cache.page('s1', 7, codecs, open, 0, 10, { keyContains: 'k09' });
    expect(await settled(second)).toBe(false);
    expect(await settled(whole)).toBe(false);
    expect(await settled(filtered)).toBe(false);

    g.open();
    expect(await second).toMatchObject({ total: 1000, offset: 500 }); // (complete may still be false: read, not yet closed)
    expect((await second).rows.map((r) => r.key).slice(0, 2)).toEqual(['k0500', 'k0501']);
    expect(await whole).toMatchObject({ total: 1000, complete: true });
    expect(await filtered).toMatchObject({ total: 100, unfiltered: 1000, complete: true });
    expect(await cache.page('s1', 7, codecs, open, 0, 500, { partial: true })).toMatchObject({ total: 1000, complete: true });
    expect(g.expired()).toBe(1); // one read, its reader expired at the end
  });

  it('a failed read fails every waiting page and is not cached', async () => {
    const cache = new SnapshotCache();
    let calls = 0;
    const failing = {
      async *snapshotCursor() {
        calls++;
        yield [['a', 'b', 1, 1]];
        throw new Error('blob gone');
      },
      async expire() {},
    } as unknown as ReadHandle<unknown, unknown>;
    await expect(cache.page('s2', 1, codecs, async () => failing, 0, 500, { partial: true })).rejects.toThrow('blob gone');
    await expect(cache.page('s2', 1, codecs, async () => failing, 0, 500)).rejects.toThrow('blob gone');
    expect(calls).toBe(2);
  });
});
