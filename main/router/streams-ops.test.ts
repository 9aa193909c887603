// The router's streams and import operations on the real engine (an in-memory location): the
// user's mistakes come back as specific errors and change nothing; imports land once, or not at all.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Result, ShardSummary, SnapshotPage } from '../../preload/contract.js';
import type { AtomicWriteInfo, ImportJob, StreamSnapshotInfo, StreamSummary } from '../../preload/streams-contract.js';
import { addPickedFile } from '../host/import-sources.js';
import type { RuntimeHost } from '../host/runtime-host.js';
import { ok, useRouterOnMemHost, type RouterEnv } from './mem-host.test-util.js';
import type { Router, Session } from './router.js';

let host: RuntimeHost;
let router: Router;
let session: Session;
let dir: RouterEnv['dir'];
useRouterOnMemHost('streams-ops', (e) => ({ host, router, session, dir } = e));

const location = 'default';
const invoke = (method: unknown, params?: unknown) => router.invoke(session, method, params);
async function fails(p: Promise<Result<unknown>>): Promise<{ code: string; message: string }> {
  const r = await p;
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}
const row = (key: string, time: number, diff = 1) => ({ key, val: `v-${key}`, time, diff });
const create = (name: string, keyCodec = 'string', valCodec = 'string') =>
  ok<StreamSummary>(invoke('streams.create', { location, name, keyCodec, valCodec }));
const list = () => ok<StreamSummary[]>(invoke('streams.list', { location }));

