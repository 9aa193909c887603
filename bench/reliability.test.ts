// The bounded reliability run (`npm run reliability -- --quick` is bigger, the full run bigger
// still): writers killed at random points, the model on unreliable storage, and four processes
// writing one sandbox file. Nothing acknowledged may be lost or duplicated, no state unreadable.
import { describe, expect, it } from 'vitest';
import { runR1 } from './reliability/r1-kills.js';
import { runR2 } from './reliability/r2-model.js';
import { runR3 } from './reliability/r3-processes.js';

describe('reliability (bounded)', () => {
  it('writers SIGKILLed at upload, CAS, compaction and GC lose nothing acknowledged and leave every version readable', { timeout: 120_000 }, async () => {
    const r = await runR1({ kills: 6, seed: Date.now() % 2 ** 31 });
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(6);
    expect(r.ackedLost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.unreadableStates).toBe(0);
  });

  it('model steps on unreliable storage with two clients find no violation', { timeout: 120_000 }, async () => {
    const r = await runR2({ steps: 300, seed: Date.now() % 2 ** 31 });
    expect(r.failures).toEqual([]);
    expect(r.violations).toBe(0);
    expect(r.steps).toBeGreaterThanOrEqual(300);
  });

  it('four processes writing one sandbox file at once: every acknowledged write exactly once', { timeout: 120_000 }, async () => {
    const r = await runR3({ processes: 4, seconds: 5 });
    expect(r.failures).toEqual([]);
    expect(r.unreadable).toEqual([]);
    expect(r.acked).toBeGreaterThan(0);
    expect(r.ackedLost).toBe(0);
    expect(r.duplicates).toBe(0);
  });
});
