// Batches: updates written to blob (or kept inline when tiny) but not yet part of the shard.
// A builder sorts and consolidates what it is given in bounded chunks, so it holds about one part
// in memory however many updates it receives.
import { beyond, checkAntichain, checkDiff, checkTime, fmt, leq, type Antichain } from './antichain.js';
import type { Codec } from './codec.js';
import { InvalidUsageError } from './errors.js';
import { runMergeJob, type JobBuffers } from './compact/merge-job.js';
import type { Blob } from './location/types.js';
import { MAX_ARENA_ROWS, UpdateArena } from './part/arena.js';
import { ColumnsAccumulator, newColumnBuffers, type ColumnBuffers } from './part/columns.js';
import type { EncodeScratch } from './part/encode.js';
import { MergeBuffers } from './part/merge.js';
import type { PartColumns } from './part/types.js';
import { writePart } from './part/writer.js';
import type { PartRef } from './state/types.js';
import { partKey } from './paths.js';
import { fetchPartBytes } from './fetch.js';
import { deleteOwnParts, deleteUnlessRetained } from './ownership.js';

/** An update's time and diff as a batch starting at `lower` takes them (the builder's and small-batch's rule). */
export function checkBatchUpdate(time: number, diff: number, lower: Antichain): void {
  checkTime(time);
  checkDiff(diff);
  if (!beyond(time, lower)) {
    throw new InvalidUsageError('UpdateNotBeyondLower', `update time ${time} is not beyond the batch lower ${fmt(lower)}`);
  }
}

/** The error for a batch whose newest update time (-1: none) is not below its upper; null if it is. */
export function updateBeyondUpper(maxTime: number, upper: Antichain): InvalidUsageError | null {
  return maxTime >= 0 && beyond(maxTime, upper)
    ? new InvalidUsageError('UpdateBeyondUpper', `update time ${maxTime} is beyond the batch upper ${fmt(upper)}`)
    : null;
}

/** The JSON-serializable form of a Batch: send it to another thread, process or handle. */
export interface TransmittableBatch {
  readonly shardId: string;
  readonly lower: Antichain;
  readonly upper: Antichain;
  readonly len: number;
  readonly runs: readonly (readonly PartRef[])[];
}

export interface Batch {
  readonly shardId: string;
  readonly lower: Antichain;
  readonly upper: Antichain;
  readonly len: number;
  toTransmittable(): TransmittableBatch;
  delete(): Promise<void>;
}

export class BatchImpl implements Batch {
  /** set once the batch's parts belong to the shard: delete() must not remove them then */
  consumed = false;
  /**
   * Its parts may be in the shard without this object knowing: it was transmitted (a copy may have
   * been appended elsewhere), made from a transmitted batch, or an append of it ended with its fate
   * unknown. delete() then spares every part a retained version references.
   */
  mayBeInShard: boolean;

  constructor(
    readonly shardId: string,
    readonly lower: Antichain,
    readonly upper: Antichain,
    readonly len: number,
    readonly runs: readonly (readonly PartRef[])[],
    private readonly blob: Blob,
    private readonly retained: () => Promise<Set<string>>,
    fromTransmittable = false,
  ) {
    this.mayBeInShard = fromTransmittable;
  }

  toTransmittable(): TransmittableBatch {
    this.mayBeInShard = true;
    return { shardId: this.shardId, lower: this.lower, upper: this.upper, len: this.len, runs: this.runs };
  }

  async delete(): Promise<void> {
    if (this.consumed) return;
    this.consumed = true;
    if (this.mayBeInShard) await deleteUnlessRetained(this.retained, this.blob, this.runs);
    else await deleteOwnParts(this.blob, this.runs);
  }
}

/** Parts a builder or compaction wrote and no version ever referenced. */
export const deleteParts = deleteOwnParts;

export interface BatchBuilder<K, V> {
  add(key: K, val: V, time: number, diff: number): Promise<void>;
  finish(upper: Antichain): Promise<Batch>;
}

export interface BuilderDeps<K, V> {
  readonly shardId: string;
  readonly blob: Blob;
  readonly keyCodec: Codec<K>;
  readonly valCodec: Codec<V>;
  readonly targetBytes: number;
  readonly inlineMaxBytes: number;
  readonly now: () => number;
  /** part keys retained versions of the shard reference (see ownership.ts) */
  readonly retained: () => Promise<Set<string>>;
}

