import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newShardId, PersistClient, type ListenEvent } from './index.js';
import { memClient, memLocation, sortUpdates, strings } from './testing/util.js';

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
    })();
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
