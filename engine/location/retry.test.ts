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

  // A retry loop that ignored its bound would run into the test's 5 s timeout.
  it('gives up after the time bound, saying what and how long', { timeout: 5000 }, async () => {
    const err = await retryExternal(() => Promise.reject(new LocationError('down', true)), 'write part x', {
      totalMs: 200,
    }).catch((e) => e);
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

  // The default bound is 30 s: a retry that ignored the abort or the shortened default would
  // run into this test's 5 s timeout.
  it('stops waiting when aborted, and has configurable defaults', { timeout: 5000 }, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(retryExternal(() => Promise.reject(new LocationError('x', true)), 'op', { signal: ac.signal })).rejects.toThrow(
      /gave up/,
    );

    const prev = configureRetry({ totalMs: 30 });
    try {
      await expect(retryExternal(() => Promise.reject(new LocationError('x', true)), 'op')).rejects.toThrow(/gave up/);
    } finally {
      configureRetry(prev);
    }
  });
});
