import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, InvalidUsageError, MultiWriteHandle, RuntimeShutdownError, startRuntime, type RuntimeClient, type Update } from '../index.js';
import { memLocation, sortUpdates, tempDir } from '../testing/util.js';

const started: RuntimeClient[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
  cleanups.splice(0).forEach((f) => f());
});

async function runtime(loc = memLocation()) {
  const rt = await startRuntime(loc);
  started.push(rt);
  return rt;
}

type U = Update<string, string>;
const consolidate = (us: U[]): U[] => {
  const m = new Map<string, U>();
  for (const u of us) {
    const k = JSON.stringify(u.slice(0, 3));
    const prev = m.get(k);
    m.set(k, [u[0], u[1], u[2], (prev?.[3] ?? 0) + u[3]]);
  }
  return sortUpdates([...m.values()].filter((u) => u[3] !== 0));
};
const read = async (r: { snapshot(): Promise<{ readToEnd(): Promise<U[]> }> }) => consolidate(await (await r.snapshot()).readToEnd());

describe('streams runtime', () => {
  it('writes, seals and snapshots: every acknowledged write is in the snapshot, sealed or not', async () => {
    const rt = await runtime();
    const [w, r] = await rt.createOrLoad('test', codecs.string, codecs.string);
    expect(await rt.getDescription('test')).toEqual({ lower: [0], upper: [0], since: [0] });
    await w.write([['k1', 'v1', 1, 1], ['k2', 'v2', 2, 1]]);
    expect(await read(r)).toEqual([['k1', 'v1', 1, 1], ['k2', 'v2', 2, 1]]);
    await w.seal(2);
    expect((await rt.getDescription('test')).upper).toEqual([2]);
    await w.write([['k3', 'v3', 5, 1]]);
    const snap = await r.snapshot();
    expect(snap.seal).toEqual([2]);
    expect(consolidate(await snap.readToEnd())).toEqual([['k1', 'v1', 1, 1], ['k2', 'v2', 2, 1], ['k3', 'v3', 5, 1]]);
    await w.seal(10);
    expect(await read(r)).toEqual([['k1', 'v1', 1, 1], ['k2', 'v2', 2, 1], ['k3', 'v3', 5, 1]]);
    // intoIters splits it once across the iterators
    const iters = (await r.snapshot()).intoIters(2);
    const got: U[] = [];
    for (const it of iters) for await (const u of it) got.push(u);
    expect(consolidate(got)).toEqual([['k1', 'v1', 1, 1], ['k2', 'v2', 2, 1], ['k3', 'v3', 5, 1]]);
  });

  it('rejects writes before the seal, seals below it and compaction below the since with the contract messages', async () => {
    const rt = await runtime();
    const [w] = await rt.createOrLoad('s', codecs.string, codecs.string);
    await w.seal(5);
    await expect(w.write([['a', 'b', 4, 1]])).rejects.toMatchObject({ kind: 'UpdateNotBeyondLower' });
    await expect(w.seal(3)).rejects.toThrow('invalid seal for s: 3 not at or in advance of current seal frontier [5]');
    await expect(w.seal(3)).rejects.toMatchObject({ kind: 'InvalidSeal' });
    await w.seal(5); // at the seal is fine
    await w.allowCompaction([3]);
    await expect(w.allowCompaction([2])).rejects.toMatchObject({ kind: 'InvalidSince' });
    expect(await rt.getDescription('s')).toEqual({ lower: [0], upper: [5], since: [3] });
    await expect(w.write([['a', 'b', -1, 1]])).rejects.toMatchObject({ kind: 'InvalidTimestamp' });
  });

  it('checks codecs per stream with the shard messages', async () => {
    const rt = await runtime();
    await rt.createOrLoad('c', codecs.string, codecs.string);
    await expect(rt.createOrLoad('c', codecs.bytes, codecs.string)).rejects.toThrow('key codec mismatch bytes vs previous string');
    await expect(rt.createOrLoad('c', codecs.string, codecs.bytes)).rejects.toThrow('val codec mismatch bytes vs previous string');
    await expect(rt.createOrLoad('c', codecs.bytes, codecs.string)).rejects.toBeInstanceOf(InvalidUsageError);
  });

  it('destroy finalizes the stream and forgets the name; a new stream of that name starts empty', async () => {
    const rt = await runtime();
    const [w, r] = await rt.createOrLoad('d', codecs.string, codecs.string);
    // big enough to be written as blob parts rather than inline in state
    await w.write(Array.from({ length: 2000 }, (_, i) => [`key-${i}`, 'x'.repeat(40), 1, 1] as const));
    await w.seal(3);
    const id = w.streamId;
    const storage = (rt as unknown as { client: { storage: { blob: { list(p: string): Promise<unknown[]> } } } }).client.storage;
    expect((await storage.blob.list(`${id}/part/`)).length).toBeGreaterThan(0);
    expect(await rt.destroy('d')).toBe(true);
    expect(await rt.destroy('d')).toBe(false);
    await expect(rt.getDescription('d')).rejects.toThrow('unknown stream d');
    await expect(w.write([['x', 'y', 5, 1]])).rejects.toThrow(/destroyed/);
    await expect(r.snapshot()).rejects.toThrow(/destroyed/);
    const info = await (rt as unknown as { client: { inspectShard(id: string): Promise<{ upper: unknown; since: unknown; batches: unknown[] }> } }).client.inspectShard(id);
    expect(info).toMatchObject({ upper: [], since: [], batches: [] });
    // its data blobs are collected (only the small rollups of the finalized state stay)
    expect(await storage.blob.list(`${id}/part/`)).toEqual([]);
    const [w2, r2] = await rt.createOrLoad('d', codecs.string, codecs.string);
    expect(w2.streamId).not.toBe(id);
    expect(await read(r2)).toEqual([]);
  });

  it('stop is idempotent and then everything rejects with RuntimeShutdownError', async () => {
    const rt = await startRuntime(memLocation());
    const [w, r] = await rt.createOrLoad('x', codecs.string, codecs.string);
    await rt.stop();
    await rt.stop();
    await expect(w.write([['a', 'b', 1, 1]])).rejects.toBeInstanceOf(RuntimeShutdownError);
    await expect(r.snapshot()).rejects.toBeInstanceOf(RuntimeShutdownError);
    await expect(rt.createOrLoad('y', codecs.string, codecs.string)).rejects.toBeInstanceOf(RuntimeShutdownError);
    await expect(rt.getDescription('x')).rejects.toBeInstanceOf(RuntimeShutdownError);
    await expect(rt.destroy('x')).rejects.toBeInstanceOf(RuntimeShutdownError);
  });

  it('restart: a runtime started again on the location sees every stream, seal, since and write', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const loc = { blob: `sqlite://${join(dir, 'rt.sqlite')}`, consensus: `sqlite://${join(dir, 'rt.sqlite')}` };
    const a = await startRuntime(loc);
    const [w] = await a.createOrLoad('r', codecs.string, codecs.string);
    await w.write([['a', '1', 1, 1], ['b', '2', 4, 1]]);
    await w.seal(3);
    await w.allowCompaction([1]);
    await w.write([['c', '3', 7, 1]]);
    await a.stop();
    const b = await runtime(loc);
    expect(await b.getDescription('r')).toEqual({ lower: [0], upper: [3], since: [1] });
    const [w2, r2] = await b.createOrLoad('r', codecs.string, codecs.string);
    expect(await read(r2)).toEqual([['a', '1', 1, 1], ['b', '2', 4, 1], ['c', '3', 7, 1]]);
    await expect(w2.seal(2)).rejects.toMatchObject({ kind: 'InvalidSeal' });
  });

  it('two runtimes on one location agree on names, seals and data', async () => {
    const loc = memLocation();
    const a = await runtime(loc);
    const b = await runtime(loc);
    const [wa] = await a.createOrLoad('shared', codecs.string, codecs.string);
    const [wb, rb] = await b.createOrLoad('shared', codecs.string, codecs.string);
    expect(wb.streamId).toBe(wa.streamId);
    await wa.write([['a', 'x', 1, 1]]);
    await wb.write([['b', 'y', 2, 1]]);
    await wa.seal(2);
    await expect(wb.write([['c', 'z', 1, 1]])).rejects.toMatchObject({ kind: 'UpdateNotBeyondLower' });
    await expect(wb.seal(1)).rejects.toMatchObject({ kind: 'InvalidSeal' });
    expect(await read(rb)).toEqual([['a', 'x', 1, 1], ['b', 'y', 2, 1]]);
    expect(await b.getDescription('shared')).toMatchObject({ upper: [2] });
    await expect(b.createOrLoad('shared', codecs.bytes, codecs.string)).rejects.toMatchObject({ kind: 'CodecMismatch' });
    expect(await b.destroy('shared')).toBe(true);
    expect(await a.destroy('shared')).toBe(false);
  });

  it('concurrent writers in two runtimes and racing seals lose and duplicate nothing', async () => {
    const loc = memLocation();
    const a = await runtime(loc);
    const b = await runtime(loc);
    const [wa, ra] = await a.createOrLoad('c', codecs.string, codecs.string);
    const [wb] = await b.createOrLoad('c', codecs.string, codecs.string);
    const acked: U[] = [];
    const writer = async (w: typeof wa, tag: string) => {
      for (let i = 0; i < 30; i++) {
        const u: U = [`${tag}${i}`, 'v', 100 + i, 1];
        await w.write([u]);
        acked.push(u);
      }
    };
    const sealer = async () => {
      for (let t = 10; t <= 100; t += 10) await wb.seal(t);
    };
    await Promise.all([writer(wa, 'a'), writer(wb, 'b'), sealer()]);
    expect(await read(ra)).toEqual(consolidate(acked));
    await wa.seal(200);
    expect(await read(ra)).toEqual(consolidate(acked));
  });

  it('regression 8606: listen returns a snapshot and then every later write and seal exactly once, whatever races it', async () => {
    const loc = memLocation();
    const a = await runtime(loc);
    const b = await runtime(loc);
    const [wa] = await a.createOrLoad('l', codecs.string, codecs.string);
    const [wb] = await b.createOrLoad('l', codecs.string, codecs.string);
    const [, ra] = await a.createOrLoad('l', codecs.string, codecs.string);
    const all: U[] = [];
    const events: U[] = [];
    const seals: number[] = [];
    // The listen starts while writes of both runtimes are in flight and keeps racing them.
    let listening: ReturnType<typeof ra.listen> | null = null;
    let resolvedAt = -1;
    for (let i = 0; resolvedAt < 0 || i < resolvedAt + 20; i++) {
      const u: U = [`k${i}`, 'v', i, 1];
      const p = (i % 2 ? wa : wb).write([u]);
      if (i === 10) {
        listening = ra.listen((e) => (e.kind === 'records' ? events.push(...e.updates) : seals.push(e.upper)));
        listening.then(() => (resolvedAt = i));
      }
      await p;
      all.push(u);
      if (i % 7 === 0) await wa.seal(i);
    }
    const snap = await listening!;
    const s0 = await snap.readToEnd();
    // the listener has seen every write by now: fold the log of the other runtime in
    await a.getDescription('l');
    expect(consolidate([...s0, ...events])).toEqual(consolidate(all));
    expect(s0.length + events.length).toBe(all.length);
    expect(seals).toEqual([...seals].sort((x, y) => x - y));
  });

  it('MultiWriteHandle writes atomically, seals together and rejects streams it was not given', async () => {
    const rt = await runtime();
    const [w1, r1] = await rt.createOrLoad('m1', codecs.string, codecs.string);
    const [w2, r2] = await rt.createOrLoad('m2', codecs.string, codecs.string);
    const [w3, r3] = await rt.createOrLoad('m3', codecs.string, codecs.string);
    expect(() => MultiWriteHandle.of([])).toThrow(InvalidUsageError);
    const multi = MultiWriteHandle.of([w1, w2]);
    await multi.writeAtomic((b) => {
      b.add(w1, [['a', '1', 1, 1]]);
      b.add(w2, [['b', '2', 1, 1]]);
    });
    await expect(multi.writeAtomic((b) => {
      b.add(w1, [['x', 'x', 2, 1]]);
      b.add(w3, [['y', 'y', 2, 1]]);
    })).rejects.toThrow('stream m3 was not given to MultiWriteHandle.of');
    await expect(multi.seal([w3.streamId], 5)).rejects.toThrow(/not given/);
    await multi.seal([w1.streamId], 3);
    await expect(multi.sealAll(2)).rejects.toMatchObject({ kind: 'InvalidSeal' }); // m1 is at 3: nothing changes
    expect((await rt.getDescription('m2')).upper).toEqual([0]);
    // a write invalid for one stream writes to none
    await expect(multi.writeAtomic((b) => {
      b.add(w2, [['ok', 'ok', 2, 1]]);
      b.add(w1, [['late', 'late', 2, 1]]);
    })).rejects.toMatchObject({ kind: 'UpdateNotBeyondLower' });
    await multi.sealAll(4);
    expect(await read(r1)).toEqual([['a', '1', 1, 1]]);
    expect(await read(r2)).toEqual([['b', '2', 1, 1]]);
    expect(await read(r3)).toEqual([]);
    await multi.allowCompactionAll([2]);
    // compaction may advance times up to the since, never lose or double anything
    expect((await read(r1)).map(([k, v, , d]) => [k, v, d])).toEqual([['a', '1', 1]]);
    expect(await rt.getDescription('m2')).toEqual({ lower: [0], upper: [4], since: [2] });
    const other = await runtime();
    const [wo] = await other.createOrLoad('m1', codecs.string, codecs.string);
    expect(() => MultiWriteHandle.of([w1, wo])).toThrow(/different runtimes/);
  });
});
