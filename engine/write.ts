// WriteHandle: appends batches to a shard by compare-and-set of its upper.
import { checkAntichain, eq, fmt, leq, lt, type Antichain } from './antichain.js';
import { BatchBuilderImpl, BatchImpl, type Batch, type BatchBuilder, type TransmittableBatch } from './batch.js';
import type { Codec } from './codec.js';
import { InvalidUsageError } from './errors.js';
import { HandleBase, type ClientContext } from './handle.js';
import { fateUnknown, type Machine, type RoutineMaintenance } from './machine.js';
import { retainedPartKeys } from './ownership.js';
import { SMALL_BATCH_MAX_ROWS, SmallBatches } from './small-batch.js';
import { parseBlobKey } from './paths.js';
import { randomBytes } from 'node:crypto';
import type { AppendResult as TAppendResult } from './state/transitions.js';
import type { PartRef } from './state/types.js';
import { checkUpdateTuple, type Update } from './update.js';

export type AppendResult = TAppendResult;

export interface WriteHandle<K, V> {
  readonly shardId: string;
  readonly writerId: string;
  upper(): Antichain;
  fetchRecentUpper(): Promise<Antichain>;
  compareAndAppend(updates: Iterable<Update<K, V>>, expectedUpper: Antichain, newUpper: Antichain): Promise<AppendResult>;
  append(updates: Iterable<Update<K, V>>, lower: Antichain, upper: Antichain): Promise<AppendResult>;
  batch(updates: Iterable<Update<K, V>>, lower: Antichain, upper: Antichain): Promise<Batch>;
  builder(lower: Antichain): BatchBuilder<K, V>;
  compareAndAppendBatch(batches: Batch[], expectedUpper: Antichain, newUpper: Antichain): Promise<AppendResult>;
  appendBatch(batch: Batch, lower: Antichain, upper: Antichain): Promise<AppendResult>;
  batchFromTransmittable(t: TransmittableBatch): Batch;
  waitForUpperPast(frontier: Antichain): Promise<void>;
  expire(): Promise<void>;
}

export class WriteHandleImpl<K, V> extends HandleBase implements WriteHandle<K, V> {
  constructor(
    ctx: ClientContext,
    machine: Machine,
    readonly writerId: string,
    private readonly keyCodec: Codec<K>,
    private readonly valCodec: Codec<V>,
  ) {
    super(ctx, machine, 'writer', writerId);
    this.small = new SmallBatches<K, V>({
      shardId: machine.shardId,
      blob: ctx.blob,
      keyCodec,
      valCodec,
      inlineMaxBytes: ctx.config.inlineWritesMaxBytes,
      retained: this.retained,
    });
    this.startHeartbeat(ctx.config.writerLeaseDurationMs / 4);
  }

  get shardId(): string {
    return this.machine.shardId;
  }

  private readonly retained = (): Promise<Set<string>> => retainedPartKeys(this.machine);
  private readonly small: SmallBatches<K, V>;

  /**
   * Idempotency tokens need only differ between this writer's calls (state keeps one per writer):
   * a random base per handle and a counter, not a call into the system's random source per append.
   */
  private readonly tokenBase = randomBytes(6).toString('base64url');
  private tokens = 0;
  private nextToken(): string {
    return `${this.tokenBase}${(this.tokens++).toString(36)}`;
  }

  protected async heartbeat(): Promise<void> {
    await this.machine.heartbeatWriter({ writerId: this.writerId });
  }

  upper(): Antichain {
    return this.machine.current.upper;
  }

  fetchRecentUpper(): Promise<Antichain> {
    return this.guard(async () => {
      await this.machine.refresh();
      return this.machine.current.upper;
    });
  }

  builder(lower: Antichain): BatchBuilder<K, V> {
    this.check();
    return new BatchBuilderImpl(
      {
        shardId: this.shardId,
        blob: this.ctx.blob,
        keyCodec: this.keyCodec,
        valCodec: this.valCodec,
        targetBytes: this.ctx.config.blobTargetSizeBytes,
        inlineMaxBytes: this.ctx.config.inlineWritesMaxBytes,
        now: this.ctx.config.now,
        retained: this.retained,
      },
      lower,
    );
  }

