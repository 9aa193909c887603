// The behaviour every Consensus and Blob must show, run by each implementation's test file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidUsageError } from '../errors.js';
import type { Blob, Consensus, VersionedData } from './types.js';

/** Two handles on one location: what one writes the other must see, and hear of. */
export interface ConsensusPair {
  a: Consensus;
  b: Consensus;
}
export interface BlobPair {
  a: Blob;
  b: Blob;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const v = (seqno: number, s = `v${seqno}`): VersionedData => ({ seqno, data: enc(s) });
const key = () => `s${randomUUID()}`;

/** Resolves once `n` calls were seen, or rejects after ms. */
function counter(ms = 3000) {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    fn: () => {
      count++;
      for (const w of waiters.filter((w) => count >= w.n)) w.resolve();
    },
    get count() {
      return count;
    },
    reach(n: number): Promise<void> {
      if (count >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`watch fired ${count} times, expected ${n}`)), ms);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
  };
}

/** Opens a pair per test and closes every pair a test opened after it, whatever the test did. */
function openedPairs<P extends { a: { close(): Promise<void> }; b: { close(): Promise<void> } }>(open: () => Promise<P>): () => Promise<P> {
  const opened: P[] = [];
  afterEach(async () => {
    for (const p of opened.splice(0)) {
      await p.a.close();
      await p.b.close();
    }
  });
  return async () => {
    const pair = await open();
    opened.push(pair);
    return pair;
  };
}

export interface ConsensusConformanceOptions {
  /**
   * Truncating past the head (or a key with no versions) rejects with InvalidUsageError, as
   * Materialize's consensus does, instead of deleting all but the head.
   */
  truncatePastHeadRejects?: boolean;
}

