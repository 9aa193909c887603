// Shard state: small, versioned by seqno, advanced only by compare-and-set in consensus.
// Everything here is plain JSON data so that it can be diffed, encoded and shown as is.
import type { Antichain } from '../antichain.js';

/** Columns of a tiny part kept inline in state (base64 keys and values), so a tiny write costs one CAS. */
export interface InlineUpdates {
  readonly k: readonly string[];
  readonly v: readonly string[];
  readonly t: readonly number[];
  readonly d: readonly number[];
}

export interface PartRef {
  /** blob key, or `inline:<n>` for a part held in state */
  readonly key: string;
  readonly encodedSizeBytes: number;
  readonly len: number;
  readonly inline?: InlineUpdates;
}

/**
 * A batch in the shard's trace. Its updates are those of its parts with time in [lower, upper)
 * (parts may hold more: a batch appended with narrower bounds than it was written with), advanced
 * to `since`. Parts come in runs: within a run, parts are sorted across their boundaries.
 */
export interface HollowBatch {
  readonly id: string;
  readonly lower: Antichain;
  readonly upper: Antichain;
  readonly since: Antichain;
  readonly len: number;
  readonly level: number;
  readonly runs: readonly (readonly PartRef[])[];
}

export interface LeasedReaderState {
  readonly id: string;
  readonly purpose: string;
  readonly hostname: string;
  readonly since: Antichain;
  /** oldest seqno whose parts this reader may still be fetching */
  readonly seqno: number;
  readonly lastHeartbeatMs: number;
  readonly leaseDurationMs: number;
}

export interface CriticalReaderState {
  readonly id: string;
  readonly purpose: string;
  readonly since: Antichain;
  readonly opaque: string;
}

export interface WriterState {
  readonly id: string;
  readonly purpose: string;
  readonly hostname: string;
  readonly lastHeartbeatMs: number;
  readonly leaseDurationMs: number;
  /**
   * Idempotency token and new upper of this writer's most recent compare-and-append (Materialize's
   * `most_recent_write_token` / `most_recent_write_upper`): after an indeterminate failure the
   * writer re-reads state and knows its write landed when it finds its token here.
   */
  readonly writeToken?: string;
  readonly writeUpper?: Antichain;
}

export interface RollupRef {
  readonly seqno: number;
  readonly key: string;
  readonly encodedSizeBytes: number;
}

export interface ShardState {
  readonly shardId: string;
  readonly seqno: number;
  readonly walltimeMs: number;
  /** human name from the first handle's diagnostics, if any */
  readonly name: string | null;
  readonly codecs: { readonly key: string; readonly val: string } | null;
  readonly since: Antichain;
  readonly upper: Antichain;
  readonly leasedReaders: Readonly<Record<string, LeasedReaderState>>;
  readonly criticalReaders: Readonly<Record<string, CriticalReaderState>>;
  readonly writers: Readonly<Record<string, WriterState>>;
  /** ordered by lower; contiguous from the first batch's lower to `upper` */
  readonly batches: readonly HollowBatch[];
  readonly rollups: readonly RollupRef[];
  /** counter for batch ids, so ids are unique and deterministic */
  readonly nextBatchId: number;
  /** since = upper = [] and the shard has been finalized: its data is gone */
  readonly finalized: boolean;
}

/** A keyed change of a record-valued field: value null deletes the entry. */
export interface KeyedChange<T> {
  readonly id: string;
  readonly value: T | null;
}

/** The change from state seqno-1 to seqno. Only changed fields are present. */
export interface StateDiff {
  readonly seqno: number;
  readonly walltimeMs: number;
  /** seqno of the newest rollup known when this diff was written: where to start loading */
  readonly latestRollup: number | null;
  readonly name?: string | null;
  readonly codecs?: { readonly key: string; readonly val: string };
  readonly since?: Antichain;
  readonly upper?: Antichain;
  readonly leasedReaders?: readonly KeyedChange<LeasedReaderState>[];
  readonly criticalReaders?: readonly KeyedChange<CriticalReaderState>[];
  readonly writers?: readonly KeyedChange<WriterState>[];
  readonly batchesRemoved?: readonly string[];
  readonly batchesAdded?: readonly HollowBatch[];
  readonly rollupsAdded?: readonly RollupRef[];
  readonly rollupsRemoved?: readonly number[];
  readonly nextBatchId?: number;
  readonly finalized?: boolean;
}

/** What a transition wants to change; `commit` turns it into a StateDiff. */
export type Changes = Omit<StateDiff, 'seqno' | 'walltimeMs' | 'latestRollup'>;

export function initialState(shardId: string): ShardState {
  return {
    shardId,
    seqno: 0,
    walltimeMs: 0,
    name: null,
    codecs: null,
    since: [0],
    upper: [0],
    leasedReaders: {},
    criticalReaders: {},
    writers: {},
    batches: [],
    rollups: [],
    nextBatchId: 0,
    finalized: false,
  };
}