  async batch(updates: Iterable<Update<K, V>>, lower: Antichain, upper: Antichain): Promise<Batch> {
    this.check();
    const upperChecked = checkAntichain(upper, 'upper');
    const lowerChecked = checkAntichain(lower, 'lower');
    if (!leq(lowerChecked, upperChecked)) {
      throw new InvalidUsageError('InvalidBounds', `lower ${fmt(lowerChecked)} is not <= upper ${fmt(upperChecked)}`);
    }
    if (Array.isArray(updates) && updates.length <= SMALL_BATCH_MAX_ROWS) {
      const small = this.small.build(updates, lowerChecked, upperChecked);
      if (small) return small;
    }
    const b = this.builder(lowerChecked) as BatchBuilderImpl<K, V>;
    try {
      for (const u of iterate(updates)) {
        checkUpdateTuple(u);
        if (b.push(u[0], u[1], u[2], u[3])) await b.flush();
      }
    } catch (e) {
      // Validation failed part way: nothing of this batch may stay behind in blob.
      await b.finish(b.lower).then((partial) => partial.delete(), () => undefined);
      throw e;
    }
    return b.finish(upperChecked);
  }

  async compareAndAppend(
    updates: Iterable<Update<K, V>>,
    expectedUpper: Antichain,
    newUpper: Antichain,
  ): Promise<AppendResult> {
    const batch = await this.batch(updates, expectedUpper, newUpper);
    return this.deletingUnlessAppended(batch, this.compareAndAppendBatch([batch], expectedUpper, newUpper));
  }

  async append(updates: Iterable<Update<K, V>>, lower: Antichain, upper: Antichain): Promise<AppendResult> {
    const batch = await this.batch(updates, lower, upper);
    return this.deletingUnlessAppended(batch, this.appendBatch(batch, lower, upper));
  }

  /**
   * The batch an updates-taking append built for itself: gone again unless it is in the shard. A
   * mismatch is decided on fresh state with our token absent, so its parts were never referenced;
   * an error after an attempt of unknown fate leaves them (an operator finds them as unreferenced
   * blobs if the write never landed).
   */
  private async deletingUnlessAppended(batch: Batch, append: Promise<AppendResult>): Promise<AppendResult> {
    let res: AppendResult;
    try {
      res = await append;
    } catch (e) {
      // A write whose fate is unknown may still land (a stalled request): never delete its parts.
      if (!fateUnknown(e)) await batch.delete().catch(() => undefined);
      throw e;
    }
    if (!res.ok) await batch.delete();
    return res;
  }

  compareAndAppendBatch(batches: Batch[], expectedUpperArg: Antichain, newUpperArg: Antichain): Promise<AppendResult> {
    return this.guard(async () => {
      const expectedUpper = checkAntichain(expectedUpperArg, 'expectedUpper');
      const newUpper = checkAntichain(newUpperArg, 'newUpper');
      if (!leq(expectedUpper, newUpper)) {
        throw new InvalidUsageError(
          'InvalidBounds',
          `expectedUpper ${fmt(expectedUpper)} is not <= newUpper ${fmt(newUpper)}`,
        );
      }
      if (!Array.isArray(batches)) throw new InvalidUsageError('InvalidArgument', 'batches must be an array');
      const runs: (readonly PartRef[])[] = [];
      const seen = new Set<Batch>();
      const partKeys = new Set<string>();
      let len = 0;
      for (const b of batches) {
        // The same parts twice would be the same data twice in the shard.
        if (seen.has(b)) throw new InvalidUsageError('InvalidArgument', 'the same batch is given twice in one append');
        seen.add(b);
        if (!(b instanceof BatchImpl) || b.shardId !== this.shardId) {
          throw new InvalidUsageError(
            'BatchNotFromThisShard',
            `batch of shard ${(b as Batch)?.shardId} cannot be appended to ${this.shardId}`,
          );
        }
        if (b.consumed) throw new InvalidUsageError('InvalidArgument', 'batch was already appended or deleted');
        if (!leq(b.lower, expectedUpper) || !leq(newUpper, b.upper)) {
          throw new InvalidUsageError(
            'InvalidBatchBounds',
            `batch [${fmt(b.lower)}, ${fmt(b.upper)}) does not cover the append [${fmt(expectedUpper)}, ${fmt(newUpper)})`,
          );
        }
        for (const run of b.runs) {
          for (const p of run) {
            if (p.inline) continue;
            if (partKeys.has(p.key)) throw new InvalidUsageError('InvalidArgument', `part ${p.key} is given twice in one append`);
            partKeys.add(p.key);
          }
        }
        runs.push(...b.runs);
        len += b.len;
      }
      const token = this.nextToken();
      let res: AppendResult;
      let maintenance: RoutineMaintenance;
      try {
        ({ result: res, maintenance } = await this.machine.compareAndAppend({ writerId: this.writerId, token, expectedUpper, newUpper, runs, len }));
      } catch (e) {
        if (fateUnknown(e)) for (const b of batches as BatchImpl[]) b.mayBeInShard = true;
        throw e;
      }
      if (res.ok) {
        for (const b of batches as BatchImpl[]) b.consumed = true;
        this.ctx.maintain(this.machine, maintenance);
      }
      return res;
    });
  }

