// The router on the real engine (in-memory location), without Electron: validation, errors as
// { code, message }, the actions and the push subscriptions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, Result, ShardDetail, ShardSummary } from '../../preload/contract.js';
import type { RuntimeHost } from '../host/runtime-host.js';
import { memHost, ok } from './mem-host.test-util.js';
import { Router, type Session } from './router.js';

let host: RuntimeHost;
let router: Router;
let events: EventEnvelope[];
let session: Session;

beforeEach(async () => {
  host = memHost('router-test', { engineConfig: undefined });
  await host.start();
  router = new Router(host, () => undefined);
  events = [];
  session = { send: (e) => events.push(e) };
});

afterEach(async () => {
  router.closeAll();
  await host.close();
});


const invoke = (method: unknown, params?: unknown) => router.invoke(session, method, params);

describe('validation', () => {
  it('rejects an unknown method with UnknownMethod', async () => {
    const r = await invoke('fs.readFile', { path: '/etc/passwd' });
    expect(r).toEqual({ ok: false, error: { code: 'UnknownMethod', message: expect.stringContaining('"fs.readFile"') } });
    expect(await invoke(42)).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });
    expect(await invoke('__proto__')).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });
    expect(await invoke('toString')).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });
  });

  it('rejects malformed params with BadRequest naming the fields, as plain { code, message }', async () => {
    const r = await invoke('shard.write', { location: 5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.error).sort()).toEqual(['code', 'message']);
    expect(r.error.code).toBe('BadRequest');
    expect(r.error.message).toMatch(/location: .*expected string/);
    expect(r.error.message).toMatch(/shard: /);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('rejects extra fields, bad ids, bad times and oversized requests', async () => {
    const shard = 's00000000-0000-0000-0000-000000000000';
    expect(await invoke('shards.list', { location: 'default', extra: 1 })).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('shard.inspect', { location: 'default', shard: '../../etc/passwd' })).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('shard.advanceUpper', { location: 'default', shard, to: -1 })).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('shard.advanceUpper', { location: 'default', shard, to: 1.5 })).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('shard.snapshot', { location: 'default', shard, asOf: null, offset: 0, limit: 1e9 })).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('locations.open', { kind: 'sandbox', path: 'relative.sqlite' })).toMatchObject({ error: { code: 'BadRequest', message: expect.stringContaining('absolute') } });
    expect(await invoke('shards.list', null)).toMatchObject({ error: { code: 'BadRequest' } });
    expect(await invoke('shards.list', 'x')).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('says NotFound for an unknown location or shard', async () => {
    expect(await invoke('shards.list', { location: 'nope' })).toMatchObject({ error: { code: 'NotFound' } });
    const r = await invoke('shard.inspect', { location: 'default', shard: 's00000000-0000-0000-0000-000000000000' });
    expect(r).toMatchObject({ ok: false, error: { code: 'NotFound' } });
  });

  it('refuses subscriptions from a session that cannot receive pushes', async () => {
    const r = await router.invoke({ send: () => undefined, canPush: false }, 'events.subscribe', { topic: 'shards', location: 'default' });
    expect(r).toMatchObject({ ok: false, error: { code: 'Unsupported' } });
  });
});

