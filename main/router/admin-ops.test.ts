// The router's operator tools on the real engine: health findings and their confirmed actions,
// diff over time, since what-if, copy a shard into a new sandbox and open it; bad requests.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffInfo, LocationHealthInfo, WhatIfInfo, CopyInfo, JobInfo } from '../../preload/admin-contract.js';
import type { LocationInfo, Result, ShardSummary } from '../../preload/contract.js';
import type { RuntimeHost } from '../host/runtime-host.js';
import { ok, useRouterOnMemHost, type RouterEnv } from './mem-host.test-util.js';
import type { Router, Session } from './router.js';

let host: RuntimeHost;
let router: Router;
let session: Session;
let dir: RouterEnv['dir'];
useRouterOnMemHost('admin-ops', (e) => ({ host, router, session, dir } = e));

const invoke = (method: unknown, params?: unknown) => router.invoke(session, method, params);
const location = 'default';

/** `appends` one-time batches over keys k0..k2 (t = 0, 1, …). */
async function shard(appends: number): Promise<string> {
  const s = await ok<ShardSummary>(invoke('shard.create', { location, name: 'orders', keyCodec: 'string', valCodec: 'string' }));
  for (let t = 0; t < appends; t++) {
    await ok(invoke('shard.write', { location, shard: s.id, updates: [{ key: `k${t % 3}`, val: `v${t}`, time: t, diff: 1 }], upper: t + 1 }));
  }
  return s.id;
}