export function consensusConformance(name: string, open: () => Promise<ConsensusPair>, options: ConsensusConformanceOptions = {}): void {
  describe(`${name}: Consensus conformance`, () => {
    const setup = openedPairs(open);

    it('compare-and-set on an empty key expects null', async () => {
      const { a } = await setup();
      const k = key();
      expect(await a.head(k)).toBeNull();
      expect(await a.compareAndSet(k, 5, v(6))).toEqual({ ok: false, current: null });
      expect(await a.compareAndSet(k, null, v(1))).toEqual({ ok: true });
      const head = await a.head(k);
      expect(head?.seqno).toBe(1);
      expect(dec(head!.data)).toBe('v1');
      expect(head!.data).toBeInstanceOf(Uint8Array);
    });

    it('a mismatch writes nothing and returns the current head', async () => {
      const { a, b } = await setup();
      const k = key();
      await a.compareAndSet(k, null, v(1));
      await a.compareAndSet(k, 1, v(2));
      for (const expected of [null, 1, 3]) {
        const res = await b.compareAndSet(k, expected, v(7, 'loser'));
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.current?.seqno).toBe(2);
          expect(dec(res.current!.data)).toBe('v2');
        }
      }
      expect((await b.scan(k, 0, 100)).map((x) => x.seqno)).toEqual([1, 2]);
    });

    it('seqnos must increase but may skip', async () => {
      const { a } = await setup();
      const k = key();
      await a.compareAndSet(k, null, v(3));
      await expect(a.compareAndSet(k, 3, v(3))).rejects.toBeInstanceOf(InvalidUsageError);
      await expect(a.compareAndSet(k, 3, v(2))).rejects.toBeInstanceOf(InvalidUsageError);
      await expect(a.compareAndSet(k, 3, v(-1 as number))).rejects.toBeInstanceOf(InvalidUsageError);
      await expect(a.compareAndSet(k, 3, v(4.5))).rejects.toBeInstanceOf(InvalidUsageError);
      expect(await a.compareAndSet(k, 3, v(10))).toEqual({ ok: true });
      expect((await a.head(k))?.seqno).toBe(10);
    });

    it('scan returns ascending versions from a seqno, at most limit', async () => {
      const { a, b } = await setup();
      const k = key();
      for (let i = 1; i <= 6; i++) await a.compareAndSet(k, i === 1 ? null : i - 1, v(i));
      expect((await b.scan(k, 0, 100)).map((x) => x.seqno)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await b.scan(k, 3, 2)).map((x) => x.seqno)).toEqual([3, 4]);
      expect((await b.scan(k, 6, 10)).map((x) => dec(x.data))).toEqual(['v6']);
      expect(await b.scan(k, 7, 10)).toEqual([]);
      expect(await b.scan(k, 0, 0)).toEqual([]);
      expect(await b.scan(key(), 0, 10)).toEqual([]);
    });

    it('truncate deletes below a seqno but never the head', async () => {
      const { a } = await setup();
      const k = key();
      for (let i = 1; i <= 5; i++) await a.compareAndSet(k, i === 1 ? null : i - 1, v(i));
      expect(await a.truncate(k, 3)).toBe(2);
      expect(await a.truncate(k, 3)).toBe(0);
      expect((await a.scan(k, 0, 10)).map((x) => x.seqno)).toEqual([3, 4, 5]);
      if (options.truncatePastHeadRejects) {
        await expect(a.truncate(k, 6)).rejects.toBeInstanceOf(InvalidUsageError);
        await expect(a.truncate(key(), 10)).rejects.toBeInstanceOf(InvalidUsageError);
        expect((await a.scan(k, 0, 10)).map((x) => x.seqno)).toEqual([3, 4, 5]);
        expect(await a.truncate(k, 5)).toBe(2);
      } else {
        expect(await a.truncate(k, 1000)).toBe(2);
        expect(await a.truncate(key(), 10)).toBe(0);
      }
      expect((await a.scan(k, 0, 10)).map((x) => x.seqno)).toEqual([5]);
      expect((await a.head(k))?.seqno).toBe(5);
      // The chain goes on from the head after truncation.
      expect(await a.compareAndSet(k, 5, v(6))).toEqual({ ok: true });
    });

    it('listKeys lists keys with versions', async () => {
      const { a, b } = await setup();
      const k1 = key();
      const k2 = `${key()}/with slash ünïcode`;
      await a.compareAndSet(k1, null, v(1));
      await a.compareAndSet(k2, null, v(1));
      const keys = await b.listKeys();
      expect(keys).toEqual(expect.arrayContaining([k1, k2]));
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('stores bytes exactly and independently of the caller’s buffers', async () => {
      const { a, b } = await setup();
      const k = key();
      const big = new Uint8Array(1 << 20).map((_, i) => (i * 7919) & 0xff);
      const input = big.slice();
      await a.compareAndSet(k, null, { seqno: 1, data: input });
      input.fill(0);
      expect(Buffer.compare((await b.head(k))!.data, big)).toBe(0);
      await a.compareAndSet(k, 1, { seqno: 2, data: new Uint8Array(0) });
      expect((await b.head(k))!.data.byteLength).toBe(0);
      const out = (await b.scan(k, 1, 1))[0].data;
      out.fill(1);
      expect(Buffer.compare((await b.scan(k, 1, 1))[0].data, big)).toBe(0);
    });

    it('racing compare-and-sets on one expected seqno: exactly one wins', async () => {
      const { a, b } = await setup();
      const k = key();
      await a.compareAndSet(k, null, v(1));
      // Different new seqnos too, so only the check of the head (not a key clash) can stop them.
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).compareAndSet(k, 1, v(2 + i, `racer${i}`))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const versions = await a.scan(k, 0, 100);
      expect(versions).toHaveLength(2);
      const winner = results.findIndex((r) => r.ok);
      expect(dec(versions[1].data)).toBe(`racer${winner}`);
    });

    it('watch fires after commits of this and another handle, and stops when unsubscribed', async () => {
      const { a, b } = await setup();
      const k = key();
      const other = key();
      const c = counter();
      const unwatch = a.watch(k, c.fn);
      const quiet = counter();
      const unwatchOther = a.watch(other, quiet.fn);
      await a.compareAndSet(k, null, v(1));
      await c.reach(1);
      await b.compareAndSet(k, 1, v(2));
      await c.reach(2);
      unwatch();
      await b.compareAndSet(k, 2, v(3));
      await new Promise((r) => setTimeout(r, 100));
      expect(c.count).toBe(2);
      expect(quiet.count).toBe(0);
      unwatchOther();
    });

    it('a watch started after a read hears of versions written in between', async () => {
      const { a, b } = await setup();
      const k = key();
      await a.compareAndSet(k, null, v(1));
      expect((await a.head(k))?.seqno).toBe(1);
      await b.compareAndSet(k, 1, v(2));
      const c = counter();
      const unwatch = a.watch(k, c.fn);
      await c.reach(1);
      unwatch();
    });

    it("closing a handle ends its watches (another handle's commits no longer wake them) and a later unsubscribe is harmless", async () => {
      const { a, b } = await setup();
      const k = key();
      const c = counter();
      const unwatch = a.watch(k, c.fn);
      await b.compareAndSet(k, null, v(1));
      await c.reach(1);
      await a.close();
      await b.compareAndSet(k, 1, v(2));
      await new Promise((r) => setTimeout(r, 100));
      expect(c.count).toBe(1);
      expect(() => unwatch()).not.toThrow();
    });

    it('rejects calls after close', async () => {
      const { a } = await setup();
      await a.close();
      await expect(a.head(key())).rejects.toThrow(/closed/);
      await a.close(); // idempotent
    });
  });
}

export interface BlobConformanceOptions {
  /** False for test servers whose concurrent writes of one key can interleave (s3rver writes in place). */
  atomicConcurrentSets?: boolean;
}

