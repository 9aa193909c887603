// Applying a StateDiff is the only way state changes: the writer of a diff and every reader that
// replays it from consensus run this same function, so they cannot disagree.
import { CorruptDataError } from '../errors.js';
import { leq } from '../antichain.js';
import type { HollowBatch, KeyedChange, ShardState, StateDiff } from './types.js';

export function applyDiff(state: ShardState, diff: StateDiff): ShardState {
  if (diff.seqno !== state.seqno + 1) {
    throw new CorruptDataError(
      `${state.shardId}@${diff.seqno}`,
      `state diff for seqno ${diff.seqno} applied to state at seqno ${state.seqno}`,
    );
  }
  let batches = state.batches;
  if (diff.batchesRemoved?.length || diff.batchesAdded?.length) {
    batches = applyBatches(state.batches, diff.batchesRemoved ?? [], diff.batchesAdded ?? []);
  }
  let rollups = state.rollups;
  if (diff.rollupsAdded?.length || diff.rollupsRemoved?.length) {
    const removed = new Set(diff.rollupsRemoved ?? []);
    rollups = [...state.rollups.filter((r) => !removed.has(r.seqno)), ...(diff.rollupsAdded ?? [])].sort(
      (a, b) => a.seqno - b.seqno,
    );
  }
  return {
    shardId: state.shardId,
    seqno: diff.seqno,
    walltimeMs: diff.walltimeMs,
    name: diff.name !== undefined ? diff.name : state.name,
    codecs: diff.codecs ?? state.codecs,
    since: diff.since ?? state.since,
    upper: diff.upper ?? state.upper,
    leasedReaders: applyKeyed(state.leasedReaders, diff.leasedReaders),
    criticalReaders: applyKeyed(state.criticalReaders, diff.criticalReaders),
    writers: applyKeyed(state.writers, diff.writers),
    batches,
    rollups,
    nextBatchId: diff.nextBatchId ?? state.nextBatchId,
    finalized: diff.finalized ?? state.finalized,
  };
}

function applyKeyed<T>(
  map: Readonly<Record<string, T>>,
  changes: readonly KeyedChange<T>[] | undefined,
): Readonly<Record<string, T>> {
  if (!changes || changes.length === 0) return map;
  const next: Record<string, T> = { ...map };
  for (const c of changes) {
    if (c.value === null) delete next[c.id];
    else next[c.id] = c.value;
  }
  return next;
}

/** Batches stay ordered by lower (ties: insertion order), so reads walk them in time order. */
function applyBatches(
  batches: readonly HollowBatch[],
  removed: readonly string[],
  added: readonly HollowBatch[],
): readonly HollowBatch[] {
  let next: HollowBatch[];
  if (removed.length > 0) {
    const gone = new Set(removed);
    next = batches.filter((b) => !gone.has(b.id));
  } else {
    next = batches.slice();
  }
  for (const b of added) {
    // Appends land at the end almost always: scan from the back.
    let i = next.length;
    while (i > 0 && !leq(next[i - 1].lower, b.lower)) i--;
    next.splice(i, 0, b);
  }
  return next;
}