  async appendBatch(batch: Batch, lowerArg: Antichain, upperArg: Antichain): Promise<AppendResult> {
    let lower = checkAntichain(lowerArg, 'lower');
    const upper = checkAntichain(upperArg, 'upper');
    for (;;) {
      const res = await this.compareAndAppendBatch([batch], lower, upper);
      if (res.ok) return res;
      const current = res.current;
      if (lt(current, lower)) return res;
      if (leq(upper, current)) {
        // Someone already wrote this interval: our identical data is not needed.
        await batch.delete();
        return { ok: true };
      }
      if (eq(current, lower)) continue;
      lower = current; // inside [lower, upper): cut the batch to start there
    }
  }

  batchFromTransmittable(tb: TransmittableBatch): Batch {
    this.check();
    if (typeof tb !== 'object' || tb === null || !Array.isArray(tb.runs)) {
      throw new InvalidUsageError('InvalidArgument', 'not a transmittable batch');
    }
    if (tb.shardId !== this.shardId) {
      throw new InvalidUsageError('BatchNotFromThisShard', `batch of shard ${tb.shardId} cannot be appended to ${this.shardId}`);
    }
    const lower = checkAntichain(tb.lower, 'batch lower');
    const upper = checkAntichain(tb.upper, 'batch upper');
    if (!Number.isSafeInteger(tb.len) || tb.len < 0) throw new InvalidUsageError('InvalidArgument', 'batch len is invalid');
    for (const run of tb.runs) {
      if (!Array.isArray(run)) throw new InvalidUsageError('InvalidArgument', 'batch runs must be arrays of parts');
      for (const p of run) {
        if (typeof p?.key !== 'string' || (!p.inline && parseBlobKey(p.key).shard !== this.shardId)) {
          throw new InvalidUsageError('BatchNotFromThisShard', `part ${String(p?.key)} is not a part of ${this.shardId}`);
        }
      }
    }
    return new BatchImpl(this.shardId, lower, upper, tb.len, tb.runs, this.ctx.blob, this.retained, true);
  }

  waitForUpperPast(frontierArg: Antichain): Promise<void> {
    return this.guard(async () => {
      const frontier = checkAntichain(frontierArg);
      await this.machine.waitUntil((s) => lt(frontier, s.upper));
    });
  }

  async expire(): Promise<void> {
    if (this.expired) return;
    this.markExpired();
    await this.machine.expireWriter({ writerId: this.writerId });
  }
}

function iterate<T>(it: Iterable<T>): Iterable<T> {
  if (it === null || typeof (it as Iterable<T>)?.[Symbol.iterator] !== 'function') {
    throw new InvalidUsageError('InvalidArgument', 'updates must be iterable');
  }
  return it;
}
