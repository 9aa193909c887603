// The router's operator requests on the real engine (in-memory location): compaction with progress
// pushes and history, GC, state history, leaked blobs — and malformed requests for each.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CompactionJob,
  CompactionPlanInfo,
  CompactionStatus,
  EventEnvelope,
  GcRunResult,
  GcStatusInfo,
  LeakedBlobsInfo,
  Result,
  ShardDetail,
  ShardSummary,
  SnapshotPage,
  VersionsInfo,
} from '../../preload/contract.js';
import type { RuntimeHost } from '../host/runtime-host.js';
import { memHost, ok } from './mem-host.test-util.js';
import { Router, type Session } from './router.js';

let host: RuntimeHost;
let router: Router;
let events: EventEnvelope[];
let session: Session;
let label: string;

async function start(leakedMinAgeMs?: number) {
  host = memHost('ops-test', { leakedMinAgeMs });
  label = (await host.start()).label;
  router = new Router(host, () => undefined);
  events = [];
  session = { send: (e) => events.push(e) };
}

beforeEach(() => start());

afterEach(async () => {
  router.closeAll();
  await host.close();
});


const invoke = (method: unknown, params?: unknown) => router.invoke(session, method, params);
const location = 'default';
const S0 = 's00000000-0000-0000-0000-000000000000';

/** A shard with `appends` batches of two updates each (t = 0, 1, …). */
async function shardWithBatches(name: string, appends: number): Promise<ShardSummary> {
  const s = await ok<ShardSummary>(invoke('shard.create', { location, name, keyCodec: 'string', valCodec: 'string' }));
  for (let t = 0; t < appends; t++) {
    await ok(
      invoke('shard.write', {
        location,
        shard: s.id,
        updates: [
          { key: `k${t % 3}`, val: 'v', time: t, diff: 1 },
          { key: 'same', val: 'x', time: t, diff: 1 },
        ],
        upper: t + 1,
      }),
    );
  }
  return s;
}

describe('malformed operator requests', () => {
  it('are BadRequest naming the field, as plain { code, message }', async () => {
    const bad: [string, unknown][] = [
      ['compaction.plan', { location }],
      ['compaction.start', { location, shard: 'not-a-shard' }],
      ['compaction.cancel', { location, shard: S0, extra: true }],
      ['compaction.status', { shard: S0 }],
      ['gc.status', { location: '', shard: S0 }],
      ['gc.run', { location, shard: 42 }],
      ['shard.versions', { location, shard: S0 }],
      ['shard.versions', { location, shard: S0, limit: 0 }],
      ['shard.versions', { location, shard: S0, limit: 5000 }],
      ['shard.inspectAt', { location, shard: S0, seqno: 0 }],
      ['shard.inspectAt', { location, shard: S0, seqno: 1.5 }],
      ['shard.inspectAt', { location, shard: S0, seqno: '3' }],
      ['shard.uploadBatch', { location, shard: S0, updates: 0 }],
      ['shard.uploadBatch', { location, shard: S0, updates: 1e6 }],
      ['blobs.leaked', { location, shard: S0 }],
      ['blobs.deleteLeaked', { location, keys: [], confirmName: 'x' }],
      ['blobs.deleteLeaked', { location, keys: 'a/b', confirmName: 'x' }],
      ['blobs.deleteLeaked', { location, keys: ['a'] }],
      ['blobs.deleteLeaked', { location, keys: [''], confirmName: 'x' }],
      ['blobs.deleteLeaked', { location, keys: ['x'.repeat(501)], confirmName: 'x' }],
      ['events.subscribe', { topic: 'compaction', location }],
    ];
    for (const [method, params] of bad) {
      const r = await invoke(method, params);
      expect(r, `${method} ${JSON.stringify(params).slice(0, 80)}`).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/^invalid request — /) } });
      if (!r.ok) expect(Object.keys(r.error).sort()).toEqual(['code', 'message']);
    }
  });

  it('are NotFound for an unknown shard or location, saying what to do', async () => {
    for (const m of ['compaction.plan', 'compaction.start', 'gc.status', 'gc.run']) {
      expect(await invoke(m, { location, shard: S0 }), m).toMatchObject({ ok: false, error: { code: 'NotFound' } });
    }
    expect(await invoke('shard.versions', { location, shard: S0, limit: 10 })).toMatchObject({ ok: false, error: { code: 'NotFound' } });
    expect(await invoke('shard.inspectAt', { location, shard: S0, seqno: 1 })).toMatchObject({ ok: false, error: { code: 'NotFound' } });
    expect(await invoke('blobs.leaked', { location: 'nope' })).toMatchObject({ ok: false, error: { code: 'NotFound', message: expect.stringContaining('open it') } });
    expect(await invoke('compaction.cancel', { location, shard: S0 })).toEqual({ ok: true, value: null });
  });
});

