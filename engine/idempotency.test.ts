// Appends and compactions under the storage faults that lose acknowledged data when handled
// naively: a compare-and-set that lands but whose reply is lost, with another client writing on
// top before the retry; outages longer than the retry bound; answers from a stale cache.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  CorruptDataError,
  InvalidUsageError,
  MemBlob,
  MemConsensus,
  newShardId,
  PersistClient,
} from './index.js';
import { ScriptedConsensus } from './testing/scripted-consensus.js';
import { sortUpdates, strings } from './testing/util.js';
import type { CasResult, Consensus, VersionedData } from './location/types.js';
import { useQuickRetries } from './testing/retry.test-util.js';

useQuickRetries({ initialDelayMs: 1, maxDelayMs: 5, totalMs: 50 });

/** Big enough that a batch goes to blob, not inline in state. */
const big = (tag: string): string => tag + 'x'.repeat(6000);

interface Pair {
  name: string;
  scripted: ScriptedConsensus;
  a: PersistClient;
  b: PersistClient;
  blob: MemBlob;
}

/** Client `a` over scripted storage, client `b` over the same stores, untouched. */
function pair(config: Parameters<typeof PersistClient.openWith>[1] = {}): Pair {
  const name = randomUUID();
  const scripted = new ScriptedConsensus(MemConsensus.named(name));
  const a = PersistClient.openWith({ consensus: scripted, blob: MemBlob.named(name) }, config);
  const b = PersistClient.openWith({ consensus: MemConsensus.named(name), blob: MemBlob.named(name) }, config);
  return { name, scripted, a, b, blob: MemBlob.named(name) };
}

/** A pair, a fresh shard, and a writer on it through the scripted client. */
async function writerOnPair(config: Parameters<typeof pair>[0] = {}) {
  const p = pair(config);
  const shard = newShardId();
  return { p, shard, wa: await p.a.openWriter(shard, strings) };
}

async function closePair(p: Pair): Promise<void> {
  await p.a.close();
  await p.b.close();
}

async function readAll(p: Pair, shard: string, asOf: number) {
  const reader = PersistClient.openWith({ consensus: MemConsensus.named(p.name), blob: MemBlob.named(p.name) });
  try {
    const r = await reader.openLeasedReader(shard, strings);
    return sortUpdates(await r.snapshotAndFetch([asOf]));
  } finally {
    await reader.close();
  }
}

describe('a compare-and-set that lands but loses its reply, with another write on top', () => {
  it('compareAndAppend answers ok, keeps its parts, and the data reads back once', async () => {
    const { p, shard, wa } = await writerOnPair();
    const wb = await p.b.openWriter(shard, strings);
    p.scripted.next.push({
      kind: 'landThenFail',
      between: async () => void expect(await wb.compareAndAppend([['b', 'v', 1, 1]], [1], [2])).toEqual({ ok: true }),
    });
    expect(await wa.compareAndAppend([['a', big('a'), 0, 1]], [0], [1])).toEqual({ ok: true });
    expect(p.scripted.stats.landedThenFailed).toBe(1);
    expect(await readAll(p, shard, 1)).toEqual([
      ['a', big('a'), 1, 1],
      ['b', 'v', 1, 1],
    ]);
    await closePair(p);
  });

  it('append answers ok and the data is there once', async () => {
    const { p, shard, wa } = await writerOnPair();
    const wb = await p.b.openWriter(shard, strings);
    p.scripted.next.push({
      kind: 'landThenFail',
      between: async () => void (await wb.append([['b', 'v', 3, 1]], [3], [4])),
    });
    expect(await wa.append([['a', big('a'), 0, 1]], [0], [3])).toEqual({ ok: true });
    expect(await readAll(p, shard, 3)).toEqual([
      ['a', big('a'), 3, 1],
      ['b', 'v', 3, 1],
    ]);
    await closePair(p);
  });

  it('a compaction whose result landed keeps its output', async () => {
    const { p, shard, wa } = await writerOnPair({ compactionEnabled: false });
    const wb = await p.b.openWriter(shard, strings);
    const expected: [string, string, number, number][] = [];
    for (let t = 0; t < 4; t++) {
      await wa.compareAndAppend([[`k${t}`, big(`v${t}`), t, 1]], [t], [t + 1]);
      expected.push([`k${t}`, big(`v${t}`), 4, 1]);
    }
    p.scripted.next.push({
      kind: 'landThenFail',
      between: async () => void (await wb.compareAndAppend([['late', 'v', 4, 1]], [4], [5])),
    });
    const res = await p.a.admin.forceCompaction(shard);
    expect(res.after).toBeLessThan(res.before);
    expect(p.scripted.stats.landedThenFailed).toBe(1);
    expected.push(['late', 'v', 4, 1]);
    expect(await readAll(p, shard, 4)).toEqual(sortUpdates(expected));
    await closePair(p);
  });
});

