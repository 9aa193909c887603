// When a new version calls for background work (Materialize's RoutineMaintenance decisions): pure
// functions of state, cheap enough to ask after every compare-and-set. Each says "due" only when
// the work has something to do, so that an append of one tiny batch never starts work that scales
// with the whole state.
import { seqnoSince } from './transitions.js';
import type { ShardState } from './types.js';

/**
 * A rollup must not cost more than the diffs it saves replaying: for a big state (many batches
 * that compaction has not merged) one rollup is as large as thousands of small diffs. It is due
 * once `threshold` versions have passed since the newest rollup and those versions' diffs add up to
 * at least 1/ROLLUP_BYTES_RATIO of its size. Rollup bytes written then stay within
 * ROLLUP_BYTES_RATIO times the diff bytes written (no quadratic total on a growing shard), and a
 * load reads at most about ROLLUP_BYTES_RATIO rollups' worth of diffs after its rollup. A small
 * state meets the byte condition long before `threshold`: its cadence stays `threshold`.
 */
export const ROLLUP_BYTES_RATIO = 4;

export function latestRollupSeqno(state: ShardState): number | null {
  return state.rollups.length ? state.rollups[state.rollups.length - 1].seqno : null;
}

/**
 * Whether the version `state` (whose own diff was `diffBytes` long, the estimate for each diff
 * since the newest rollup) should be rolled up.
 */
export function rollupDue(state: ShardState, threshold: number, diffBytes: number): boolean {
  if (state.seqno === 0) return false;
  const latest = state.rollups.length ? state.rollups[state.rollups.length - 1] : null;
  const versionsSince = state.seqno - (latest?.seqno ?? 0);
  if (versionsSince < threshold) return false;
  return latest === null || versionsSince * diffBytes * ROLLUP_BYTES_RATIO >= latest.encodedSizeBytes;
}

/**
 * Where a background GC truncates to: the newest rollup at or below seqnoSince, so that it has no
 * rollup of its own to write (a rollup of a big state costs as much as the GC's every other step).
 * null when no rollup qualifies: nothing below seqnoSince can go yet without writing one.
 */
export function gcTarget(state: ShardState): number | null {
  const since = seqnoSince(state);
  for (let i = state.rollups.length - 1; i >= 0; i--) if (state.rollups[i].seqno <= since) return state.rollups[i].seqno;
  return null;
}
