// Pure state transitions: (state, command, now) -> changes + result, or a thrown contract error.
// No I/O here; `machine` applies the changes by compare-and-set.
import { eq, fmt, join, meet, type Antichain } from '../antichain.js';
import { InvalidUsageError, LeaseExpiredError } from '../errors.js';
import type {
  Changes,
  CriticalReaderState,
  HollowBatch,
  KeyedChange,
  LeasedReaderState,
  PartRef,
  RollupRef,
  ShardState,
  StateDiff,
  WriterState,
} from './types.js';

export interface Outcome<R> {
  /** null: nothing to write (the command changed nothing, e.g. an upper mismatch) */
  readonly changes: Changes | null;
  readonly result: R;
  /**
   * The result (with no changes) is an answer about shared state, e.g. "the upper is not what you
   * expected": the machine gives it only when decided on state read from consensus during this
   * command, never on a cached state.
   */
  readonly linearize?: boolean;
}

export interface CodecNames {
  readonly key: string;
  readonly val: string;
}

function checkCodecs(state: ShardState, codecs: CodecNames): Partial<Changes> {
  if (state.codecs === null) return { codecs };
  if (state.codecs.key !== codecs.key) {
    throw new InvalidUsageError('CodecMismatch', `key codec mismatch ${codecs.key} vs previous ${state.codecs.key}`);
  }
  if (state.codecs.val !== codecs.val) {
    throw new InvalidUsageError('CodecMismatch', `val codec mismatch ${codecs.val} vs previous ${state.codecs.val}`);
  }
  return {};
}

function nameChange(state: ShardState, name: string | undefined): Partial<Changes> {
  return state.name === null && name ? { name } : {};
}

export function registerWriter(
  state: ShardState,
  cmd: { writerId: string; purpose: string; hostname: string; leaseDurationMs: number; codecs: CodecNames; name?: string },
  now: number,
): Outcome<{ upper: Antichain }> {
  const writer: WriterState = {
    id: cmd.writerId,
    purpose: cmd.purpose,
    hostname: cmd.hostname,
    lastHeartbeatMs: now,
    leaseDurationMs: cmd.leaseDurationMs,
  };
  return {
    changes: {
      ...checkCodecs(state, cmd.codecs),
      ...nameChange(state, cmd.name),
      writers: [{ id: writer.id, value: writer }],
    },
    result: { upper: state.upper },
  };
}

export function registerLeasedReader(
  state: ShardState,
  cmd: {
    readerId: string;
    purpose: string;
    hostname: string;
    leaseDurationMs: number;
    codecs: CodecNames | null;
    name?: string;
    /** for clone(): start at this since instead of the shard's */
    since?: Antichain;
  },
  now: number,
): Outcome<{ since: Antichain }> {
  const since = cmd.since ? join(cmd.since, state.since) : state.since;
  const reader: LeasedReaderState = {
    id: cmd.readerId,
    purpose: cmd.purpose,
    hostname: cmd.hostname,
    since,
    // the version this registration creates: the first one the reader can read from
    seqno: state.seqno + 1,
    lastHeartbeatMs: now,
    leaseDurationMs: cmd.leaseDurationMs,
  };
  return {
    changes: {
      ...(cmd.codecs ? checkCodecs(state, cmd.codecs) : {}),
      ...nameChange(state, cmd.name),
      leasedReaders: [{ id: reader.id, value: reader }],
    },
    result: { since },
  };
}

export function registerCriticalReader(
  state: ShardState,
  cmd: { readerId: string; purpose: string },
): Outcome<CriticalReaderState> {
  const existing = state.criticalReaders[cmd.readerId];
  if (existing) return { changes: null, result: existing };
  const reader: CriticalReaderState = { id: cmd.readerId, purpose: cmd.purpose, since: state.since, opaque: '' };
  return { changes: { criticalReaders: [{ id: reader.id, value: reader }] }, result: reader };
}