/** With 8 MiB parts, 8 runs keep a reader of one batch within ~90 MiB of parts. */
const MAX_RUNS = 8;
const RUNS_PER_MERGE = 4;
/** An arena's starting capacity: it doubles up to a part's size only when a batch needs it. */
const SMALL_ARENA_BYTES = 1024;
const ARENA_SLACK_BYTES = 64 * 1024;

const RESOLVED = Promise.resolve();

export class BatchBuilderImpl<K, V> implements BatchBuilder<K, V> {
  // Starts small: most batches are tiny and never fill it.
  private arena: UpdateArena;
  private readonly runs: PartRef[][] = [];
  private last: { k: Uint8Array; v: Uint8Array; t: number } | null = null;
  private maxTime = -1;
  private len = 0;
  private finished = false;
  /**
   * Flushes and merge outputs are written one at a time, so they can share one encode buffer; it
   * is also the arena's bucket sort copy, which matters only during a sort (the part before
   * was written by then, and a part is encoded from the sort's output, not from the copy).
   */
  private readonly encodeScratch: EncodeScratch = { buf: null };
  /**
   * The arena's sorted output and a run merge's joined output parts: flushes and merges take
   * turns (a merge runs inside a flush, after its part is written), so one set of part-sized
   * buffers serves both, and it outlives the arena that is dropped for a merge.
   */
  private columnBuffers: ColumnBuffers = newColumnBuffers();
  /** Run merges happen one at a time too: they keep their part-sized buffers from one to the next. */
  private mergeBuffers: JobBuffers = this.newMergeBuffers();
  private pending: Promise<void> = RESOLVED;
  readonly lower: Antichain;

  constructor(
    private readonly deps: BuilderDeps<K, V>,
    lower: Antichain,
  ) {
    this.lower = checkAntichain(lower, 'lower');
    this.arena = this.newArena();
  }

  /** A part's worth of arena at most: the flush threshold plus room for the update that crosses it. */
  private newArena(): UpdateArena {
    return new UpdateArena(SMALL_ARENA_BYTES, {
      capBytes: this.deps.targetBytes + ARENA_SLACK_BYTES,
      output: this.columnBuffers,
      bucketCopy: this.encodeScratch,
    });
  }

  private newMergeBuffers(): JobBuffers {
    return { merge: new MergeBuffers(), join: new ColumnsAccumulator(this.columnBuffers) };
  }

  /** Synchronous core of add(): validation and encoding; true when the arena should be flushed. */
  push(key: K, val: V, time: number, diff: number): boolean {
    if (this.finished) throw new InvalidUsageError('InvalidArgument', 'batch builder already finished');
    checkBatchUpdate(time, diff, this.lower);
    if (time > this.maxTime) this.maxTime = time;
    this.arena.addEncoded(this.deps.keyCodec, key, this.deps.valCodec, val, time, diff);
    return this.arena.sizeBytes >= this.deps.targetBytes || this.arena.len >= MAX_ARENA_ROWS;
  }

  /** Bad input rejects the returned promise (the contract's add is async), never throws. */
  add(key: K, val: V, time: number, diff: number): Promise<void> {
    let full: boolean;
    try {
      full = this.push(key, val, time, diff);
    } catch (e) {
      return Promise.reject(e);
    }
    return full ? this.flush() : this.pending;
  }

  /** Writes the arena as one sorted part; it continues the current run when it sorts after it. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.arena.len === 0) return;
    // The arena (grown to a part's size), its sort scratch and its output buffers are reused,
    // which spares growing a fresh one by copies and the collector's work of freeing them. cols
    // is only valid until the next sort, so its bounds are taken now (encodePart runs before
    // writePart's first await).
    const cols = this.arena.sortAndConsolidate({ reuseOutput: true });
    this.arena.clear();
    if (cols.len === 0) return;
    const bounds = boundsOf(cols);
    const p = this.writePart(cols, false).then(async (ref) => {
      this.addPart(ref, bounds);
      if (this.runs.length >= MAX_RUNS) {
        // The merge holds a part of each input run and output parts: the empty arena's buffers
        // and sort scratch (twice a part or more) need not be held through it as well (its
        // output buffers stay: the merge joins in them). Regrowing them after costs a few
        // allocations per merge, not per flush.
        if (this.arena.len === 0) this.arena = this.newArena();
        await this.mergeSmallestRuns();
      }
    });
    this.pending = p;
    await p;
  }

  /** A part continues the current run when it sorts after it, else it starts a new run. */
  private addPart(ref: PartRef, b: PartBounds): void {
    if (this.runs.length > 0 && this.last && compareRows(this.last, b.first) < 0) this.runs[this.runs.length - 1].push(ref);
    else this.runs.push([ref]);
    this.last = b.last;
    this.len += b.len;
  }

