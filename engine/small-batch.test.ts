import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidUsageError, newShardId, PersistClient, type Antichain, type Update, type WriteHandle } from './index.js';
import type { BatchImpl } from './batch.js';
import { memClient, strings } from './testing/util.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

// A generator is not an array: it always goes through the builder, so the two paths can be compared.
function* viaBuilder<T>(xs: readonly T[]): Generator<T> {
  yield* xs;
}

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidUsageError);
    return `${(e as InvalidUsageError).kind}: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('small batches (arrays of a few updates)', () => {
  let w: WriteHandle<string, string>;
  beforeEach(async () => {
    w = await client.openWriter(newShardId(), strings);
  });

  it('hold the same sorted, consolidated inline part as the builder makes', async () => {
    const updates: Update<string, string>[] = [
      ['b', 'y', 3, 1],
      ['a', 'x', 2, 1],
      ['b', 'y', 3, 2],
      ['a', 'x', 2, -1],
      ['a', 'z', 1, 5],
      ['aa', '', 4, -2],
    ];
    const small = (await w.batch(updates, [0], [10])) as BatchImpl;
    const built = (await w.batch(viaBuilder(updates), [0], [10])) as BatchImpl;
    expect(small.len).toBe(3);
    expect(small.runs).toEqual(built.runs);
    expect(small.runs[0][0].inline).toBeDefined();
  });

  it('that consolidate to nothing are empty batches', async () => {
    const small = (await w.batch([['a', 'x', 1, 1], ['a', 'x', 1, -1]], [0], [2])) as BatchImpl;
    expect(small.len).toBe(0);
    expect(small.runs).toEqual([]);
  });

  it('reject bad updates with the builder’s errors', async () => {
    const cases: [Update<string, string>[], Antichain, Antichain][] = [
      [[['a', 'x', -1, 1]], [0], [2]],
      [[['a', 'x', 1, 0.5]], [0], [2]],
      [[['a', 'x', 0, 1]], [1], [2]],
      [[['a', 'x', 1, 1], ['b', 'x', 5, 1]], [0], [2]],
      [[[1 as never, 'x', 1, 1]], [0], [2]],
      [[['a', 'x', 1] as never], [0], [2]],
      [[], [3], [2]],
    ];
    for (const [updates, lower, upper] of cases) {
      const fromSmall = await failure(w.batch(updates, lower, upper));
      expect(fromSmall).not.toBe('no error');
      expect(fromSmall).toBe(await failure(w.batch(viaBuilder(updates), lower, upper)));
    }
    // The failed calls left nothing behind in the writer's arena.
    const after = (await w.batch([['c', 'v', 1, 1]], [0], [2])) as BatchImpl;
    expect(after.runs[0][0].inline).toEqual({ k: [Buffer.from('c').toString('base64')], v: [Buffer.from('v').toString('base64')], t: [1], d: [1] });
  });

  it('too big to go inline are written to blob by the builder', async () => {
    const big = 'v'.repeat(8000);
    const b = (await w.batch([['a', big, 1, 1]], [0], [2])) as BatchImpl;
    expect(b.runs[0][0].inline).toBeUndefined();
    expect(await client.storage.blob.get(b.runs[0][0].key)).not.toBeNull();
    expect(await w.compareAndAppendBatch([b], [0], [2])).toEqual({ ok: true });
  });

  it('of concurrent appends of one writer do not mix', async () => {
    const r = await client.openLeasedReader(w.shardId, strings);
    const n = 50;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => w.append([[`k${i}`, `v${i}`, i, 1]], [i], [i + 1])),
    );
    expect(results.every((x) => x.ok)).toBe(true);
    const rows = await r.snapshotAndFetch([n - 1]);
    expect(rows.map(([k, v]) => `${k}=${v}`).sort()).toEqual(Array.from({ length: n }, (_, i) => `k${i}=v${i}`).sort());
  });
});