function liveWriter(state: ShardState, writerId: string): WriterState {
  const w = state.writers[writerId];
  if (!w) throw new LeaseExpiredError(`writer ${writerId} of shard ${state.shardId} has expired`);
  return w;
}

function liveReader(state: ShardState, readerId: string): LeasedReaderState {
  const r = state.leasedReaders[readerId];
  if (!r) throw new LeaseExpiredError(`reader ${readerId} of shard ${state.shardId} has expired`);
  return r;
}

export function heartbeatWriter(state: ShardState, cmd: { writerId: string }, now: number): Outcome<void> {
  const w = liveWriter(state, cmd.writerId);
  return { changes: { writers: [{ id: w.id, value: { ...w, lastHeartbeatMs: now } }] }, result: undefined };
}

export function heartbeatReader(
  state: ShardState,
  cmd: { readerId: string; seqno: number },
  now: number,
): Outcome<{ since: Antichain }> {
  const r = liveReader(state, cmd.readerId);
  return {
    changes: { leasedReaders: [{ id: r.id, value: { ...r, lastHeartbeatMs: now, seqno: cmd.seqno } }] },
    result: { since: r.since },
  };
}

export type AppendResult = { ok: true } | { ok: false; expected: Antichain; current: Antichain };

export interface AppendCommand {
  writerId: string;
  /** unique per call: recorded in the writer's state so a landed write is recognised on retry */
  token: string;
  expectedUpper: Antichain;
  newUpper: Antichain;
  /** parts of every batch of this atomic append; one run per input run */
  runs: readonly (readonly PartRef[])[];
  len: number;
}

export function compareAndAppend(state: ShardState, cmd: AppendCommand, now: number): Outcome<AppendResult> {
  // Our own write already landed (its reply was lost): done, whatever landed on top since.
  if (state.writers[cmd.writerId]?.writeToken === cmd.token) return { changes: null, result: { ok: true } };
  const w = liveWriter(state, cmd.writerId);
  if (!eq(state.upper, cmd.expectedUpper)) {
    return { changes: null, result: { ok: false, expected: cmd.expectedUpper, current: state.upper }, linearize: true };
  }
  const heartbeat: KeyedChange<WriterState> = {
    id: w.id,
    value: { ...w, lastHeartbeatMs: now, writeToken: cmd.token, writeUpper: cmd.newUpper },
  };
  const changes: { -readonly [K in keyof Changes]: Changes[K] } = { writers: [heartbeat], upper: cmd.newUpper };
  if (cmd.len > 0 && cmd.runs.length > 0) {
    const batch: HollowBatch = {
      id: `b${state.nextBatchId}`,
      lower: cmd.expectedUpper,
      upper: cmd.newUpper,
      since: [0],
      len: cmd.len,
      level: 0,
      runs: cmd.runs,
    };
    changes.batchesAdded = [batch];
    changes.nextBatchId = state.nextBatchId + 1;
  }
  if (eq(cmd.newUpper, cmd.expectedUpper)) delete changes.upper;
  return { changes, result: { ok: true } };
}

export function downgradeSince(
  state: ShardState,
  cmd: { readerId: string; since: Antichain; seqno: number },
  now: number,
): Outcome<{ since: Antichain }> {
  const r = liveReader(state, cmd.readerId);
  const since = join(r.since, cmd.since);
  return {
    changes: {
      leasedReaders: [{ id: r.id, value: { ...r, since, seqno: cmd.seqno, lastHeartbeatMs: now } }],
    },
    result: { since },
  };
}

export type CompareAndDowngradeResult = { ok: true; since: Antichain } | { ok: false; opaque: string };