describe('an indeterminate failure that outlasts the retry bound', () => {
  it.each([
    ['is resolved by re-reading state once storage is back: ok, data kept', 'landThenFail', 400],
    ['a write that did not land is retried and lands once', 'failUnapplied', 300],
  ] as const)('%s', async (_title, kind, downMs) => {
    const { p, shard, wa } = await writerOnPair();
    p.scripted.next.push({
      kind,
      between: async () => {
        p.scripted.down = true; // far longer than the 50 ms retry bound of this file
        setTimeout(() => (p.scripted.down = false), downMs);
      },
    });
    expect(await wa.compareAndAppend([['a', big('a'), 0, 1]], [0], [1])).toEqual({ ok: true });
    expect(await readAll(p, shard, 0)).toEqual([['a', big('a'), 0, 1]]);
    await closePair(p);
  });

  it('close() ends the wait with ClientClosedError and leaves the parts of the unknown write', async () => {
    const { p, shard, wa } = await writerOnPair();
    p.scripted.next.push({ kind: 'landThenFail', between: async () => void (p.scripted.down = true) });
    const pending = wa.compareAndAppend([['a', big('a'), 0, 1]], [0], [1]);
    const outcome = pending.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 150));
    await p.a.close();
    expect(await outcome).toBeInstanceOf(ClientClosedError);
    // It had landed: another client reads it, its part intact.
    expect(await readAll(p, shard, 0)).toEqual([['a', big('a'), 0, 1]]);
    await p.b.close();
  });
});

describe('answers are linearized, never from a stale cache', () => {
  it('a writer whose cache is behind appends at the real upper, and reports real mismatches', async () => {
    const { p, shard, wa } = await writerOnPair();
    const wb = await p.b.openWriter(shard, strings); // caches upper [0]
    expect(await wa.compareAndAppend([['a', 'v', 0, 1]], [0], [5])).toEqual({ ok: true });
    expect(wb.upper()).toEqual([0]);
    expect(await wb.compareAndAppend([['b', 'v', 5, 1]], [5], [6])).toEqual({ ok: true });
    expect(await wb.compareAndAppend([['c', 'v', 3, 1]], [3], [4])).toEqual({ ok: false, expected: [3], current: [6] });
    // wa still caches [5]: its mismatch names the real upper.
    expect(await wa.compareAndAppend([['d', 'v', 5, 1]], [5], [7])).toEqual({ ok: false, expected: [5], current: [6] });
    expect(await wb.compareAndAppend([], [6], [8])).toEqual({ ok: true });
    // append at a lower the cache has not seen yet is not "upper before lower".
    expect(await wa.append([['e', 'v', 8, 1]], [8], [9])).toEqual({ ok: true });
    expect(await readAll(p, shard, 8)).toEqual([
      ['a', 'v', 8, 1],
      ['b', 'v', 8, 1],
      ['e', 'v', 8, 1],
    ]);
    await closePair(p);
  });
});

