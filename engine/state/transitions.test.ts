import { describe, expect, it } from 'vitest';
import { applyDiff } from './diff.js';
import * as t from './transitions.js';
import { initialState, type ShardState } from './types.js';
import { InvalidUsageError, LeaseExpiredError } from '../errors.js';

const S = 's00000000-0000-0000-0000-000000000001';
const codecs = { key: 'string', val: 'string' };

function step<R>(state: ShardState, outcome: t.Outcome<R>, now: number): [ShardState, R] {
  if (!outcome.changes) return [state, outcome.result];
  return [applyDiff(state, t.commit(state, outcome.changes, now, null)), outcome.result];
}

const writer = (id: string, lease = 1000) => ({ writerId: id, purpose: 'test', hostname: 'h', leaseDurationMs: lease, codecs });
const reader = (id: string, lease = 1000) => ({ readerId: id, purpose: 'test', hostname: 'h', leaseDurationMs: lease, codecs });

describe('state transitions', () => {
  it('records codecs on first open and names both codecs on a mismatch', () => {
    let s = initialState(S);
    [s] = step(s, t.registerWriter(s, writer('w1'), 0), 0);
    expect(s.codecs).toEqual(codecs);
    expect(() => t.registerWriter(s, { ...writer('w2'), codecs: { key: 'bytes', val: 'string' } }, 0)).toThrow(
      'key codec mismatch bytes vs previous string',
    );
    try {
      t.registerLeasedReader(s, { ...reader('r1'), codecs: { key: 'string', val: 'bytes' } }, 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidUsageError);
      expect((e as InvalidUsageError).kind).toBe('CodecMismatch');
      expect((e as Error).message).toBe('val codec mismatch bytes vs previous string');
    }
  });

  it('appends only at the expected upper and reports the current one otherwise', () => {
    let s = initialState(S);
    [s] = step(s, t.registerWriter(s, writer('w1'), 0), 0);
    const run = [{ key: 'k1', encodedSizeBytes: 10, len: 1 }];
    let res: t.AppendResult;
    [s, res] = step(s, t.compareAndAppend(s, { writerId: 'w1', token: 'a', expectedUpper: [0], newUpper: [5], runs: [run], len: 1 }, 1), 1);
    expect(res).toEqual({ ok: true });
    expect(s.upper).toEqual([5]);
    expect(s.batches).toHaveLength(1);
    const mismatch = t.compareAndAppend(s, { writerId: 'w1', token: 'b', expectedUpper: [0], newUpper: [9], runs: [run], len: 1 }, 2);
    expect(mismatch.changes).toBeNull();
    expect(mismatch.result).toEqual({ ok: false, expected: [0], current: [5] });
    // An empty append only moves the upper: no batch.
    [s, res] = step(s, t.compareAndAppend(s, { writerId: 'w1', token: 'c', expectedUpper: [5], newUpper: [], runs: [], len: 0 }, 3), 3);
    expect(res.ok).toBe(true);
    expect(s.upper).toEqual([]);
    expect(s.batches).toHaveLength(1);
  });

  it('recognises its own landed append by its token, whatever landed on top since', () => {
    let s = initialState(S);
    [s] = step(s, t.registerWriter(s, writer('w1'), 0), 0);
    [s] = step(s, t.registerWriter(s, writer('w2'), 0), 0);
    const run = [{ key: 'k1', encodedSizeBytes: 10, len: 1 }];
    [s] = step(s, t.compareAndAppend(s, { writerId: 'w1', token: 'mine', expectedUpper: [0], newUpper: [5], runs: [run], len: 1 }, 1), 1);
    [s] = step(s, t.compareAndAppend(s, { writerId: 'w2', token: 'theirs', expectedUpper: [5], newUpper: [7], runs: [], len: 0 }, 2), 2);
    // The retry of w1's append (its reply was lost) runs on a state whose upper moved on.
    const again = t.compareAndAppend(s, { writerId: 'w1', token: 'mine', expectedUpper: [0], newUpper: [5], runs: [run], len: 1 }, 3);
    expect(again).toEqual({ changes: null, result: { ok: true } });
    // Another call of w1 with a fresh token is a real mismatch, to be decided on fresh state.
    const other = t.compareAndAppend(s, { writerId: 'w1', token: 'next', expectedUpper: [0], newUpper: [5], runs: [run], len: 1 }, 3);
    expect(other.result).toEqual({ ok: false, expected: [0], current: [7] });
    expect(other.linearize).toBe(true);
  });

  it('expires silent leases after the acting handle heartbeats, never the actor itself', () => {
    let s = initialState(S);
    [s] = step(s, t.registerWriter(s, writer('w1', 100), 0), 0);
    [s] = step(s, t.registerLeasedReader(s, reader('r1', 100), 0), 0);
    [s] = step(s, t.registerLeasedReader(s, reader('r2', 100), 50), 50);
    // At 120 r1 (last heard at 0) has been silent for longer than its lease; w1 acts and survives.
    [s] = step(s, t.heartbeatWriter(s, { writerId: 'w1' }, 500), 500);
    expect(Object.keys(s.writers)).toEqual(['w1']);
    expect(s.leasedReaders).toEqual({});
    expect(() => t.heartbeatReader(s, { readerId: 'r1', seqno: 0 }, 600)).toThrow(LeaseExpiredError);
  });

  it('keeps the shard since at the meet of its readers and never moves it back', () => {
    let s = initialState(S);
    [s] = step(s, t.registerLeasedReader(s, reader('r1'), 0), 0);
    [s] = step(s, t.registerLeasedReader(s, reader('r2'), 0), 0);
    [s] = step(s, t.downgradeSince(s, { readerId: 'r1', since: [10], seqno: s.seqno }, 1), 1);
    expect(s.since).toEqual([0]);
    [s] = step(s, t.downgradeSince(s, { readerId: 'r2', since: [7], seqno: s.seqno }, 2), 2);
    expect(s.since).toEqual([7]);
    // A downgrade backwards is a heartbeat that leaves the since where it is.
    [s] = step(s, t.downgradeSince(s, { readerId: 'r2', since: [3], seqno: s.seqno }, 3), 3);
    expect(s.leasedReaders.r2.since).toEqual([7]);
    [s] = step(s, t.expireLeasedReader(s, { readerId: 'r2' }), 4);
    expect(s.since).toEqual([10]);
    [s] = step(s, t.expireLeasedReader(s, { readerId: 'r1' }), 5);
    expect(s.since).toEqual([10]);
  });

  it('fences critical since downgrades by the opaque token', () => {
    let s = initialState(S);
    [s] = step(s, t.registerCriticalReader(s, { readerId: 'c1', purpose: 'p' }), 0);
    let res: t.CompareAndDowngradeResult;
    [s, res] = step(s, t.compareAndDowngradeSince(s, { readerId: 'c1', expectedOpaque: 'x', opaque: 'y', since: [4] }), 1);
    expect(res).toEqual({ ok: false, opaque: '' });
    [s, res] = step(s, t.compareAndDowngradeSince(s, { readerId: 'c1', expectedOpaque: '', opaque: 'y', since: [4] }), 1);
    expect(res).toEqual({ ok: true, since: [4] });
    expect(s.since).toEqual([4]);
    expect(s.criticalReaders.c1.opaque).toBe('y');
  });

  it('tracks seqnoSince as the oldest seqno a leased reader holds', () => {
    let s = initialState(S);
    [s] = step(s, t.registerLeasedReader(s, reader('r1'), 0), 0);
    [s] = step(s, t.registerCriticalReader(s, { readerId: 'c1', purpose: 'p' }), 0);
    [s] = step(s, t.registerCriticalReader(s, { readerId: 'c2', purpose: 'p' }), 0);
    expect(t.seqnoSince(s)).toBe(1);
    [s] = step(s, t.heartbeatReader(s, { readerId: 'r1', seqno: s.seqno }, 1), 1);
    expect(t.seqnoSince(s)).toBe(3);
    [s] = step(s, t.expireLeasedReader(s, { readerId: 'r1' }), 1);
    expect(t.seqnoSince(s)).toBe(s.seqno);
  });
});

describe("GC's rollup transitions", () => {
  const rollup = (seqno: number) => ({ seqno, key: `${S}/rollup/${seqno}`, encodedSizeBytes: 10 });
  const withRollups = (...seqnos: number[]): ShardState => ({ ...initialState(S), seqno: 9, rollups: seqnos.map(rollup) });

  it('addRollup names a new rollup once; a second one at the same seqno changes nothing', () => {
    expect(t.addRollup(withRollups(2), rollup(5)).changes).toEqual({ rollupsAdded: [rollup(5)] });
    expect(t.addRollup(withRollups(2, 5), rollup(5)).changes).toBeNull();
  });

  it('removeRollupsBelow forgets exactly the rollups older than the truncation point', () => {
    expect(t.removeRollupsBelow(withRollups(2, 4, 6), { seqno: 6 }).changes).toEqual({ rollupsRemoved: [2, 4] });
    expect(t.removeRollupsBelow(withRollups(6, 8), { seqno: 6 }).changes).toBeNull();
  });
});