export function compareAndDowngradeSince(
  state: ShardState,
  cmd: { readerId: string; expectedOpaque: string; opaque: string; since: Antichain },
): Outcome<CompareAndDowngradeResult> {
  const r = state.criticalReaders[cmd.readerId];
  if (!r) {
    throw new InvalidUsageError('UnknownReader', `critical reader ${cmd.readerId} is not registered on ${state.shardId}`);
  }
  // Re-run over our own landed downgrade (its reply was lost): the fence already holds our token.
  if (r.opaque === cmd.opaque && r.opaque !== cmd.expectedOpaque && eq(r.since, join(r.since, cmd.since))) {
    return { changes: null, result: { ok: true, since: r.since } };
  }
  if (r.opaque !== cmd.expectedOpaque) return { changes: null, result: { ok: false, opaque: r.opaque }, linearize: true };
  const since = join(r.since, cmd.since);
  return {
    changes: { criticalReaders: [{ id: r.id, value: { ...r, since, opaque: cmd.opaque } }] },
    result: { ok: true, since },
  };
}

export function expireLeasedReader(state: ShardState, cmd: { readerId: string }): Outcome<boolean> {
  if (!state.leasedReaders[cmd.readerId]) return { changes: null, result: false };
  return { changes: { leasedReaders: [{ id: cmd.readerId, value: null }] }, result: true };
}

export function expireCriticalReader(state: ShardState, cmd: { readerId: string }): Outcome<boolean> {
  if (!state.criticalReaders[cmd.readerId]) return { changes: null, result: false };
  return { changes: { criticalReaders: [{ id: cmd.readerId, value: null }] }, result: true };
}

export function expireWriter(state: ShardState, cmd: { writerId: string }): Outcome<boolean> {
  if (!state.writers[cmd.writerId]) return { changes: null, result: false };
  return { changes: { writers: [{ id: cmd.writerId, value: null }] }, result: true };
}

/**
 * Turns a transition's changes into the next diff: then expires every lease silent for longer
 * than its duration (after the acting handle's own heartbeat, which is in `changes`) and moves the
 * shard since to the meet of the remaining readers (never backwards).
 */
export function commit(state: ShardState, changes: Changes, now: number, latestRollup: number | null): StateDiff {
  // Walks the maps as they will be (state plus changes) without copying them: this runs for every
  // version written, and copies of three records per append cost more than the rest of it.
  let readersMeet: Antichain | null = null;
  const meetWith = (r: { since: Antichain }): void => {
    readersMeet = readersMeet ? meet(readersMeet, r.since) : r.since;
  };
  const leasedExpired: string[] = [];
  eachLive(state.leasedReaders, changes.leasedReaders, (id, r) => {
    if (leaseExpired(r, now)) leasedExpired.push(id);
    else meetWith(r);
  });
  const writersExpired: string[] = [];
  eachLive(state.writers, changes.writers, (id, w) => {
    if (leaseExpired(w, now)) writersExpired.push(id);
  });
  eachLive(state.criticalReaders, changes.criticalReaders, (_, r) => meetWith(r));
  const since = readersMeet ? join(state.since, readersMeet) : state.since;

  // Object.assign, not a spread: V8 spreads this object (its fields added one by one) through a
  // slow runtime path, about 2.5 µs an append.
  const diff: { -readonly [K in keyof StateDiff]: StateDiff[K] } = Object.assign({}, changes) as StateDiff;
  diff.seqno = state.seqno + 1;
  diff.walltimeMs = Math.max(now, state.walltimeMs);
  diff.latestRollup = latestRollup;
  if (leasedExpired.length) diff.leasedReaders = [...(changes.leasedReaders ?? []), ...leasedExpired.map((id) => ({ id, value: null }))];
  if (writersExpired.length) diff.writers = [...(changes.writers ?? []), ...writersExpired.map((id) => ({ id, value: null }))];
  if (!eq(since, state.since)) diff.since = since;
  return diff;
}

/** The value of each id of map after changes (the last change of an id wins), but deleted ones. */
function eachLive<T>(map: Readonly<Record<string, T>>, changes: readonly KeyedChange<T>[] | undefined, f: (id: string, v: T) => void): void {
  if (!changes || changes.length === 0) {
    for (const id in map) f(id, map[id]);
    return;
  }
  const changed = new Map<string, T | null>();
  for (const c of changes) changed.set(c.id, c.value);
  for (const id in map) {
    if (changed.has(id)) continue;
    f(id, map[id]);
  }
  for (const [id, v] of changed) if (v !== null) f(id, v);
}

