// Which parts of a state a read needs, and which of their rows: one home for the rule every reader
// of parts follows (Materialize's FetchBatchFilter). A snapshot at asOf reads every batch starting
// at or before asOf, up to asOf; a listen reads the times [from, to) it has not emitted yet; a
// compaction reads exactly its input batches, whole.
//
// Unbounded is `null` everywhere here (a time upper of [] frontier): it is plain data, the same in
// a LeasedPart, a MergeJob and JSON. Only the merge loop itself spells it Infinity.
import type { HollowBatch, PartRef, ShardState } from './state/types.js';

export type PartFilter =
  | { readonly kind: 'snapshot'; readonly asOf: number }
  | { readonly kind: 'listen'; readonly from: number; readonly to: number | null }
  | { readonly kind: 'compaction'; readonly inputs: readonly string[] };

/** One run of one batch, with the rows of it that the read keeps: time in [timeLower, timeUpper). */
export interface FilteredRun {
  readonly batch: HollowBatch;
  readonly parts: readonly PartRef[];
  readonly timeLower: number;
  readonly timeUpper: number | null;
}

/**
 * Parts of a batch written by an append may hold rows outside the batch's bounds (a batch cut to
 * fit the append); compacted ones do not, and their times may have been advanced past lower.
 */
export function batchTimeBounds(b: HollowBatch): [lower: number, upper: number | null] {
  const truncate = b.since.length === 1 && b.since[0] === 0;
  if (!truncate) return [0, null];
  return [b.lower.length ? b.lower[0] : Number.MAX_SAFE_INTEGER, b.upper.length ? b.upper[0] : null];
}

/** The smaller of two time uppers, null being unbounded. */
export function minUpper(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/**
 * The runs the filter reads, in state order. For a compaction, null when some input is no longer
 * in the state (the spine changed since the request was made).
 */
export function partsFor(state: ShardState, filter: Exclude<PartFilter, { kind: 'compaction' }>): FilteredRun[];
export function partsFor(state: ShardState, filter: PartFilter): FilteredRun[] | null;
export function partsFor(state: ShardState, filter: PartFilter): FilteredRun[] | null {
  const out: FilteredRun[] = [];
  const add = (batch: HollowBatch, timeLower: number, timeUpper: number | null): void => {
    for (const parts of batch.runs) out.push({ batch, parts, timeLower, timeUpper });
  };
  switch (filter.kind) {
    case 'snapshot': {
      for (const b of state.batches) {
        if (b.lower.length === 0 || b.lower[0] > filter.asOf) continue;
        const [lo, hi] = batchTimeBounds(b);
        add(b, lo, minUpper(hi, filter.asOf + 1));
      }
      return out;
    }
    case 'listen': {
      for (const b of state.batches) {
        if (b.upper.length === 1 && b.upper[0] <= filter.from) continue;
        const [lo, hi] = batchTimeBounds(b);
        const timeLower = Math.max(lo, filter.from);
        const timeUpper = minUpper(hi, filter.to);
        if (timeUpper !== null && timeLower >= timeUpper) continue;
        add(b, timeLower, timeUpper);
      }
      return out;
    }
    case 'compaction': {
      const ids = new Set(filter.inputs);
      const inputs = state.batches.filter((b) => ids.has(b.id));
      if (inputs.length !== filter.inputs.length) return null;
      for (const b of inputs) add(b, ...batchTimeBounds(b));
      return out;
    }
  }
}