describe('operator tools over the router', () => {
  it('health: a finding, an action refused without confirmation, then done with it', async () => {
    const id = await shard(30);
    const h = await ok<LocationHealthInfo>(invoke('health.location', { location }));
    const s = h.shards.find((x) => x.shard === id)!;
    const debt = s.findings.find((f) => f.kind === 'compaction-debt')!;
    expect(debt.action).toEqual({ kind: 'force-compaction', shard: id });
    const refused = await invoke('health.act', { location, action: debt.action, confirm: 'yes' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect((await ok<LocationHealthInfo>(invoke('health.location', { location }))).shards.find((x) => x.shard === id)!.findings.map((f) => f.kind)).toContain('compaction-debt');
    const done = await ok<{ done: string }>(invoke('health.act', { location, action: debt.action, confirm: id }));
    expect(done.done).toContain('→ 1 batches');
    const after = await ok<{ findings: { kind: string }[] }>(invoke('health.shard', { location, shard: id }));
    expect(after.findings.map((f) => f.kind)).not.toContain('compaction-debt');
  });

  it('diff two times and move the what-if slider', async () => {
    const id = await shard(9);
    const d = await ok<DiffInfo>(invoke('shard.diff', { location, shard: id, from: 2, to: 5 }));
    expect(d.rows.map((r) => [r.key, r.val, r.diff]).sort()).toEqual([['k0', 'v3', 1], ['k1', 'v4', 1], ['k2', 'v5', 1]]);
    const w = await ok<WhatIfInfo>(invoke('shard.whatIf', { location, shard: id, since: 6 }));
    expect(w).toMatchObject({ since: 6, lostAsOf: { from: 0, to: 6 }, current: { since: 0, upper: 9, batches: 9 }, after: { batches: 1, rows: 9 } });
    expect((await ok<WhatIfInfo>(invoke('shard.whatIf', { location, shard: id, since: 6 }))).cached).toBe(true);
    // Between two state versions: what the appends in between wrote. Version 1 creates the shard
    // (upper 0); each write is one version, so version 4 has upper 3 and version 7 has upper 6.
    const dv = await ok<DiffInfo>(invoke('shard.diffVersions', { location, shard: id, fromSeqno: 4, toSeqno: 7 }));
    expect([dv.from, dv.to]).toEqual([2, 5]);
    expect(dv.rows).toEqual(d.rows);
    expect(await invoke('shard.diffVersions', { location, shard: id, fromSeqno: 1, toSeqno: 3 })).toMatchObject({ ok: false, error: { message: expect.stringContaining('holds no time yet') } });
    expect(await invoke('shard.diffVersions', { location, shard: id, fromSeqno: 5, toSeqno: 5 })).toMatchObject({ ok: false, error: { message: expect.stringContaining('must be before') } });
    for (const [m, p] of [
      ['shard.diff', { location, shard: id, from: 5, to: 5 }],
      ['shard.diff', { location, shard: id, from: -1, to: 5 }],
      ['shard.diff', { location, shard: id, from: 1, to: 50 }],
      ['shard.whatIf', { location, shard: id, since: 99 }],
      ['shard.whatIf', { location, shard: 'nope', since: 1 }],
      ['health.act', { location, action: { kind: 'finalize' }, confirm: 'x' }],
    ] as const) {
      const r = await invoke(m, p);
      expect(r.ok, `${m} ${JSON.stringify(p)}`).toBe(false);
    }
  });

  it('copy a shard into a new sandbox and open it', async () => {
    const id = await shard(5);
    const path = join(dir.dir, 'home.sqlite');
    const c = await ok<CopyInfo>(invoke('shard.copyToSandbox', { location, shard: id, path }));
    expect(c).toMatchObject({ shard: id, name: 'orders', asOf: 4, rows: 5 });
    const again = await invoke('shard.copyToSandbox', { location, shard: id, path });
    expect(again).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect((await invoke('shard.copyToSandbox', { location, shard: id, path: 'rel.sqlite' })).ok).toBe(false);
    const opened = await ok<LocationInfo>(invoke('locations.open', { kind: 'sandbox', path }));
    const shards = await ok<ShardSummary[]>(invoke('shards.list', { location: opened.id }));
    expect(shards.map((s) => [s.id, s.name, s.since, s.upper])).toEqual([[id, 'orders', 4, 5]]);

    // Save a copy of that sandbox; a location that is not a sandbox cannot be.
    const shared = join(dir.dir, 'shared.sqlite');
    expect(await invoke('sandbox.saveCopy', { location, path: shared })).toMatchObject({ ok: false, error: { code: 'Unsupported' } });
    expect((await ok<{ pages: number }>(invoke('sandbox.saveCopy', { location: opened.id, path: shared }))).pages).toBeGreaterThan(0);
    expect(await invoke('sandbox.saveCopy', { location: opened.id, path: shared })).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    const copy = await ok<LocationInfo>(invoke('locations.open', { kind: 'sandbox', path: shared }));
    expect((await ok<ShardSummary[]>(invoke('shards.list', { location: copy.id }))).map((s) => s.id)).toEqual([id]);
  });

  /** Subscribes to a job's pushes; resolves with every job state pushed once it has ended. */
  async function pushesUntilEnd(jobId: string, loc = location): Promise<JobInfo[]> {
    const seen: JobInfo[] = [];
    let end: (v: JobInfo[]) => void = () => undefined;
    const ended = new Promise<JobInfo[]>((r) => (end = r));
    const watcher: Session = {
      send: (e) => {
        if (e.event.topic !== 'job') return;
        seen.push(e.event.job);
        if (e.event.job.state !== 'running') end(seen);
      },
    };
    await ok(router.invoke(watcher, 'events.subscribe', { topic: 'job', location: loc, jobId }));
    return ended;
  }

  it('a what-if job pushes its progress and ends with the answer shard.whatIf gives', async () => {
    const id = await shard(9);
    const job = await ok<JobInfo>(invoke('job.start', { kind: 'what-if', location, shard: id, since: 6 }));
    expect(job).toMatchObject({ kind: 'what-if', state: 'running' });
    const pushes = await pushesUntilEnd(job.id);
    const last = pushes.at(-1)!;
    expect(last.state).toBe('done');
    expect(last.progress).toMatchObject({ unit: 'parts' });
    expect(last.result).toMatchObject({ since: 6, lostAsOf: { from: 0, to: 6 }, after: { batches: 1, rows: 9 }, cached: false });
    // The answer is cached: asked again (by a job or directly) it is not recomputed.
    expect((await ok<WhatIfInfo>(invoke('shard.whatIf', { location, shard: id, since: 6 }))).cached).toBe(true);
    expect(await ok<JobInfo>(invoke('job.status', { location, jobId: job.id }))).toMatchObject({ state: 'done' });
    expect(await invoke('job.status', { location: 'nowhere', jobId: job.id })).toMatchObject({ ok: false });
    expect(await invoke('job.start', { kind: 'what-if', location, shard: id, since: 99 })).toMatchObject({ ok: true });
  });

  it('a copy job cancelled at once ends cancelled and leaves no file; a whole one opens', async () => {
    const s = await ok<ShardSummary>(invoke('shard.create', { location, name: 'big', keyCodec: 'string', valCodec: 'string' }));
    for (let b = 0; b < 3; b++) {
      const updates = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${b}-${i}`, val: 'v'.repeat(20), time: b, diff: 1 }));
      await ok(invoke('shard.write', { location, shard: s.id, updates, upper: b + 1 }));
    }
    const path = join(dir.dir, 'cancelled.sqlite');
    const job = await ok<JobInfo>(invoke('job.start', { kind: 'copy', location, shard: s.id, path }));
    const ending = pushesUntilEnd(job.id);
    expect(await ok<JobInfo>(invoke('job.cancel', { location, jobId: job.id }))).toMatchObject({ cancelRequested: true });
    expect((await ending).at(-1)).toMatchObject({ state: 'cancelled', error: null, result: null });
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir.dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);

    const whole = join(dir.dir, 'whole.sqlite');
    const done = (await pushesUntilEnd((await ok<JobInfo>(invoke('job.start', { kind: 'copy', location, shard: s.id, path: whole }))).id)).at(-1)!;
    expect(done).toMatchObject({ state: 'done', result: { shard: s.id, rows: 30_000, asOf: 2, path: whole }, progress: { done: 30_000, unit: 'rows' } });
    const opened = await ok<LocationInfo>(invoke('locations.open', { kind: 'sandbox', path: whole }));
    // And that sandbox saved as a copy, by a job too.
    const shared = join(dir.dir, 'shared.sqlite');
    const saved = (await pushesUntilEnd((await ok<JobInfo>(invoke('job.start', { kind: 'save-copy', location: opened.id, path: shared }))).id, opened.id)).at(-1)!;
    expect(saved).toMatchObject({ state: 'done', result: { path: shared }, progress: { unit: 'bytes' } });
    expect(await invoke('job.start', { kind: 'save-copy', location, path: join(dir.dir, 'x.sqlite') })).toMatchObject({ ok: false, error: { code: 'Unsupported' } });
  });
});