describe('streams over the router', () => {
  it('create, write, seal, allow compaction: the list shows each step', async () => {
    const s = await create('orders');
    expect(s).toMatchObject({ name: 'orders', seal: 0, since: 0, unsealedUpdates: 0, codecs: { key: 'string', val: 'string' } });
    expect(s.shard).toMatch(/^s[0-9a-f-]{36}$/);
    await ok(invoke('streams.write', { location, stream: 'orders', updates: [row('a', 1), row('b', 2), row('c', 7)] }));
    const [written] = await list();
    expect(written.unsealedUpdates).toBe(3);
    expect(written.lastWriteMs).not.toBeNull();

    const sealed = await ok<StreamSummary>(invoke('streams.seal', { location, stream: 'orders', upper: 5 }));
    expect(sealed).toMatchObject({ seal: 5, unsealedUpdates: 1 });
    const compacted = await ok<StreamSummary>(invoke('streams.allowCompaction', { location, stream: 'orders', since: 3 }));
    expect(compacted.since).toBe(3);

    const snap = await ok<StreamSnapshotInfo>(invoke('streams.snapshot', { location, stream: 'orders' }));
    expect(snap.total).toBe(3);
    expect(snap.rows.map((r) => r.key).sort()).toEqual(['a', 'b', 'c']);
    // The sealed writes are in the stream's own data shard, readable as any shard.
    const data = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s.shard, asOf: 4, offset: 0, limit: 100 }));
    expect(data.rows.map((r) => r.key).sort()).toEqual(['a', 'b']);
  });

  it('InvalidSeal, InvalidSince, a write below the seal and CodecMismatch are clear errors that change nothing', async () => {
    await create('orders');
    await ok(invoke('streams.seal', { location, stream: 'orders', upper: 10 }));
    await ok(invoke('streams.allowCompaction', { location, stream: 'orders', since: 4 }));

    const seal = await fails(invoke('streams.seal', { location, stream: 'orders', upper: 3 }));
    expect(seal.code).toBe('InvalidUsage');
    expect(seal.message).toMatch(/invalid seal for orders: 3 not at or in advance of current seal frontier \[10\]/);
    const since = await fails(invoke('streams.allowCompaction', { location, stream: 'orders', since: 2 }));
    expect(since.code).toBe('InvalidUsage');
    expect(since.message).toMatch(/invalid compaction for orders: \[2\] not at or in advance of current since frontier \[4\]/);
    const below = await fails(invoke('streams.write', { location, stream: 'orders', updates: [row('late', 9)] }));
    expect(below.message).toMatch(/update time 9 for orders is not at or in advance of the seal frontier \[10\]/);
    const mismatch = await fails(invoke('streams.create', { location, name: 'orders', keyCodec: 'json', valCodec: 'string' }));
    expect(mismatch.code).toBe('InvalidUsage');
    expect(mismatch.message).toMatch(/key codec mismatch json vs previous string/);
    const again = await fails(invoke('streams.create', { location, name: 'orders', keyCodec: 'string', valCodec: 'string' }));
    expect(again.code).toBe('Conflict');

    expect(await list()).toMatchObject([{ name: 'orders', seal: 10, since: 4, unsealedUpdates: 0, codecs: { key: 'string' } }]);
  });

  it('an unknown stream is NotFound and is never created by a write', async () => {
    for (const [m, extra] of [
      ['streams.write', { updates: [row('a', 0)] }],
      ['streams.seal', { upper: 1 }],
      ['streams.allowCompaction', { since: 1 }],
      ['streams.snapshot', {}],
      ['streams.destroy', { confirmName: 'ghost' }],
    ] as const) {
      const e = await fails(invoke(m, { location, stream: 'ghost', ...extra }));
      expect(e, m).toMatchObject({ code: 'NotFound', message: 'there is no stream "ghost" in this location; create it first' });
    }
    expect(await list()).toEqual([]);
  });

  it('a value that does not fit the codec names the stream, row and field', async () => {
    await create('events', 'json', 'string');
    const e = await fails(invoke('streams.write', { location, stream: 'events', updates: [{ key: '{"a":1}', val: 'x', time: 0, diff: 1 }, { key: '{oops', val: 'x', time: 0, diff: 1 }] }));
    expect(e.code).toBe('BadRequest');
    expect(e.message).toMatch(/^events, row 2: key must be JSON/);
    expect((await list())[0].unsealedUpdates).toBe(0);
  });

  it('destroy needs the stream name typed exactly', async () => {
    await create('orders');
    const e = await fails(invoke('streams.destroy', { location, stream: 'orders', confirmName: 'order' }));
    expect(e).toMatchObject({ code: 'BadRequest', message: 'type the stream\'s name "orders" exactly to destroy it; nothing was done' });
    expect((await list()).map((s) => s.name)).toEqual(['orders']);
    expect(await ok(invoke('streams.destroy', { location, stream: 'orders', confirmName: 'orders' }))).toEqual({ existed: true });
    expect(await list()).toEqual([]);
  });

  it('an atomic write lands in every stream it names, read back; one bad stream and none gets anything', async () => {
    await create('a');
    await create('b');
    const r = await ok<AtomicWriteInfo>(
      invoke('streams.writeAtomic', { location, writes: [{ stream: 'a', updates: [row('x', 1), row('y', 1)] }, { stream: 'b', updates: [row('z', 2)] }] }),
    );
    expect(r.landed).toEqual([
      { name: 'a', written: 2, found: 2 },
      { name: 'b', written: 1, found: 1 },
    ]);
    await ok(invoke('streams.seal', { location, stream: 'b', upper: 5 }));
    const below = await fails(invoke('streams.writeAtomic', { location, writes: [{ stream: 'a', updates: [row('w', 3)] }, { stream: 'b', updates: [row('w', 3)] }] }));
    expect(below.message).toMatch(/for b is not at or in advance of the seal frontier \[5\]/);
    const unknown = await fails(invoke('streams.writeAtomic', { location, writes: [{ stream: 'a', updates: [row('w', 9)] }, { stream: 'nope', updates: [row('w', 9)] }] }));
    expect(unknown.code).toBe('NotFound');
    const counts = Object.fromEntries((await list()).map((s) => [s.name, s.unsealedUpdates]));
    expect(counts).toEqual({ a: 2, b: 0 });
    const snapA = await ok<StreamSnapshotInfo>(invoke('streams.snapshot', { location, stream: 'a' }));
    expect(snapA.rows.map((x) => x.key).sort()).toEqual(['x', 'y']);
  });

  it("a location's streams outlive its runtime: closed with the location, found again when it reopens", async () => {
    const path = join(dir.dir, 'streams.sqlite');
    const opened = await ok<{ id: string }>(invoke('locations.open', { kind: 'sandbox', path, create: true }));
    await ok(invoke('streams.create', { location: opened.id, name: 'kept', keyCodec: 'string', valCodec: 'json' }));
    await ok(invoke('streams.write', { location: opened.id, stream: 'kept', updates: [{ key: 'k', val: '{"n":1}', time: 3, diff: 2 }] }));
    await ok(invoke('locations.close', { location: opened.id }));
    expect((await fails(invoke('streams.list', { location: opened.id }))).code).toBe('NotFound');
    const again = await ok<{ id: string }>(invoke('locations.open', { kind: 'sandbox', path }));
    const streams = await ok<StreamSummary[]>(invoke('streams.list', { location: again.id }));
    expect(streams).toMatchObject([{ name: 'kept', seal: 0, unsealedUpdates: 1, codecs: { key: 'string', val: 'json' } }]);
    const snap = await ok<StreamSnapshotInfo>(invoke('streams.snapshot', { location: again.id, stream: 'kept' }));
    expect(snap.rows).toEqual([{ key: 'k', val: '{"n":1}', time: 3, diff: 2 }]);
  });

  it('malformed requests get specific errors', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['streams.create', { location, name: '  ', keyCodec: 'string', valCodec: 'string' }, /name: a stream name/],
      ['streams.create', { location, name: 'x', keyCodec: 'utf16', valCodec: 'string' }, /keyCodec/],
      ['streams.write', { location, stream: 'x', updates: [] }, /updates: at least one update/],
      ['streams.write', { location, stream: 'x', updates: [{ key: 'k', val: 'v', time: -1, diff: 1 }] }, /updates\.0\.time/],
      ['streams.write', { location, stream: 'x', updates: [{ key: 'k', val: 'v', time: 1.5, diff: 1 }] }, /updates\.0\.time/],
      ['streams.seal', { location, stream: 'x' }, /upper/],
      ['streams.destroy', { location, stream: 'x' }, /confirmName/],
      ['streams.writeAtomic', { location, writes: [] }, /writes: at least one stream/],
      ['streams.writeAtomic', { location, writes: [{ stream: 'a', updates: [row('k', 0)] }, { stream: 'a', updates: [row('k', 0)] }] }, /writes: each stream once/],
      ['import.start', { location, shard: 'not-a-shard', source: 'f00000000-0000-4000-8000-000000000000' }, /shard: a shard id/],
      ['import.start', { location, shard: 's00000000-0000-4000-8000-000000000000', source: '/etc/passwd' }, /source: an import file id/],
      ['import.cancel', { location, job: 'x' }, /job: an import job id/],
      ['streams.list', { location, extra: 1 }, /extra/],
    ];
    for (const [m, p, re] of cases) {
      const e = await fails(invoke(m, p));
      expect(e.code, m).toBe('BadRequest');
      expect(e.message, `${m} ${JSON.stringify(p)}`).toMatch(re);
    }
  });
});