/** A lease silent for longer than its duration. */
function leaseExpired(l: { lastHeartbeatMs: number; leaseDurationMs: number }, now: number): boolean {
  return now - l.lastHeartbeatMs > l.leaseDurationMs;
}

export function seqnoSince(state: ShardState): number {
  let min = state.seqno;
  for (const r of Object.values(state.leasedReaders)) min = Math.min(min, r.seqno);
  return min;
}


/**
 * Replaces exactly the inputs of a compaction with its output. When the spine changed meanwhile
 * (an input is gone, or they are no longer adjacent) nothing changes and the result is false: the
 * caller then deletes the output's parts.
 */
export function applyCompaction(
  state: ShardState,
  cmd: { inputs: readonly string[]; output: Omit<HollowBatch, 'id'> },
): Outcome<boolean> {
  // Re-run over our own landed result (its reply was lost): its parts are already in the trace.
  // Part keys are unique, so finding one is proof; an output kept inline has no blob to lose.
  const outputKey = cmd.output.runs.flat().find((p) => !p.inline)?.key;
  if (outputKey !== undefined && state.batches.some((b) => b.runs.some((r) => r.some((p) => p.key === outputKey)))) {
    return { changes: null, result: true };
  }
  const first = state.batches.findIndex((b) => b.id === cmd.inputs[0]);
  // "The spine moved on" decides that the caller deletes the output: decide it on fresh state.
  if (first < 0) return { changes: null, result: false, linearize: true };
  for (let i = 0; i < cmd.inputs.length; i++) {
    if (state.batches[first + i]?.id !== cmd.inputs[i]) return { changes: null, result: false, linearize: true };
  }
  const output: HollowBatch = { ...cmd.output, id: `b${state.nextBatchId}` };
  return {
    changes: {
      batchesRemoved: cmd.inputs,
      batchesAdded: output.len > 0 ? [output] : [],
      nextBatchId: state.nextBatchId + 1,
    },
    result: true,
  };
}

/** Drops a shard's data for good. Only a shard nobody can read or write again (since = upper = []). */
export function finalize(state: ShardState): Outcome<void> {
  if (state.since.length !== 0 || state.upper.length !== 0) {
    throw new InvalidUsageError(
      'ShardNotFinalizable',
      `shard ${state.shardId} cannot be finalized: it needs since = upper = [], has since ${fmt(state.since)} and upper ${fmt(state.upper)}`,
    );
  }
  if (state.finalized) return { changes: null, result: undefined };
  // With since = [] no reader can read anything: their leases would only keep old versions alive.
  return {
    changes: {
      finalized: true,
      batchesRemoved: state.batches.map((b) => b.id),
      leasedReaders: Object.keys(state.leasedReaders).map((id) => ({ id, value: null })),
      writers: Object.keys(state.writers).map((id) => ({ id, value: null })),
    },
    result: undefined,
  };
}

/** Names a rollup written at `rollup.seqno`; nothing changes when state already names one there. */
export function addRollup(state: ShardState, rollup: RollupRef): Outcome<void> {
  if (state.rollups.some((r) => r.seqno === rollup.seqno)) return { changes: null, result: undefined };
  return { changes: { rollupsAdded: [rollup] }, result: undefined };
}

/**
 * Forgets the rollups below a truncation point: no retained version is older, so none can be
 * replayed from them (the next GC deletes their blobs, once no retained version names them).
 */
export function removeRollupsBelow(state: ShardState, cmd: { seqno: number }): Outcome<void> {
  const stale = state.rollups.filter((r) => r.seqno < cmd.seqno).map((r) => r.seqno);
  return { changes: stale.length ? { rollupsRemoved: stale } : null, result: undefined };
}