describe('compaction', () => {
  it('previews, compacts with pushed progress, keeps the data, and records the history', async () => {
    const s = await shardWithBatches('compact-me', 6);
    const before = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s.id, asOf: null, offset: 0, limit: 100 }));

    const plan = await ok<CompactionPlanInfo>(invoke('compaction.plan', { location, shard: s.id }));
    expect(plan.batches).toBe(6);
    expect(plan.bytes).toBeGreaterThan(0);
    expect(plan.merges.length).toBeGreaterThan(0);
    expect(plan.merges.reduce((n, m) => n + m.inputs, 0)).toBeGreaterThan(1);

    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'compaction', location, shard: s.id }));
    const job = await ok<CompactionJob>(invoke('compaction.start', { location, shard: s.id }));
    expect(job).toMatchObject({ shard: s.id, plan: { batches: 6 } });
    const pushed = () =>
      events.filter((e) => e.subId === subId && e.event.topic === 'compaction').map((e) => (e.event as { status: CompactionStatus }).status);
    await expect.poll(() => pushed().at(-1)?.job?.state, { timeout: 10_000 }).toBe('done');
    const done = pushed().at(-1)!;
    expect(done.job!.result).toMatchObject({ before: 6, bytesBefore: plan.bytes });
    expect(done.job!.result!.after).toBeLessThan(6);
    expect(done.job!.result!.durationMs).toBeGreaterThanOrEqual(0);
    // the real phases, in order, each pushed as it starts
    const phases = pushed().map((x) => x.job?.progress?.phase).filter((p, i, a) => p && p !== a[i - 1]);
    expect(phases[0]).toBe('fetch');
    expect(phases).toContain('merge');
    expect(phases.at(-1)).toBe('apply');
    expect(done.history.length).toBeGreaterThan(0);
    // derived from the retained versions: the compaction "Compact now" applied, at its seqno
    expect(done.history[0]).toMatchObject({ forced: true, inputs: 6, outputs: 1, rowsIn: 12 });
    expect(done.reach).toMatchObject({ earliestSeqno: 1, truncated: false });
    expect(done.history[0].seqno).toBeLessThanOrEqual(done.reach!.latestSeqno);

    const status = await ok<CompactionStatus>(invoke('compaction.status', { location, shard: s.id }));
    expect(status.history).toEqual(done.history);
    const d = await ok<ShardDetail>(invoke('shard.inspect', { location, shard: s.id }));
    expect(d.batches.length).toBe(done.job!.result!.after);
    const after = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s.id, asOf: before.asOf, offset: 0, limit: 100 }));
    expect(after.rows).toEqual(before.rows);
  });
});

