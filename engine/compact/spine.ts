// The spine: which batches to merge next. Appended batches enter at level 0 and a merge's output
// is one level above its highest input, like a binary counter, so a shard holds at most about
// log2(appends) + 1 batches once compaction keeps up.
import type { Antichain } from '../antichain.js';
import type { HollowBatch, ShardState } from '../state/types.js';

export interface CompactionRequest {
  readonly shardId: string;
  /** ids of adjacent batches, oldest first */
  readonly inputs: readonly string[];
  readonly lower: Antichain;
  readonly upper: Antichain;
  /** times are advanced to this since; it is the shard's since when the request was made */
  readonly since: Antichain;
  readonly level: number;
}

export const MIN_MERGE_INPUTS = 8;
export const MIN_MERGE_UPDATES = 1024;
/**
 * Inputs all held inline in state wait for more of them: merging them costs little per row but a
 * fixed amount per merge (a compare-and-set like an append's, on the appends' thread), so under a
 * stream of tiny appends a wider fan-in cuts that per-append cost. The count stays logarithmic:
 * this is a bigger constant tail, and only while everything in it is tiny.
 */
export const MIN_INLINE_MERGE_INPUTS = 16;

function request(state: ShardState, batches: readonly HollowBatch[]): CompactionRequest {
  return {
    shardId: state.shardId,
    inputs: batches.map((b) => b.id),
    lower: batches[0].lower,
    upper: batches[batches.length - 1].upper,
    since: state.since,
    level: Math.max(...batches.map((b) => b.level)) + 1,
  };
}

/**
 * In shape, levels strictly decrease from the oldest batch to the newest, so a shard holds at most
 * one batch per level. Any adjacent pair where the older batch's level is not above the newer one's
 * breaks that; the oldest such pair merges next, with every newer batch of no higher level. A batch
 * stranded between bigger ones (appends raced a merge) is picked up this way instead of staying.
 */
export function nextCompaction(state: ShardState): CompactionRequest | null {
  const bs = state.batches;
  let best = -1;
  for (let i = 1; i < bs.length && best < 0; i++) if (bs[i - 1].level <= bs[i].level) best = i;
  if (best < 0) return null;
  // Take the newer batches of no higher level along too: under a stream of appends the tail of
  // small batches merges in one go instead of one pair per merge.
  let end = best + 1;
  while (end < bs.length && bs[end].level <= bs[best].level) end++;
  const inputs = bs.slice(best - 1, end);
  // Merging a couple of tiny batches costs more than it saves: wait until there is enough to do
  // (the thresholds Materialize's persist uses).
  const updates = inputs.reduce((n, b) => n + b.len, 0);
  if (updates < MIN_MERGE_UPDATES) {
    const allInline = inputs.every((b) => b.runs.every((r) => r.every((p) => p.inline !== undefined)));
    if (inputs.length < (allInline ? MIN_INLINE_MERGE_INPUTS : MIN_MERGE_INPUTS)) return null;
  }
  return request(state, inputs);
}

/**
 * Everything mergeable now, as few requests as possible: groups of adjacent batches whose parts
 * together stay within the memory bound (a streaming merge holds about one part per run).
 */
export function forcedCompactions(state: ShardState, memoryBoundBytes: number): CompactionRequest[] {
  const out: CompactionRequest[] = [];
  let group: HollowBatch[] = [];
  let groupBytes = 0;
  const flush = (): void => {
    if (group.length > 1) out.push(request(state, group));
    group = [];
    groupBytes = 0;
  };
  for (const b of state.batches) {
    // One part per run is in memory at a time: that is what the bound limits.
    const runBytes = b.runs.reduce((n, run) => n + Math.max(0, ...run.map((p) => p.encodedSizeBytes)), 0);
    if (group.length > 0 && groupBytes + runBytes > memoryBoundBytes) flush();
    group.push(b);
    groupBytes += runBytes;
  }
  flush();
  return out;
}
