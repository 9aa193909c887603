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
  const parent = appendedOf.get(state);
  let batches: BatchesOf = parent ?? state.batches;
  if (diff.batchesRemoved?.length || diff.batchesAdded?.length) {
    const appended = !diff.batchesRemoved?.length && appendsAtEnd(parent ? parent.last : state.batches[state.batches.length - 1], diff.batchesAdded!);
    if (!appended) batches = applyBatches(parent ? parent.get() : state.batches, diff.batchesRemoved ?? [], diff.batchesAdded ?? []);
    else if (!parent && state.batches.length < LAZY_APPEND_MIN_BATCHES) batches = [...state.batches, ...diff.batchesAdded!];
    else batches = new AppendedBatches(parent ?? state.batches, diff.batchesAdded!);
  }
  let rollups = state.rollups;
  if (diff.rollupsAdded?.length || diff.rollupsRemoved?.length) {
    const removed = new Set(diff.rollupsRemoved ?? []);
    rollups = [...state.rollups.filter((r) => !removed.has(r.seqno)), ...(diff.rollupsAdded ?? [])].sort(
      (a, b) => a.seqno - b.seqno,
    );
  }
  const fields: Omit<ShardState, 'batches'> & { batches?: readonly HollowBatch[] } = {
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
    rollups,
    nextBatchId: diff.nextBatchId ?? state.nextBatchId,
    finalized: diff.finalized ?? state.finalized,
  };
  if (!(batches instanceof AppendedBatches)) {
    fields.batches = batches;
    return fields as ShardState;
  }
  const lazy = batches;
  const next: ShardState = {
    ...fields,
    // An accessor, so that a state made by appends holds its batches as "the parent's, plus these"
    // until something reads them (see AppendedBatches); JSON, spread and structured clone see an array.
    get batches() {
      return lazy.get();
    },
  };
  appendedOf.set(next, lazy);
  return next;
}

/**
 * Shorter batch lists are copied per append (cheaper than an accessor and a WeakMap entry, which
 * cost a few microseconds a state); longer ones become lazy (see AppendedBatches).
 */
const LAZY_APPEND_MIN_BATCHES = 256;

type BatchesOf = readonly HollowBatch[] | AppendedBatches;

/** The lazy batch list of each state applyDiff made by appending (only read by the next applyDiff). */
const appendedOf = new WeakMap<ShardState, AppendedBatches>();

/** Whether `added`, in order, all belong after `last` (where applyBatches would put them). */
function appendsAtEnd(last: HollowBatch | undefined, added: readonly HollowBatch[]): boolean {
  for (const b of added) {
    if (last && !leq(last.lower, b.lower)) return false;
    last = b;
  }
  return true;
}

/**
 * A state's batches when its diff only appended at the end: the parent's list and the added
 * batches, made into one array the first time they are read. Copying the whole list per append
 * made every append O(batches) (most of the cost of a small append on a shard of 100k batches,
 * where the copy is a large-object allocation per append); the append path itself never reads the
 * list, so a run of appends costs one copy, at the next read. Reading caches the array and lets go
 * of the parent, so a chain never outlives its first read.
 */
class AppendedBatches {
  private base: BatchesOf | null;
  private added: readonly HollowBatch[] | null;
  private array: readonly HollowBatch[] | null = null;
  readonly last: HollowBatch;

  constructor(base: BatchesOf, added: readonly HollowBatch[]) {
    this.base = base;
    this.added = added;
    this.last = added[added.length - 1];
  }

  get(): readonly HollowBatch[] {
    if (this.array) return this.array;
    // Iterative: a chain may be as long as the appends since the last read.
    const pending: (readonly HollowBatch[])[] = [];
    let node: BatchesOf = this;
    while (node instanceof AppendedBatches && node.array === null) {
      pending.push(node.added!);
      node = node.base!;
    }
    const out = (node instanceof AppendedBatches ? node.array! : node).slice();
    for (let i = pending.length - 1; i >= 0; i--) for (const b of pending[i]) out.push(b);
    this.array = out;
    this.base = null;
    this.added = null;
    return out;
  }
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