describe('compaction cancel', () => {
  async function bigShard(name: string, batches: number, rows: number, val: string): Promise<ShardSummary> {
    const s = await ok<ShardSummary>(invoke('shard.create', { location, name, keyCodec: 'string', valCodec: 'string' }));
    for (let t = 0; t < batches; t++) {
      const updates = Array.from({ length: rows }, (_, i) => ({ key: `k${t}-${i}`, val, time: t, diff: 1 }));
      await ok(invoke('shard.write', { location, shard: s.id, updates, upper: t + 1 }));
    }
    return s;
  }
  const lastJob = (subId: string) => {
    const e = events.filter((x) => x.subId === subId && x.event.topic === 'compaction').at(-1);
    return e?.event.topic === 'compaction' ? e.event.status.job : null;
  };

  it('cancels a running merge (in-process): the job says cancelled and the data is unchanged', async () => {
    const s = await bigShard('cancel-me', 6, 4000, 'v'); // several chunks, under the worker-thread threshold
    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'compaction', location, shard: s.id }));
    await ok<CompactionJob>(invoke('compaction.start', { location, shard: s.id }));
    const again = await invoke('compaction.start', { location, shard: s.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'Conflict', message: expect.stringContaining('cancel it') } });
    const c = await ok<CompactionJob>(invoke('compaction.cancel', { location, shard: s.id }));
    expect(c).toMatchObject({ shard: s.id, cancelRequested: true });
    await expect.poll(() => lastJob(subId)?.state, { timeout: 20_000 }).not.toBe('running');
    expect(lastJob(subId)).toMatchObject({ state: 'cancelled', error: null, result: null, cancelRequested: true });
    const d = await ok<ShardDetail>(invoke('shard.inspect', { location, shard: s.id }));
    expect(d.batches.length).toBe(6);
    expect(d.summary.updates).toBe(24_000);
    // and it can run again afterwards
    await ok<CompactionJob>(invoke('compaction.start', { location, shard: s.id }));
    await expect.poll(() => lastJob(subId)?.state, { timeout: 30_000 }).toBe('done');
    expect(lastJob(subId)!.result).toMatchObject({ before: 6, after: 1 });
  }, 60_000);

  it('a cancel that comes too late for a worker-thread merge leaves it done, data intact', async () => {
    const s = await bigShard('cancel-late', 6, 10_000, 'v'.repeat(20)); // > 1 MiB: merged in a worker
    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'compaction', location, shard: s.id }));
    await ok<CompactionJob>(invoke('compaction.start', { location, shard: s.id }));
    await ok<CompactionJob>(invoke('compaction.cancel', { location, shard: s.id }));
    await expect.poll(() => lastJob(subId)?.state, { timeout: 30_000 }).not.toBe('running');
    expect(['cancelled', 'done']).toContain(lastJob(subId)!.state);
    const page = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s.id, asOf: 5, offset: 0, limit: 1 }));
    expect(page.total).toBe(60_000);
  }, 60_000);
});

describe('GC and state history', () => {
  it('lists versions with what changed, inspects an old one, and GC truncates them', async () => {
    const s = await shardWithBatches('history', 3);
    const v = await ok<VersionsInfo>(invoke('shard.versions', { location, shard: s.id, limit: 50 }));
    expect(v.seqno).toBeGreaterThan(3);
    expect(v.changes[0].toSeqno).toBe(v.seqno);
    expect(v.changes.some((c) => c.upperMoved?.[1] === '[3]' && c.batchesAdded.length === 1)).toBe(true);
    const firstAppend = v.changes.find((c) => c.upperMoved?.[1] === '[1]')!;
    const old = await ok<ShardDetail>(invoke('shard.inspectAt', { location, shard: s.id, seqno: firstAppend.toSeqno }));
    expect(old.summary).toMatchObject({ upper: 1, seqno: firstAppend.toSeqno, batches: 1 });
    expect(await invoke('shard.inspectAt', { location, shard: s.id, seqno: v.seqno + 100 })).toMatchObject({ ok: false, error: { code: 'InvalidUsage' } });

    const gc = await ok<GcStatusInfo>(invoke('gc.status', { location, shard: s.id }));
    expect(gc).toMatchObject({ seqno: v.seqno, earliestRetained: 1 });
    expect(gc.versionsTruncatable).toBeGreaterThan(0);
    const run = await ok<GcRunResult>(invoke('gc.run', { location, shard: s.id }));
    expect(run.truncatedVersions).toBe(gc.versionsTruncatable);
    expect(run.after.versionsTruncatable).toBeLessThanOrEqual(1); // GC's own rollup is a new version
    const truncated = await invoke('shard.inspectAt', { location, shard: s.id, seqno: firstAppend.toSeqno });
    expect(truncated).toMatchObject({ ok: false, error: { code: 'NotFound', message: expect.stringContaining('pick a newer version') } });
  });
});

