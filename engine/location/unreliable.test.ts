import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocationError } from '../errors.js';
import { MemBlob, MemConsensus } from './mem.js';
import { retryExternal } from './retry.js';
import { UnreliableBlob, UnreliableConsensus } from './unreliable.js';

describe('unreliable storage', () => {
  it('fails about the configured fraction, determinately and not', async () => {
    const blob = new UnreliableBlob(MemBlob.named(randomUUID()), { failRate: 0.3, seed: 1 });
    let failed = 0;
    let indeterminate = 0;
    for (let i = 0; i < 2000; i++) {
      try {
        await blob.get('k');
      } catch (e) {
        expect(e).toBeInstanceOf(LocationError);
        failed++;
        if (!(e as LocationError).determinate) indeterminate++;
      }
    }
    expect(failed / 2000).toBeGreaterThan(0.25);
    expect(failed / 2000).toBeLessThan(0.35);
    expect(indeterminate / failed).toBeGreaterThan(0.4);
    expect(indeterminate / failed).toBeLessThan(0.6);
    blob.failRate = 0;
    await blob.set('k', new Uint8Array([1]));
    expect(await blob.get('k')).toEqual(new Uint8Array([1]));
  });

  it('an indeterminate compare-and-set sometimes took effect', async () => {
    const c = new UnreliableConsensus(MemConsensus.named(randomUUID()), { failRate: 1, indeterminateRate: 1, seed: 7 });
    for (let i = 1; i <= 50; i++) {
      const before = (await c.inner.head('k'))?.seqno ?? null;
      await expect(c.compareAndSet('k', before, { seqno: (before ?? 0) + 1, data: new Uint8Array() })).rejects.toMatchObject({
        determinate: false,
      });
    }
    expect(c.stats.indeterminateApplied).toBeGreaterThan(10);
    expect(c.stats.indeterminateNotApplied).toBeGreaterThan(10);
    expect((await c.inner.head('k'))?.seqno).toBe(c.stats.indeterminateApplied);
  });

  it('with retries and the own-write check, a CAS chain stays gapless and exactly-once', async () => {
    const c = new UnreliableConsensus(MemConsensus.named(randomUUID()), { failRate: 0.4, seed: 3 });
    const enc = new TextEncoder();
    let head: number | null = null;
    for (let i = 1; i <= 200; i++) {
      const data = enc.encode(`write ${i}`);
      for (;;) {
        const res = await retryExternal(() => c.compareAndSet('k', head, { seqno: (head ?? 0) + 1, data }), 'cas', {
          initialDelayMs: 0,
        });
        // An earlier indeterminate attempt that landed shows up as a mismatch with our own write at the head.
        const landed = !res.ok && res.current?.seqno === (head ?? 0) + 1 && Buffer.compare(res.current.data, data) === 0;
        if (res.ok || landed) {
          head = (head ?? 0) + 1;
          break;
        }
        throw new Error('nobody else writes here');
      }
    }
    c.failRate = 0;
    const all = await c.scan('k', 0, 1000);
    expect(all.map((v) => v.seqno)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(all.map((v) => new TextDecoder().decode(v.data))).toEqual(Array.from({ length: 200 }, (_, i) => `write ${i + 1}`));
    expect(c.stats.indeterminateApplied).toBeGreaterThan(0);
  });
});