describe('imports over the router', () => {
  async function shard(name = 'target'): Promise<string> {
    return (await ok<ShardSummary>(invoke('shard.create', { location, name, keyCodec: 'string', valCodec: 'string' }))).id;
  }
  async function finished(id: string): Promise<ImportJob> {
    for (;;) {
      const j = await ok<ImportJob>(invoke('import.status', { location, job: id }));
      if (j.state !== 'running') return j;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const upperOf = async (s: string) => (await ok<ShardSummary[]>(invoke('shards.list', { location }))).find((x) => x.id === s)!.upper;

  it('a JSONL and a CSV file land, counted', async () => {
    const s = await shard();
    const jsonl = join(dir.dir, 'rows.jsonl');
    writeFileSync(jsonl, Array.from({ length: 500 }, (_, i) => JSON.stringify({ key: `k${i}`, val: `v${i}`, time: i % 10, diff: 1 })).join('\n') + '\n');
    const src = addPickedFile(jsonl);
    expect(src).toMatchObject({ name: 'rows.jsonl', format: 'jsonl' });
    const job = await finished((await ok<ImportJob>(invoke('import.start', { location, shard: s, source: src.id }))).id);
    expect(job).toMatchObject({ state: 'done', landed: 500, upper: 10, error: null });
    expect(job.progress).toMatchObject({ rowsDone: 500, rowsTotal: 500 });

    const csv = join(dir.dir, 'more.csv');
    writeFileSync(csv, 'key,val,time,diff\n"a,b",x,12,2\nc,"say ""hi""",15,-1\n');
    const j2 = await finished((await ok<ImportJob>(invoke('import.start', { location, shard: s, source: addPickedFile(csv).id }))).id);
    expect(j2).toMatchObject({ state: 'done', landed: 2, upper: 16 });
    const page = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s, asOf: 15, offset: 0, limit: 1000 }));
    expect(page.total).toBe(502);
    expect(page.rows.find((r) => r.key === 'a,b')).toMatchObject({ val: 'x', diff: 2 });
    // A source is used once: it cannot be imported twice by replaying the request.
    const replay = await fails(invoke('import.start', { location, shard: s, source: src.id }));
    expect(replay.code).toBe('NotFound');
  });

  it('a malformed row names its line and nothing is appended', async () => {
    const s = await shard();
    const f = join(dir.dir, 'bad.jsonl');
    writeFileSync(f, `${JSON.stringify({ key: 'a', val: 'b', time: 1, diff: 1 })}\n\n{"key": "c", "val": 3, "time": 1}\n`);
    const before = await upperOf(s);
    const job = await finished((await ok<ImportJob>(invoke('import.start', { location, shard: s, source: addPickedFile(f).id }))).id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toBe('line 3: val must be a string, got 3; nothing was appended');
    expect(job.landed).toBeNull();
    expect(await upperOf(s)).toBe(before);
  });

  it('cancel before the append leaves the shard as it was', async () => {
    const s = await shard();
    const f = join(dir.dir, 'big.csv');
    writeFileSync(f, Array.from({ length: 200_000 }, (_, i) => `k${i},v${i},${i % 100},1`).join('\n'));
    const started = await ok<ImportJob>(invoke('import.start', { location, shard: s, source: addPickedFile(f).id }));
    const c = await ok<ImportJob>(invoke('import.cancel', { location, job: started.id }));
    expect(c.cancelRequested).toBe(true);
    const job = await finished(started.id);
    expect(job.state).toBe('cancelled');
    expect(await upperOf(s)).toBe(0);
  });

  it('an unknown shard, a closed location and an unknown job are clear errors', async () => {
    const f = join(dir.dir, 'one.jsonl');
    writeFileSync(f, '["a","b",0,1]\n');
    const e = await fails(invoke('import.start', { location, shard: 's00000000-0000-4000-8000-000000000000', source: addPickedFile(f).id }));
    expect(e.code).toBe('NotFound');
    const j = await fails(invoke('import.status', { location, job: 'i00000000-0000-4000-8000-000000000000' }));
    expect(j.code).toBe('NotFound');
    const pick = await fails(invoke('import.pickFile', {}));
    expect(pick.code).toBe('Unsupported');
  });
});
