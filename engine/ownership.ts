// Who owns a blob part, in one place. A part that any retained version of its shard references
// belongs to the shard: only GC deletes it, once no retained version does (readers holding older
// versions still fetch it). Anything else belongs to whoever wrote it. Deleting a batch, the no-op
// of an append and the clean-up of a failed compaction all go through here.
import { InvalidUsageError } from './errors.js';
import type { Blob, Consensus } from './location/types.js';
import { retryExternal } from './location/retry.js';
import type { Machine } from './machine.js';
import { decodeDiffAt } from './state/encode.js';
import type { PartRef, ShardState } from './state/types.js';

const SCAN_PAGE = 1024;
/** A concurrent GC may truncate the version we start from; start again from the new earliest. */
const TRUNCATION_RETRIES = 8;

function addStateKeys(state: ShardState, into: Set<string>): void {
  for (const b of state.batches) for (const run of b.runs) for (const p of run) if (!p.inline) into.add(p.key);
}

/** Blob keys of every part that a retained version of the shard references. */
export async function retainedPartKeys(machine: Machine, consensus: Consensus): Promise<Set<string>> {
  await machine.refresh();
  const shardId = machine.shardId;
  const keys = new Set<string>();
  addStateKeys(machine.current, keys);
  for (let attempt = 0; ; attempt++) {
    const first = (await retryExternal(() => consensus.scan(shardId, 0, 1), `scan ${shardId}`))[0];
    if (!first) return keys;
    let base: ShardState;
    try {
      base = await machine.stateAt(first.seqno);
    } catch (e) {
      if (e instanceof InvalidUsageError && e.kind === 'SeqnoTruncated' && attempt < TRUNCATION_RETRIES) continue;
      throw e;
    }
    addStateKeys(base, keys);
    // Later versions only gain parts through the batches their diffs add.
    for (let from = base.seqno + 1; ; ) {
      const entries = await retryExternal(() => consensus.scan(shardId, from, SCAN_PAGE), `scan ${shardId}`);
      for (const e of entries) {
        const diff = decodeDiffAt(shardId, e.seqno, e.data);
        for (const b of diff.batchesAdded ?? []) for (const run of b.runs) for (const p of run) if (!p.inline) keys.add(p.key);
      }
      if (entries.length < SCAN_PAGE) return keys;
      from = entries[entries.length - 1].seqno + 1;
    }
  }
}

/** Deletes the blob parts of `runs`, all of them: only for parts known never to have been in the shard. */
export async function deleteOwnParts(blob: Blob, runs: readonly (readonly PartRef[])[]): Promise<void> {
  for (const run of runs) {
    for (const p of run) {
      if (!p.inline) await retryExternal(() => blob.delete(p.key), `delete ${p.key}`);
    }
  }
}

/** Deletes the blob parts of `runs` that no retained version references. Returns how many it spared. */
export async function deleteUnlessRetained(
  retained: () => Promise<Set<string>>,
  blob: Blob,
  runs: readonly (readonly PartRef[])[],
): Promise<number> {
  if (!runs.some((r) => r.some((p) => !p.inline))) return 0;
  const keep = await retained();
  let spared = 0;
  for (const run of runs) {
    for (const p of run) {
      if (p.inline) continue;
      if (keep.has(p.key)) spared++;
      else await retryExternal(() => blob.delete(p.key), `delete ${p.key}`);
    }
  }
  return spared;
}
