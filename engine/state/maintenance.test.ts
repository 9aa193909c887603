// The maintenance a version calls for: a rollup only when one is due, GC only when there is a
// newer rollup below seqnoSince to truncate to, compaction only when a compactor would act; and
// the lazy batch list of appended states reads exactly as the eager one did.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import { MemBlob, MemConsensus } from '../location/mem.js';
import { Machine, type RoutineMaintenance } from '../machine.js';
import { applyDiff } from './diff.js';
import { gcTarget, ROLLUP_BYTES_RATIO, rollupDue } from './maintenance.js';
import { initialState, type HollowBatch, type LeasedReaderState, type ShardState } from './types.js';
import { MIN_INLINE_MERGE_INPUTS } from '../compact/spine.js';

const S = 's00000000-0000-4000-8000-000000000001';
const rollup = (seqno: number, encodedSizeBytes = 100) => ({ seqno, key: `${S}/rollup/${seqno}`, encodedSizeBytes });
const at = (seqno: number, rollups: ShardState['rollups'], readers: Record<string, LeasedReaderState> = {}): ShardState => ({
  ...initialState(S),
  seqno,
  rollups,
  leasedReaders: readers,
});
const reader = (seqno: number): LeasedReaderState => ({
  id: 'r',
  purpose: 'test',
  hostname: 'h',
  since: [0],
  seqno,
  lastHeartbeatMs: 0,
  leaseDurationMs: 1e9,
});

describe('rollupDue', () => {
  it('waits for the threshold of versions since the newest rollup', () => {
    expect(rollupDue(at(7, []), 8, 500)).toBe(false);
    expect(rollupDue(at(8, []), 8, 500)).toBe(true);
    expect(rollupDue(at(15, [rollup(8)]), 8, 500)).toBe(false);
    expect(rollupDue(at(16, [rollup(8)]), 8, 500)).toBe(true);
  });

  it('for a state whose rollup is big, also waits until the diffs since add up to a share of it', () => {
    // As big as 100 diffs of 500 bytes, times the ratio: due once 100 such diffs have passed.
    const big = rollup(8, 100 * 500 * ROLLUP_BYTES_RATIO);
    expect(rollupDue(at(8 + 99, [big]), 8, 500)).toBe(false);
    expect(rollupDue(at(8 + 100, [big]), 8, 500)).toBe(true);
    // Bigger diffs make it due sooner, never before the threshold.
    expect(rollupDue(at(8 + 50, [big]), 8, 1000)).toBe(true);
    expect(rollupDue(at(8 + 7, [big]), 8, 1e9)).toBe(false);
  });
});

describe('gcTarget', () => {
  it('is the newest rollup at or below seqnoSince', () => {
    expect(gcTarget(at(30, [rollup(8), rollup(16), rollup(24)]))).toBe(24);
    expect(gcTarget(at(30, [rollup(8), rollup(16), rollup(24)], { r: reader(20) }))).toBe(16);
    expect(gcTarget(at(30, [rollup(8), rollup(16)], { r: reader(16) }))).toBe(16);
  });

  it('is null while no rollup is at or below seqnoSince', () => {
    expect(gcTarget(at(5, []))).toBeNull();
    expect(gcTarget(at(30, [rollup(8)], { r: reader(3) }))).toBeNull();
  });
});

describe('the maintenance compareAndAppend reports', () => {
  async function appendMany(n: number, config: Partial<ReturnType<typeof defaultConfig>>): Promise<RoutineMaintenance[]> {
    const m = await Machine.open(S, { consensus: new MemConsensus(), blob: new MemBlob(), config: { ...defaultConfig(), ...config } });
    try {
      await m.registerWriter({ writerId: 'w', purpose: 'test', hostname: 'h', leaseDurationMs: 1e9, codecs: { key: 'string', val: 'string' } });
      const out: RoutineMaintenance[] = [];
      for (let t = 0; t < n; t++) {
        const inline = { k: [btoa(`k${t}`)], v: [btoa('v')], t: [t], d: [1] };
        const part = { key: `inline:${t}`, encodedSizeBytes: 10, len: 1, inline };
        const { result, maintenance } = await m.compareAndAppend({ writerId: 'w', token: `t${t}`, expectedUpper: [t], newUpper: [t + 1], runs: [[part]], len: 1 });
        expect(result).toEqual({ ok: true });
        out.push(maintenance);
        // What a client does with it: the rollup lands before the next append.
        if (maintenance.rollup) await m.writeRollupForCurrent();
      }
      return out;
    } finally {
      m.close();
    }
  }

  it('with compaction off: never compact, a rollup per threshold, GC once per rollup it may truncate to', async () => {
    const ms = await appendMany(40, { compactionEnabled: false, rollupThreshold: 8 });
    expect(ms.some((m) => m.compact)).toBe(false);
    const rollups = ms.filter((m) => m.rollup).length;
    // registerWriter is version 1, so appends write versions 2..41; each rollup adds one more version.
    expect(rollups).toBeGreaterThanOrEqual(3);
    expect(rollups).toBeLessThanOrEqual(5);
    const gcs = ms.filter((m) => m.gc).length;
    expect(gcs).toBeGreaterThanOrEqual(rollups - 1);
    expect(gcs).toBeLessThanOrEqual(rollups);
    // Most appends call for nothing at all.
    expect(ms.filter((m) => Object.keys(m).length === 0).length).toBeGreaterThanOrEqual(40 - 2 * rollups);
  });

  it('with compaction on: compact once enough small batches wait', async () => {
    // Tiny appends stay inline in state, and inline batches wait for a wider merge.
    const n = MIN_INLINE_MERGE_INPUTS;
    const ms = await appendMany(n + 4, { compactionEnabled: true, rollupThreshold: 1000 });
    expect(ms.slice(0, n - 2).some((m) => m.compact)).toBe(false);
    expect(ms.slice(n - 1).every((m) => m.compact)).toBe(true);
  });
});

describe('the batches of appended states', () => {
  const batch = (id: number, lower: number): HollowBatch => ({
    id: `b${id}`,
    lower: [lower],
    upper: [lower + 1],
    since: [0],
    len: 1,
    level: 0,
    runs: [],
  });

  it('read as the eager list would, whichever state of a chain is read first, and in JSON', () => {
    let s = initialState(S);
    const states: ShardState[] = [];
    for (let i = 0; i < 50; i++) {
      // a batch now and then that sorts before the last one: that path copies the list
      const lower = i % 17 === 16 ? i - 2 : i;
      s = applyDiff(s, { seqno: s.seqno + 1, walltimeMs: 0, latestRollup: null, batchesAdded: [batch(i, lower)] });
      states.push(s);
    }
    const expected = (n: number) =>
      Array.from({ length: n }, (_, i) => batch(i, i % 17 === 16 ? i - 2 : i)).sort((a, b) => (a.lower[0] as number) - (b.lower[0] as number));
    // Read out of order: a later state first, then earlier ones that share its chain.
    for (const i of [40, 10, 49, 0, 25, 41]) {
      expect(states[i].batches.map((b) => b.id)).toEqual(expected(i + 1).map((b) => b.id));
      expect(JSON.parse(JSON.stringify(states[i])).batches).toEqual(expected(i + 1));
      expect({ ...states[i] }.batches).toBe(states[i].batches);
    }
    // A removal after a chain of appends sees every appended batch.
    const removed = applyDiff(s, { seqno: s.seqno + 1, walltimeMs: 0, latestRollup: null, batchesRemoved: ['b3'] });
    expect(removed.batches.map((b) => b.id)).toEqual(expected(50).filter((b) => b.id !== 'b3').map((b) => b.id));
  });
});
