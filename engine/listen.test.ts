import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientClosedError, LeaseExpiredError, newShardId, PersistClient, type ListenEvent } from './index.js';
import { manualClock, memClient, memLocation, sortUpdates, strings } from './testing/util.js';

let client: PersistClient;
beforeEach(async () => {
  client = await memClient();
});
afterEach(async () => {
  await client.close();
});

type Ev = ListenEvent<string, string>;

/** Checks the listen contract over a sequence of events and returns the updates seen. */
function checkEvents(events: Ev[], asOf: number): (readonly [string, string, number, number])[] {
  let progress = asOf;
  const seen: (readonly [string, string, number, number])[] = [];
  for (const e of events) {
    if (e.kind === 'progress') {
      const f = e.frontier.length ? e.frontier[0] : Infinity;
      expect(f).toBeGreaterThanOrEqual(progress);
      progress = f;
    } else {
      for (const u of e.updates) {
        expect(u[2]).toBeGreaterThan(asOf);
        expect(u[2]).toBeGreaterThanOrEqual(progress);
        seen.push(u);
      }
    }
  }
  return seen;
}

describe('Listen', () => {
  it('emits every update after as_of exactly once, at its time, between progress events', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['a', 'x', 0, 1], ['b', 'x', 2, 1]], [0], [3]);
    const listen = await r.listen([1]);
    const events: Ev[] = [];
    const writes = (async () => {
      for (let t = 3; t < 20; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      await w.compareAndAppend([], [20], []);
    })();
    for await (const e of listen) events.push(e);
    await writes;
    const seen = checkEvents(events, 1);
    // Updates are checked against the progress that came *before* them.
    expect(sortUpdates(seen)).toEqual(sortUpdates([['b', 'x', 2, 1], ...Array.from({ length: 17 }, (_, i) => [`k${i + 3}`, 'v', i + 3, 1] as const)]));
    expect(listen.frontier()).toEqual([]);
  });

  it('is woken by a write of another client on the same location', async () => {
    const loc = memLocation();
    const a = await PersistClient.open(loc);
    const b = await PersistClient.open(loc);
    const shard = newShardId();
    const [w] = await a.open(shard, strings);
    const r = await b.openLeasedReader(shard, strings);
    const listen = await r.listen([0]);
    const next = listen.fetchNext();
    await w.compareAndAppend([['a', 'x', 1, 1]], [0], [2]);
    const events = [...(await next)];
    while (!events.some((e) => e.kind === 'progress' && e.frontier[0] === 2)) events.push(...(await listen.fetchNext()));
    expect(checkEvents(events, 0)).toEqual([['a', 'x', 1, 1]]);
    await a.close();
    await b.close();
  });
});

describe('Subscribe', () => {
  it('snapshot then listen: no duplicate and no lost update while writes race it', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    const w2 = await client.openWriter(shard, strings);
    for (let t = 0; t < 10; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    const sub = await r.subscribe([5]);
    // Two writers race each other and the subscribe.
    const race = async (wr: typeof w, tag: string) => {
      for (let i = 0; i < 40; i++) {
        for (;;) {
          const upper = await wr.fetchRecentUpper();
          const t = upper[0] as number;
          if ((await wr.compareAndAppend([[`${tag}${i}`, 'v', t, 1]], upper, [t + 1])).ok) break;
        }
      }
    };
    const totals = new Map<string, number>();
    let frontier = 0;
    let target = Infinity;
    const consumer = (async () => {
      for await (const e of sub) {
        if (e.kind === 'updates') for (const [k, , , d] of e.updates) totals.set(k, (totals.get(k) ?? 0) + d);
        else frontier = e.frontier[0] as number;
        if (frontier >= target) return;
      }
    })().catch((e) => {
      // Past the target it may still wait for more: closing the client ends that wait.
      if (!(e instanceof ClientClosedError)) throw e;
    });
    await Promise.all([race(w, 'a'), race(w2, 'b')]);
    target = (await w.fetchRecentUpper())[0] as number;
    expect(target).toBe(90);
    if (frontier < target) await consumer;
    const keys = [...totals.keys()];
    expect(keys.filter((k) => k.startsWith('a'))).toHaveLength(40);
    expect(keys.filter((k) => k.startsWith('b'))).toHaveLength(40);
    expect(keys.filter((k) => k.startsWith('k'))).toHaveLength(10);
    for (const d of totals.values()) expect(d).toBe(1);
  });
});

