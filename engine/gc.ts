// Garbage collection: delete the blobs that only versions below seqnoSince reference, then truncate
// consensus below it (keeping a rollup at the earliest retained version). Blobs go first and
// consensus last, as in Materialize: a crash or a storage outage in between leaves versions whose
// blobs are partly gone, which no reader needs and the next GC finishes. Any number of GCs of one
// shard may run at once, in any clients: a prefix truncated under one of them was cleaned by the
// GC that truncated it. Blobs that no version ever referenced (a batch in flight, a crashed
// writer's upload) are never touched here: `unreferencedBlobs` lists them for an operator instead.
import { InvalidUsageError } from './errors.js';
import { retryExternal } from './location/retry.js';
import type { Blob, BlobMeta, Consensus } from './location/types.js';
import type { Machine } from './machine.js';
import { rollupKey } from './paths.js';
import { encodeState } from './state/encode.js';
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

function isTruncated(e: unknown): boolean {
  return e instanceof InvalidUsageError && e.kind === 'SeqnoTruncated';
}

/**
 * Adds to `into` every key that some retained version in [from, until] references. Versions a
 * concurrent GC truncated meanwhile are skipped (it deleted what only they referenced before it
 * truncated them).
 */
async function collectRetained(machine: Machine, from: number, until: number, into: Set<string>, base?: ShardState): Promise<void> {
  for await (const page of machine.versions.livePages(from, until, machine.latest, base)) for (const s of page) referencedKeys(s, into);
}

export interface GcDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
}

const NOTHING: GcResult = { deletedBlobs: 0, truncatedVersions: 0 };

export async function collectGarbage(machine: Machine, { consensus, blob }: GcDeps): Promise<GcResult> {
  await machine.refresh();
  const shardId = machine.shardId;
  const target = seqnoSince(machine.current);
  const first = await machine.versions.earliest();
  if (first === null || first >= target) return NOTHING;

  let targetState: ShardState;
  try {
    targetState = await machine.stateAt(target);
  } catch (e) {
    // A concurrent GC truncated past our target: it did all we would have done.
    if (isTruncated(e)) return NOTHING;
    throw e;
  }

  // The earliest retained version must be loadable on its own: give it a rollup first.
  const key = rollupKey(shardId, target);
  if (!machine.current.rollups.some((r) => r.seqno === target)) {
    const bytes = encodeState(targetState);
    await retryExternal(() => blob.set(key, bytes), `write rollup ${key}`);
    await machine.addRollup({ seqno: target, key, encodedSizeBytes: bytes.length });
  }

  // Everything the versions about to be truncated referenced, minus what any retained version
  // (target .. now) still references. Later versions only add blobs of their own.
  const keep = new Set<string>();
  await collectRetained(machine, target, Number.MAX_SAFE_INTEGER, keep, targetState);
  const doomed = new Set<string>();
  await collectRetained(machine, first, target - 1, doomed);

  let deletedBlobs = 0;
  for (const k of doomed) {
    if (keep.has(k)) continue;
    if ((await retryExternal(() => blob.delete(k), `delete ${k}`)) !== null) deletedBlobs++;
  }
  // Consensus last: stopped before this line (a crash, an outage), the next GC finds these
  // versions again and finishes their blobs.
  const truncatedVersions = await retryExternal(() => consensus.truncate(shardId, target), `truncate ${shardId}`);
  // Old rollups are no longer reachable either; forget them in state so it stays small (the next
  // GC deletes their blobs, once no retained version names them).
  await machine.removeRollupsBelow(target);
  return { deletedBlobs, truncatedVersions };
}

/** Blobs of the location that no retained version of any shard references, by key. */
export async function unreferencedBlobs(
  deps: GcDeps,
  shards: string[],
  machineOf: (shard: string) => Promise<Machine>,
): Promise<string[]> {
  return (await unreferencedBlobMetas(deps, shards, machineOf)).map((b) => b.key);
}

/** The same, with each blob's size: sorted by key. */
export async function unreferencedBlobMetas(
  deps: GcDeps,
  shards: string[],
  machineOf: (shard: string) => Promise<Machine>,
): Promise<BlobMeta[]> {
  const all = await retryExternal(() => deps.blob.list(''), 'list blobs');
  const keep = new Set<string>();
  for (const shard of shards) {
    const m = await machineOf(shard);
    await collectRetained(m, 0, Number.MAX_SAFE_INTEGER, keep);
  }
  return all.filter((b) => !keep.has(b.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