describe('actions on the real engine', () => {
  it('creates a shard, writes, advances the upper and reads a snapshot', async () => {
    const s = await ok<ShardSummary>(invoke('shard.create', { location: 'default', name: 'fruits', keyCodec: 'string', valCodec: 'json' }));
    expect(s).toMatchObject({ name: 'fruits', upper: 0, codecs: { key: 'string', val: 'json' } });
    const dup = await invoke('shard.create', { location: 'default', name: 'fruits', keyCodec: 'string', valCodec: 'json' });
    expect(dup).toMatchObject({ ok: false, error: { code: 'Conflict' } });

    const w = await ok<{ upper: number }>(
      invoke('shard.write', {
        location: 'default',
        shard: s.id,
        updates: [
          { key: 'apple', val: '{"c":"red"}', time: null, diff: 1 },
          { key: 'pear', val: '"green"', time: 2, diff: 2 },
        ],
        upper: null,
      }),
    );
    expect(w.upper).toBe(3);
    const badJson = await invoke('shard.write', { location: 'default', shard: s.id, updates: [{ key: 'x', val: '{oops', time: null, diff: 1 }], upper: null });
    expect(badJson).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringContaining('update 1: value must be JSON') } });
    const late = await invoke('shard.write', { location: 'default', shard: s.id, updates: [{ key: 'x', val: '1', time: 0, diff: 1 }], upper: null });
    expect(late).toMatchObject({ ok: false, error: { code: 'InvalidUsage', message: expect.stringContaining("before the shard's upper 3") } });

    await ok(invoke('shard.advanceUpper', { location: 'default', shard: s.id, to: 10 }));
    const page = await ok<{ asOf: number; total: number; rows: unknown[] }>(
      invoke('shard.snapshot', { location: 'default', shard: s.id, asOf: null, offset: 0, limit: 100 }),
    );
    expect(page.asOf).toBe(9);
    expect(page.rows).toEqual([
      { key: 'apple', val: '{"c":"red"}', time: 9, diff: 1 },
      { key: 'pear', val: '"green"', time: 9, diff: 2 },
    ]);
    const future = await invoke('shard.snapshot', { location: 'default', shard: s.id, asOf: 10, offset: 0, limit: 100 });
    expect(future).toMatchObject({ ok: false, error: { code: 'InvalidUsage', message: expect.stringContaining('choose a time below 10') } });

    const list = await ok<ShardSummary[]>(invoke('shards.list', { location: 'default' }));
    expect(list.map((x) => x.name)).toEqual(['fruits']);
  });

  it('opens, downgrades and expires readers; pushes shard changes to subscribers', async () => {
    const s = await ok<ShardSummary>(invoke('shard.create', { location: 'default', name: 'leases', keyCodec: 'string', valCodec: 'string' }));
    await ok(invoke('shard.advanceUpper', { location: 'default', shard: s.id, to: 5 }));
    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'shard', location: 'default', shard: s.id }));
    const r = await ok<{ id: string }>(invoke('handle.openReader', { location: 'default', shard: s.id, purpose: 'test reader', kind: 'leased' }));
    const c = await ok<{ id: string }>(invoke('handle.openReader', { location: 'default', shard: s.id, purpose: 'test critical', kind: 'critical' }));
    await ok(invoke('handle.downgradeSince', { location: 'default', shard: s.id, readerId: r.id, since: 3 }));
    let d = await ok<ShardDetail>(invoke('shard.inspect', { location: 'default', shard: s.id }));
    expect(d.leasedReaders.find((x) => x.id === r.id)).toMatchObject({ purpose: 'test reader', since: 3, ownedByApp: true });
    expect(d.criticalReaders.find((x) => x.id === c.id)).toMatchObject({ purpose: 'test critical', ownedByApp: true });

    await ok(invoke('lease.expire', { location: 'default', shard: s.id, kind: 'reader', id: r.id }));
    d = await ok<ShardDetail>(invoke('shard.inspect', { location: 'default', shard: s.id }));
    expect(d.leasedReaders.find((x) => x.id === r.id)).toBeUndefined();

    await expect.poll(() => events.filter((e) => e.subId === subId && e.event.topic === 'shard').length, { timeout: 5000 }).toBeGreaterThan(0);
    await ok(invoke('events.unsubscribe', { subId }));
    expect(router.subscriptionCount).toBe(0);
  });

  it('listens live while the generator writes, in batches', async () => {
    const s = await ok<ShardSummary>(invoke('shard.create', { location: 'default', name: 'gen', keyCodec: 'json', valCodec: 'bytes' }));
    const { subId } = await ok<{ subId: string }>(invoke('events.subscribe', { topic: 'live', location: 'default', shard: s.id }));
    await ok(invoke('generator.start', { location: 'default', shard: s.id, rate: 200 }));
    await expect
      .poll(
        () =>
          events
            .filter((e) => e.subId === subId && e.event.topic === 'live')
            .reduce((n, e) => n + (e.event.topic === 'live' ? e.event.recent.length : 0), 0),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    const live = events.find((e) => e.subId === subId && e.event.topic === 'live' && e.event.recent.length > 0)!;
    if (live.event.topic === 'live') expect(live.event.recent[0].val).toMatch(/^[0-9a-f]{8}$/); // bytes as hex
    const st = await ok<{ running: boolean; written: number }>(invoke('generator.stop', { location: 'default', shard: s.id }));
    expect(st.running).toBe(false);
    expect(st.written).toBeGreaterThan(0);
    router.closeSession(session);
    expect(router.subscriptionCount).toBe(0);
  });
});
