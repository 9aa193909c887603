import { describe, expect, it } from 'vitest';
import { InvalidUsageError, LocationError } from '../errors.js';
import { configureRetry, retryExternal } from './retry.js';

describe('retryExternal', () => {
  it('retries LocationErrors until the operation succeeds', async () => {
    let calls = 0;
    const delays: number[] = [];
    const out = await retryExternal(
      async () => {
        if (++calls < 5) throw new LocationError('flaky', true);
        return 'done';
      },
      'op',
      { onRetry: (_e, _n, d) => delays.push(d) },
    );
    expect(out).toBe('done');
    expect(calls).toBe(5);
    // Backoff grows (with jitter within [d/2, d]).
    expect(delays[0]).toBeLessThanOrEqual(5);
    expect(delays[3]).toBeGreaterThanOrEqual(20);
  });

  it('passes other errors through at once', async () => {
    let calls = 0;
    const err = new InvalidUsageError('InvalidArgument', 'no');
    await expect(
      retryExternal(async () => {
        calls++;
        throw err;
      }, 'op'),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('gives up after the time bound, saying what and how long', async () => {
    const start = Date.now();
    const err = await retryExternal(() => Promise.reject(new LocationError('down', true)), 'write part x', {
      totalMs: 200,
    }).catch((e) => e);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(/^write part x: down \(gave up after \d+ attempts in \d+ ms\)$/);
    expect(err.determinate).toBe(true);
  });

  it('is indeterminate overall if any attempt was', async () => {
    let n = 0;
    const err = await retryExternal(() => Promise.reject(new LocationError('x', n++ !== 1)), 'op', { totalMs: 50 }).catch(
      (e) => e,
    );
    expect(err.determinate).toBe(false);
  });

  it('stops waiting when aborted, and has configurable defaults', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const start = Date.now();
    await expect(retryExternal(() => Promise.reject(new LocationError('x', true)), 'op', { signal: ac.signal })).rejects.toThrow(
      /gave up/,
    );
    expect(Date.now() - start).toBeLessThan(1000);

    const prev = configureRetry({ totalMs: 30 });
    try {
      const t = Date.now();
      await expect(retryExternal(() => Promise.reject(new LocationError('x', true)), 'op')).rejects.toThrow(/gave up/);
      expect(Date.now() - t).toBeLessThan(500);
    } finally {
      configureRetry(prev);
    }
  });
});