export function blobConformance(name: string, open: () => Promise<BlobPair>, options: BlobConformanceOptions = {}): void {
  describe(`${name}: Blob conformance`, () => {
    const setup = openedPairs(open);

    it('get, set, overwrite, delete', async () => {
      const { a, b } = await setup();
      const k = `${key()}/part/${randomUUID()}`;
      expect(await a.get(k)).toBeNull();
      await a.set(k, enc('hello'));
      expect(dec((await b.get(k))!)).toBe('hello');
      expect(await b.get(k)).toBeInstanceOf(Uint8Array);
      await b.set(k, enc('hi'));
      expect(dec((await a.get(k))!)).toBe('hi');
      expect(await a.delete(k)).toBe(2);
      expect(await b.get(k)).toBeNull();
      expect(await b.delete(k)).toBeNull();
    });

    it('list returns keys under a prefix with sizes', async () => {
      const { a, b } = await setup();
      const s = key();
      const keys = [`${s}/part/p1`, `${s}/part/p2`, `${s}/rollup/7`, `${s}/rollup/123`, `${s}x/part/p3`];
      for (const [i, k] of keys.entries()) await a.set(k, new Uint8Array(i + 1));
      const sorted = (l: { key: string; sizeBytes: number }[]) => [...l].sort((x, y) => (x.key < y.key ? -1 : 1));
      expect(sorted(await b.list(`${s}/`))).toEqual([
        { key: `${s}/part/p1`, sizeBytes: 1 },
        { key: `${s}/part/p2`, sizeBytes: 2 },
        { key: `${s}/rollup/123`, sizeBytes: 4 },
        { key: `${s}/rollup/7`, sizeBytes: 3 },
      ]);
      expect((await b.list(`${s}/ro`)).map((m) => m.key).sort()).toEqual([`${s}/rollup/123`, `${s}/rollup/7`]);
      expect((await b.list(`${s}/rollup/1`)).map((m) => m.key)).toEqual([`${s}/rollup/123`]);
      expect((await b.list(s)).map((m) => m.key).sort()).toEqual([...keys].sort());
      expect(await b.list(`${s}/nothing`)).toEqual([]);
      const all = (await b.list('')).map((m) => m.key);
      expect(all).toEqual(expect.arrayContaining(keys));
      await a.delete(`${s}/rollup/7`);
      expect((await b.list(`${s}/rollup/`)).map((m) => m.key)).toEqual([`${s}/rollup/123`]);
    });

    it('keeps keys apart that differ only in case, punctuation or non-ASCII', async () => {
      const { a, b } = await setup();
      const s = key();
      const keys = [`${s}/Ab`, `${s}/ab`, `${s}/a.b`, `${s}/a b`, `${s}/a%2Fb`, `${s}/ä`, `${s}/con`, `${s}/x.blob/y`, `${s}/x`];
      for (const k of keys) await a.set(k, enc(k));
      for (const k of keys) expect(dec((await b.get(k))!)).toBe(k);
      expect((await b.list(s)).map((m) => m.key).sort()).toEqual([...keys].sort());
    });

    it('stores binary, empty and large values exactly', async () => {
      const { a, b } = await setup();
      const s = key();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = new Uint8Array(5 << 20).map((_, i) => (i * 31) & 0xff);
      await a.set(`${s}/bin`, all);
      await a.set(`${s}/empty`, new Uint8Array(0));
      await a.set(`${s}/big`, big);
      expect(Buffer.compare((await b.get(`${s}/bin`))!, all)).toBe(0);
      expect((await b.get(`${s}/empty`))!.byteLength).toBe(0);
      expect(Buffer.compare((await b.get(`${s}/big`))!, big)).toBe(0);
      expect(await b.delete(`${s}/big`)).toBe(5 << 20);
    });

    it('a stored value does not change when the caller reuses its buffer', async () => {
      const { a, b } = await setup();
      const k = key();
      const buf = enc('original');
      await a.set(k, buf);
      buf.fill(0);
      expect(dec((await b.get(k))!)).toBe('original');
    });

    // Skipped only for a test server whose concurrent PUTs of one key interleave (s3rver writes in
    // place; real S3 replaces objects atomically): the caller passing atomicConcurrentSets: false says so.
    it.skipIf(options.atomicConcurrentSets === false)('concurrent sets of one key leave one whole value', async () => {
      const { a, b } = await setup();
      const k = key();
      const values = Array.from({ length: 8 }, (_, i) => new Uint8Array(256 * 1024).fill(i + 1));
      await Promise.all(values.map((val, i) => (i % 2 ? a : b).set(k, val)));
      const got = (await a.get(k))!;
      expect(got.byteLength).toBe(256 * 1024);
      expect(got.every((x) => x === got[0])).toBe(true);
    });
  });
}

/** A temporary directory removed by the returned cleanup (kept here so location tests need no engine imports). */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-loc-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