describe('Listen leases and waits', () => {
  it('a listen whose reader expired rejects with LeaseExpiredError instead of compacted (advanced, repeated) updates', async () => {
    const clock = manualClock();
    const loc = memLocation();
    const config = { now: clock.now, readerLeaseDurationMs: 1000, compactionEnabled: false };
    const a = await PersistClient.open(loc, config);
    const b = await PersistClient.open(loc, config);
    const shard = newShardId();
    const [w, r] = await a.open(shard, strings);
    for (let t = 0; t < 3; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    const listen = await r.listen([0]);
    const events: Ev[] = [];
    while (listen.frontier()[0] !== 3) events.push(...(await listen.fetchNext()));
    expect(checkEvents(events, 0)).toEqual([['k1', 'v', 1, 1], ['k2', 'v', 2, 1]]);
    for (let t = 3; t < 10; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    clock.advance(1500); // the listen's reader stays silent past its lease
    const r2 = await b.openLeasedReader(shard, strings); // this transition expires it
    await r2.downgradeSince([8]);
    expect((await b.inspectShard(shard)).leasedReaders.map((x) => x.id)).toEqual([r2.readerId]);
    await b.admin.forceCompaction(shard); // times before 8 now read as 8
    await a.inspectShard(shard); // a has seen it all
    await expect(listen.fetchNext()).rejects.toBeInstanceOf(LeaseExpiredError);
    await expect(listen.fetchNext()).rejects.toBeInstanceOf(LeaseExpiredError);
    await a.close();
    await b.close();
  });

  it('a pending fetchNext rejects with LeaseExpiredError when its reader is expired', async () => {
    const shard = newShardId();
    const [, r] = await client.open(shard, strings);
    const listen = await r.listen([0]);
    const pending = listen.fetchNext();
    await client.admin.expireReader(shard, r.readerId);
    await expect(pending).rejects.toBeInstanceOf(LeaseExpiredError);
    const r2 = await client.openLeasedReader(shard, strings);
    const own = await r2.listen([0]);
    const ownPending = own.fetchNext();
    await own.expire();
    await expect(ownPending).rejects.toBeInstanceOf(LeaseExpiredError);
  });

  it('serves concurrent fetchNext calls one after another: no update twice', async () => {
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([['k0', 'v', 0, 1]], [0], [1]);
    const listen = await r.listen([0]);
    await listen.fetchNext(); // progress [1]
    const calls = [listen.fetchNext(), listen.fetchNext(), listen.fetchNext()];
    for (let t = 1; t < 4; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
    const events = (await Promise.all(calls)).flat();
    while (listen.frontier()[0] !== 4) events.push(...(await listen.fetchNext()));
    expect(checkEvents(events, 0)).toEqual([['k1', 'v', 1, 1], ['k2', 'v', 2, 1], ['k3', 'v', 3, 1]]);
    expect(listen.frontier()).toEqual([4]);
    const sub = await (await client.openLeasedReader(shard, strings)).subscribe([1]);
    const subEvents = (await Promise.all([sub.fetchNext(), sub.fetchNext()])).flat();
    const totals = new Map<string, number>();
    for (const e of subEvents) if (e.kind === 'updates') for (const [k, , , d] of e.updates) totals.set(k, (totals.get(k) ?? 0) + d);
    expect([...totals].sort()).toEqual([['k0', 1], ['k1', 1], ['k2', 1], ['k3', 1]]);
  });

  it("holdSince leaves the reader's since; by default it follows the frontier on the configured clock", async () => {
    const clock = manualClock();
    const c = await memClient({ now: clock.now });
    const shard = newShardId();
    const [w, follow] = await c.open(shard, strings);
    const hold = await c.openLeasedReader(shard, strings);
    const held = await hold.listen([0], { holdSince: true });
    const followed = await follow.listen([0]);
    const sinceOf = async (id: string) => (await c.inspectShard(shard)).leasedReaders.find((x) => x.id === id)?.since;
    for (let t = 0; t < 6; t++) {
      await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      await held.fetchNext();
      await followed.fetchNext();
      clock.advance(5000);
    }
    expect(followed.frontier()).toEqual([6]);
    await c.idle(shard);
    expect(await sinceOf(follow.readerId)).toEqual([5]);
    expect(await sinceOf(hold.readerId)).toEqual([0]);
    expect((await c.inspectShard(shard)).since).toEqual([0]);
    const sub = await (await c.openLeasedReader(shard, strings)).subscribe([2], { holdSince: true });
    await sub.fetchNext();
    await sub.fetchNext();
    await expect(hold.listen([0], { holdSince: 'yes' as unknown as boolean })).rejects.toThrow('holdSince');
    await c.close();
  });

  it('close() settles every pending wait with ClientClosedError', async () => {
    const c = await memClient();
    const shard = newShardId();
    const [w, r] = await c.open(shard, strings);
    const listen = await r.listen([0]);
    const waits = [
      listen.fetchNext(),
      (await c.openLeasedReader(shard, strings)).snapshotAndFetch([5]),
      (await c.openLeasedReader(shard, strings)).snapshot([5]),
      (await (await c.openLeasedReader(shard, strings)).subscribe([5])).fetchNext(),
      w.waitForUpperPast([3]),
    ].map((p) => p.then(() => 'resolved', (e) => e));
    await c.close();
    for (const res of await Promise.all(waits)) expect(res).toBeInstanceOf(ClientClosedError);
    await expect(listen.fetchNext()).rejects.toBeInstanceOf(ClientClosedError);
  });
});
