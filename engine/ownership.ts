// Who owns a blob part, in one place. A part that any retained version of its shard references
// belongs to the shard: only GC deletes it, once no retained version does (readers holding older
// versions still fetch it). Anything else belongs to whoever wrote it. Deleting a batch, the no-op
// of an append and the clean-up of a failed compaction all go through here.
import type { Blob } from './location/types.js';
import { retryExternal } from './location/retry.js';
import type { Machine } from './machine.js';
import type { PartRef, ShardState } from './state/types.js';

function addStateKeys(state: ShardState, into: Set<string>): void {
  for (const b of state.batches) for (const run of b.runs) for (const p of run) if (!p.inline) into.add(p.key);
}

/** Blob keys of every part that a retained version of the shard references. */
export async function retainedPartKeys(machine: Machine): Promise<Set<string>> {
  const keys = new Set<string>();
  const latest = await machine.latest();
  addStateKeys(latest, keys);
  // To the end of consensus: a version newer than the one just loaded may add a part too.
  for await (const page of machine.versions.livePages(0, Number.MAX_SAFE_INTEGER, machine.latest)) for (const s of page) addStateKeys(s, keys);
  return keys;
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
