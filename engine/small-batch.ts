// The batch of a small array of updates (the common compareAndAppend of a few rows), built in one
// synchronous step into an arena its writer keeps: a fresh builder, with its arena, scratch and
// merge buffers, cost more than the sort and encoding of a few rows. Synchronous, so concurrent
// appends of one writer cannot share the arena at once. A batch that does not fit inline returns
// null and goes through the builder, which writes it to blob.
import type { Antichain } from './antichain.js';
import { BatchImpl, checkBatchUpdate, updateBeyondUpper, type BuilderDeps } from './batch.js';
import { UpdateArena } from './part/arena.js';
import { inlineFromColumns, inlineKey, inlineSize, inlineSizeOf } from './part/inline.js';
import { checkUpdateTuple, type Update } from './update.js';

/** Arrays up to this length try the small path; longer ones rarely fit inline. */
export const SMALL_BATCH_MAX_ROWS = 64;
/** An arena that grew past this (a few big values) is not kept for the next batch. */
const KEEP_ARENA_BYTES = 64 * 1024;

/** What a builder is given, but its part size, clock and blob keys: a small batch writes no part. */
export type SmallBatchDeps<K, V> = Pick<BuilderDeps<K, V>, 'shardId' | 'blob' | 'keyCodec' | 'valCodec' | 'inlineMaxBytes' | 'retained'>;

/** One writer's reusable arena for small batches. */
export class SmallBatches<K, V> {
  private arena = new UpdateArena(1024);

  constructor(private readonly deps: SmallBatchDeps<K, V>) {}

  /**
   * The inline batch of updates over [lower, upper) (lower <= upper already checked), or null when
   * it would not fit inline. Invalid updates throw the errors the builder gives, in its order.
   */
  build(updates: readonly Update<K, V>[], lower: Antichain, upper: Antichain): BatchImpl | null {
    const { deps } = this;
    const arena = this.arena;
    arena.clear();
    try {
      let maxTime = -1;
      for (const u of updates) {
        checkUpdateTuple(u);
        const [key, val, time, diff] = u;
        checkBatchUpdate(time, diff, lower);
        if (time > maxTime) maxTime = time;
        arena.addEncoded(deps.keyCodec, key, deps.valCodec, val, time, diff);
      }
      const beyondUpper = updateBeyondUpper(maxTime, upper);
      if (beyondUpper) throw beyondUpper;
      const cols = arena.sortAndConsolidate({ reuseOutput: true });
      if (cols.len === 0) return new BatchImpl(deps.shardId, lower, upper, 0, [], deps.blob, deps.retained);
      if (inlineSizeOf(cols) > deps.inlineMaxBytes) return null;
      const inline = inlineFromColumns(cols);
      const part = { key: inlineKey(cols.len), encodedSizeBytes: inlineSize(inline), len: cols.len, inline };
      return new BatchImpl(deps.shardId, lower, upper, cols.len, [[part]], deps.blob, deps.retained);
    } finally {
      const grew = arena.sizeBytes > KEEP_ARENA_BYTES;
      arena.clear();
      if (grew) this.arena = new UpdateArena(1024);
    }
  }
}