describe('part ownership', () => {
  it('a transmitted batch appended by the receiver is not deleted by the sender appending its original', async () => {
    const { p, shard, wa } = await writerOnPair();
    const wb = await p.b.openWriter(shard, strings);
    const original = await wa.batch([['k', big('v'), 0, 1]], [0], [1]);
    const copy = wb.batchFromTransmittable(JSON.parse(JSON.stringify(original.toTransmittable())));
    expect(await wb.compareAndAppendBatch([copy], [0], [1])).toEqual({ ok: true });
    expect(await wa.appendBatch(original, [0], [1])).toEqual({ ok: true }); // a no-op
    await original.delete(); // also a no-op now
    expect(await readAll(p, shard, 0)).toEqual([['k', big('v'), 0, 1]]);
    await closePair(p);
  });

  it('the same batch twice in one call is InvalidArgument, and the caller still owns it', async () => {
    const { p, shard, wa } = await writerOnPair();
    const b = await wa.batch([['k', big('v'), 0, 1]], [0], [1]);
    const err = await wa.compareAndAppendBatch([b, b], [0], [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidUsageError);
    expect((err as InvalidUsageError).kind).toBe('InvalidArgument');
    const twin = wa.batchFromTransmittable(b.toTransmittable());
    const err2 = await wa.compareAndAppendBatch([b, twin], [0], [1]).catch((e: unknown) => e);
    expect((err2 as InvalidUsageError).kind).toBe('InvalidArgument');
    expect(wa.upper()).toEqual([0]);
    expect(await wa.compareAndAppendBatch([b], [0], [1])).toEqual({ ok: true });
    expect(await readAll(p, shard, 0)).toEqual([['k', big('v'), 0, 1]]);
    await closePair(p);
  });

  it('append() that answers a mismatch deletes the batch it uploaded', async () => {
    const { p, shard, wa } = await writerOnPair();
    await wa.compareAndAppend([['k', big('v'), 0, 1]], [0], [1]);
    const before = (await p.blob.list(shard)).length;
    expect(await wa.append([['late', big('x'), 5, 1]], [5], [6])).toEqual({ ok: false, expected: [5], current: [1] });
    expect(await wa.compareAndAppend([['late', big('x'), 5, 1]], [4], [6])).toMatchObject({ ok: false });
    expect((await p.blob.list(shard)).length).toBe(before);
    await closePair(p);
  });
});

/** Consensus whose compare-and-sets always lose to a head that its scans never show (a damaged head row). */
class PhantomHead implements Consensus {
  constructor(private readonly inner: Consensus) {}
  head = (k: string) => this.inner.head(k);
  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    const head = await this.inner.head(key);
    if (!head || head.seqno < 2) return this.inner.compareAndSet(key, expected, data);
    return { ok: false, current: { seqno: 1_000_000, data: new Uint8Array([1, 2, 3]) } };
  }
  scan = (k: string, f: number, l: number) => this.inner.scan(k, f, l);
  truncate = (k: string, b: number) => this.inner.truncate(k, b);
  listKeys = () => this.inner.listKeys();
  watch = (k: string, f: (s?: number) => void) => this.inner.watch(k, f);
  close = () => this.inner.close();
}

describe('a state that never converges', () => {
  it('is reported as CorruptDataError naming the head, without freezing the process', async () => {
    const c = PersistClient.openWith({ consensus: new PhantomHead(new MemConsensus()), blob: new MemBlob() });
    const shard = newShardId();
    const w = await c.openWriter(shard, strings);
    await w.compareAndAppend([['a', 'v', 0, 1]], [0], [1]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const err = await w.compareAndAppend([['b', 'v', 1, 1]], [1], [2]).catch((e: unknown) => e);
    clearInterval(timer);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).key).toBe(`${shard}@1000000`);
    expect(ticks).toBeGreaterThan(0); // the loop yielded to timers while it tried
    await c.close();
  });
});