  /**
   * Readers merge a batch's runs holding one part of each in memory, so unsorted input must not
   * leave a run per part: the smallest runs are merged (streaming, from blob) into one, tiered
   * like an LSM so each update is rewritten only a few times.
   */
  private async mergeSmallestRuns(): Promise<void> {
    const order = this.runs.map((r, i) => [r.length, i] as const).sort((a, b) => a[0] - b[0]);
    const chosen = new Set(order.slice(0, RUNS_PER_MERGE).map(([, i]) => i));
    const inputs = this.runs.filter((_, i) => chosen.has(i));
    const { blob } = this.deps;
    const res = await runMergeJob(
      { runs: inputs.map((parts) => ({ timeLower: 0, timeUpper: null, parts })), advanceTo: 0, targetBytes: this.deps.targetBytes },
      {
        fetch: (ref) => fetchPartBytes(blob, ref, 'part written by this builder is missing from blob'),
        // writePart encodes cols into the builder's scratch before its first await.
        write: (cols) => this.writePart(cols, false),
        buffers: this.mergeBuffers,
      },
    );
    const kept = this.runs.filter((_, i) => !chosen.has(i));
    this.runs.splice(0, this.runs.length, ...(res.parts.length ? [res.parts] : []), ...kept);
    // The run that `last` described may have been merged: the next part starts a run of its own.
    this.last = null;
    await deleteParts(blob, inputs);
    this.len = this.runs.reduce((n, r) => n + r.reduce((m, p) => m + p.len, 0), 0);
  }

  private writePart(cols: PartColumns, allowInline: boolean): Promise<PartRef> {
    const { blob, shardId, now } = this.deps;
    return writePart(
      { blob, mintKey: () => partKey(shardId, now()), scratch: this.encodeScratch },
      cols,
      allowInline ? this.deps.inlineMaxBytes : undefined,
    );
  }

  /** The builder is done (it may stay referenced): its big buffers go. */
  private releaseBuffers(): void {
    this.arena = new UpdateArena(64);
    this.encodeScratch.buf = null;
    this.columnBuffers = newColumnBuffers();
    this.mergeBuffers = this.newMergeBuffers();
  }

  async finish(upperArg: Antichain): Promise<Batch> {
    const upper = checkAntichain(upperArg, 'upper');
    await this.pending;
    this.finished = true;
    const fail = async (err: Error): Promise<never> => {
      this.releaseBuffers();
      await deleteParts(this.deps.blob, this.runs);
      throw err;
    };
    if (!leq(this.lower, upper)) {
      return fail(new InvalidUsageError('InvalidBounds', `batch lower ${fmt(this.lower)} is not <= upper ${fmt(upper)}`));
    }
    const beyondUpper = updateBeyondUpper(this.maxTime, upper);
    if (beyondUpper) return fail(beyondUpper);
    if (this.arena.len > 0) {
      // Into the arena's reused output buffers, not fresh ones on top of them: writePart encodes
      // (or inlines) cols before its first await, and the arena is dropped right after.
      const cols = this.arena.sortAndConsolidate({ reuseOutput: true });
      if (cols.len > 0) {
        // Only a batch that is one small part goes inline: bigger ones keep state small.
        const bounds = boundsOf(cols);
        this.addPart(await this.writePart(cols, this.runs.length === 0), bounds);
      }
    }
    this.releaseBuffers();
    return new BatchImpl(this.deps.shardId, this.lower, upper, this.len, this.runs, this.deps.blob, this.deps.retained);
  }
}

interface Row {
  k: Uint8Array;
  v: Uint8Array;
  t: number;
}

function rowAt(c: PartColumns, i: number): Row {
  return {
    k: c.keys.data.subarray(c.keys.offsets[i], c.keys.offsets[i + 1]),
    v: c.vals.data.subarray(c.vals.offsets[i], c.vals.offsets[i + 1]),
    t: c.times[i],
  };
}

interface PartBounds {
  first: Row;
  last: Row;
  len: number;
}

/** A part's first and last rows (copied) and its length. */
function boundsOf(c: PartColumns): PartBounds {
  return { first: copyRow(rowAt(c, 0)), last: copyRow(rowAt(c, c.len - 1)), len: c.len };
}

function copyRow(r: Row): Row {
  return { k: r.k.slice(), v: r.v.slice(), t: r.t };
}

function compareRows(a: Row, b: Row): number {
  return Buffer.compare(a.k, b.k) || Buffer.compare(a.v, b.v) || a.t - b.t;
}