describe('leaked blobs', () => {
  it('lists a batch uploaded but never appended; spares young parts; needs the location name', async () => {
    const s = await shardWithBatches('leaky', 1);
    expect((await ok<LeakedBlobsInfo>(invoke('blobs.leaked', { location }))).blobs).toEqual([]);
    expect((await ok(invoke('shard.uploadBatch', { location, shard: s.id, updates: 1000 })))).toMatchObject({ len: expect.any(Number) }); // consolidated
    const leaked = await ok<LeakedBlobsInfo>(invoke('blobs.leaked', { location }));
    expect(leaked.blobs.length).toBeGreaterThan(0);
    expect(leaked.blobs[0]).toMatchObject({ shard: s.id, shardName: 'leaky', spared: true });
    expect(leaked.minAgeMs).toBe(10 * 60_000);
    expect(leaked.usage[0]).toMatchObject({ shard: s.id, shardName: 'leaky' });
    const keys = leaked.blobs.map((b) => b.key);

    const wrong = await invoke('blobs.deleteLeaked', { location, keys, confirmName: 'nope' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringContaining(label) } });
    const young = await ok<{ deleted: string[]; notDeleted: number }>(invoke('blobs.deleteLeaked', { location, keys, confirmName: label }));
    expect(young).toMatchObject({ deleted: [], notDeleted: keys.length });
    // the shard's data is untouched, and the upper did not move
    const d = await ok<ShardDetail>(invoke('shard.inspect', { location, shard: s.id }));
    expect(d.summary).toMatchObject({ upper: 1, updates: 2 });
  });

  it('deletes them when they are old enough, and never a referenced blob', async () => {
    router.closeAll();
    await host.close();
    await start(0);
    const s = await shardWithBatches('leaky2', 1);
    await ok(invoke('shard.uploadBatch', { location, shard: s.id, updates: 1000 }));
    const leaked = await ok<LeakedBlobsInfo>(invoke('blobs.leaked', { location }));
    expect(leaked.blobs.length).toBeGreaterThan(0);
    expect(leaked.blobs.every((b) => !b.spared)).toBe(true);
    const referenced = 'not-a-leaked-key';
    const r = await ok<{ deleted: string[]; notDeleted: number; freedBytes: number }>(
      invoke('blobs.deleteLeaked', { location, keys: [...leaked.blobs.map((b) => b.key), referenced], confirmName: label }),
    );
    expect(r.deleted.sort()).toEqual(leaked.blobs.map((b) => b.key).sort());
    expect(r.notDeleted).toBe(1);
    expect(r.freedBytes).toBeGreaterThan(0);
    expect((await ok<LeakedBlobsInfo>(invoke('blobs.leaked', { location }))).blobs).toEqual([]);
    const page = await ok<SnapshotPage>(invoke('shard.snapshot', { location, shard: s.id, asOf: null, offset: 0, limit: 10 }));
    expect(page.rows.length).toBe(2);
  });
});

describe('change detection', () => {
  it('pushes shard changes from the engine watch, without polling reads', async () => {
    const s = await shardWithBatches('watched', 1);
    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'shard', location, shard: s.id }));
    await expect.poll(() => events.filter((e) => e.subId === subId).length).toBeGreaterThan(0);
    const first = events.length;
    // a second client of the same location writes: the watch sees it
    const { PersistClient, codecs } = await import('../../engine/index.js');
    const other = await PersistClient.open({ blob: `mem://${label.replace(/^.*mem:\/\//, '')}`, consensus: `mem://${label.replace(/^.*mem:\/\//, '')}` });
    try {
      const w = await other.openWriter(s.id, { keyCodec: codecs.string, valCodec: codecs.string });
      expect((await w.compareAndAppend([['z', 'z', 1, 1]], [1], [2])).ok).toBe(true);
      await w.expire();
    } finally {
      await other.close();
    }
    await expect
      .poll(() => events.slice(first).some((e) => e.subId === subId && e.event.topic === 'shard' && e.event.detail.summary.upper === 2), { timeout: 2000 })
      .toBe(true);
  });
});
