// Garbage collection: truncate consensus below seqnoSince (keeping a rollup at the earliest
// retained version) and delete the blobs that only truncated versions referenced. Blobs that no
// version ever referenced (a batch in flight, a crashed writer's upload) are never touched here:
// `unreferencedBlobs` lists them for an operator instead.
import { retryExternal } from './location/retry.js';
import type { Blob, Consensus } from './location/types.js';
import { rollupKey, type Machine } from './machine.js';
import { encodeState } from './state/encode.js';
import { applyDiff } from './state/diff.js';
import { decodeDiffAt } from './state/encode.js';
import { seqnoSince } from './state/transitions.js';
import type { ShardState } from './state/types.js';

export interface GcResult {
  deletedBlobs: number;
  truncatedVersions: number;
}

export function referencedKeys(state: ShardState, into = new Set<string>()): Set<string> {
  for (const b of state.batches) for (const run of b.runs) for (const p of run) if (!p.inline) into.add(p.key);
  for (const r of state.rollups) into.add(r.key);
  return into;
}

/** Replays versions after `base` up to `until`, adding every version's referenced keys to `into`. */
async function collectThrough(
  consensus: Consensus,
  base: ShardState,
  until: number,
  into: Set<string>,
): Promise<ShardState> {
  let s = base;
  referencedKeys(s, into);
  for (let from = s.seqno + 1; from <= until; ) {
    const entries = await retryExternal(
      () => consensus.scan(s.shardId, from, Math.min(1024, until - from + 1)),
      `scan ${s.shardId}`,
    );
    if (entries.length === 0) break;
    for (const e of entries) {
      s = applyDiff(s, decodeDiffAt(s.shardId, e.seqno, e.data));
      referencedKeys(s, into);
    }
    from = entries[entries.length - 1].seqno + 1;
  }
  return s;
}

export interface GcDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
}

export async function collectGarbage(machine: Machine, { consensus, blob }: GcDeps): Promise<GcResult> {
  await machine.refresh();
  const shardId = machine.shardId;
  const current = machine.current;
  const target = seqnoSince(current);
  const first = (await retryExternal(() => consensus.scan(shardId, 0, 1), 'scan'))[0];
  if (!first || first.seqno >= target) return { deletedBlobs: 0, truncatedVersions: 0 };

  // The earliest retained version must be loadable on its own: give it a rollup first.
  const targetState = await machine.stateAt(target);
  const key = rollupKey(shardId, target);
  if (!current.rollups.some((r) => r.seqno === target)) {
    const bytes = encodeState(targetState);
    await retryExternal(() => blob.set(key, bytes), `write rollup ${key}`);
    await machine.apply(() => ({
      changes: { rollupsAdded: [{ seqno: target, key, encodedSizeBytes: bytes.length }] },
      result: undefined,
    }));
  }

  // Everything the versions about to be truncated referenced, minus what any retained version
  // (target .. now) still references.
  const doomed = new Set<string>();
  await collectThrough(consensus, await machine.stateAt(first.seqno), target, doomed);
  const keep = new Set<string>();
  await collectThrough(consensus, targetState, Number.MAX_SAFE_INTEGER, keep);

  const truncatedVersions = await retryExternal(() => consensus.truncate(shardId, target), `truncate ${shardId}`);
  let deletedBlobs = 0;
  for (const k of doomed) {
    if (keep.has(k)) continue;
    if ((await retryExternal(() => blob.delete(k), `delete ${k}`)) !== null) deletedBlobs++;
  }
  // Old rollups are no longer reachable either; forget them in state so it stays small.
  const stale = machine.current.rollups.filter((x) => x.seqno < target).map((x) => x.seqno);
  if (stale.length) {
    await machine.apply(() => ({ changes: { rollupsRemoved: stale }, result: undefined }));
  }
  return { deletedBlobs, truncatedVersions };
}

/** Blobs of the location that no retained version of any shard references. */
export async function unreferencedBlobs(
  deps: GcDeps,
  shards: string[],
  machineOf: (shard: string) => Promise<Machine>,
): Promise<string[]> {
  const all = await retryExternal(() => deps.blob.list(''), 'list blobs');
  const keep = new Set<string>();
  for (const shard of shards) {
    const m = await machineOf(shard);
    await m.refresh();
    const first = (await retryExternal(() => deps.consensus.scan(shard, 0, 1), 'scan'))[0];
    if (!first) continue;
    await collectThrough(deps.consensus, await m.stateAt(first.seqno), Number.MAX_SAFE_INTEGER, keep);
  }
  return all.map((b) => b.key).filter((k) => !keep.has(k)).sort();
}

/**
 * Runs GC in the background for shards this client writes to: at most one run per shard at a
 * time, and only once the shard has gained `everyVersions` versions since the last run.
 */
export class GcScheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly deps: GcDeps,
    private readonly everyVersions: number,
    private readonly onError: (shardId: string, e: unknown) => void = () => undefined,
  ) {}

  maybeRun(machine: Machine): void {
    const id = machine.shardId;
    const seqno = machine.current.seqno;
    if (this.running.has(id) || seqno - (this.lastRun.get(id) ?? 0) < this.everyVersions) return;
    this.lastRun.set(id, seqno);
    const run = collectGarbage(machine, this.deps)
      .then(() => undefined, (e) => this.onError(id, e))
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
  }

  isRunning(shardId: string): boolean {
    return this.running.has(shardId);
  }

  async idleShard(shardId: string): Promise<void> {
    await this.running.get(shardId);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
