// Garbage collection: delete the blobs that only versions below seqnoSince reference, then truncate
// consensus below it (keeping a rollup at the earliest retained version). A forced GC goes to
// seqnoSince itself; a background one, started when a version calls for it, to the newest rollup
// at or below it. Which blobs go is read from the diffs being truncated, not from a state per version. Blobs go first and
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
import { gcTarget } from './state/maintenance.js';
import { seqnoSince } from './state/transitions.js';
import type { HollowBatch, ShardState } from './state/types.js';

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

/** Restarts after a concurrent GC truncated under this one, before leaving the rest to the next. */
const MAX_GAP_ROUNDS = 16;

const NOTHING: GcResult = { deletedBlobs: 0, truncatedVersions: 0 };

/**
 * How far a GC goes. `forced` (an operator's forceGc): all the way to seqnoSince, writing a rollup
 * there if state names none. `background` (a version said GC is due): to the newest rollup at or
 * below seqnoSince, so it never encodes a state of its own (see state/maintenance.gcTarget).
 */
export type GcMode = 'forced' | 'background';

export function collectGarbage(machine: Machine, deps: GcDeps, mode: GcMode = 'forced'): Promise<GcResult> {
  return machine.exclusiveGc(() => collectNow(machine, deps, mode));
}

async function collectNow(machine: Machine, { consensus, blob }: GcDeps, mode: GcMode): Promise<GcResult> {
  await machine.refresh();
  const shardId = machine.shardId;
  const target = mode === 'forced' ? seqnoSince(machine.current) : gcTarget(machine.current);
  if (target === null) return NOTHING;
  let first = await machine.versions.earliest();
  if (first === null || first >= target) return NOTHING;
  machine.claimGc(target);

  // The earliest retained version must be loadable on its own: give it a rollup first.
  if (!machine.current.rollups.some((r) => r.seqno === target)) {
    let targetState: ShardState;
    try {
      targetState = await machine.stateAt(target);
    } catch (e) {
      // A concurrent GC truncated past our target: it did all we would have done.
      if (isTruncated(e)) return NOTHING;
      throw e;
    }
    const key = rollupKey(shardId, target);
    const bytes = encodeState(targetState);
    await retryExternal(() => blob.set(key, bytes), `write rollup ${key}`);
    await machine.addRollup({ seqno: target, key, encodedSizeBytes: bytes.length });
  }

  let doomed = await doomedKeys(machine, first, target);
  // null: a concurrent GC truncated under us, and deleted what only those versions referenced;
  // what is left between its target and ours is still ours to do.
  for (let round = 0; doomed === null; round++) {
    first = await machine.versions.earliest();
    if (first === null || first >= target || round >= MAX_GAP_ROUNDS) return NOTHING;
    doomed = await doomedKeys(machine, first, target);
  }
  let deletedBlobs = 0;
  for (const k of doomed) {
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

function blobKeysOf(b: HollowBatch): string[] {
  const keys: string[] = [];
  for (const run of b.runs) for (const p of run) if (!p.inline) keys.push(p.key);
  return keys;
}

/**
 * The blobs that only versions in [first, target) reference. Such a blob is not in the state at
 * target, so a diff in (first, target] removed it, and no later version names it: keys are never
 * reused (a part key carries a UUID, a rollup key its seqno, and no rollup is ever written below
 * the earliest retained version), so versions after target only add blobs of their own. So GC
 * reads the diffs (first, target], never a state per version: its cost is that of the diffs, not
 * versions × state. A state is rebuilt (at first) only when a removed batch was added before
 * first, so that no diff read names its parts. null when first is truncated meanwhile (by a
 * concurrent GC).
 */
async function doomedKeys(machine: Machine, first: number, target: number): Promise<Set<string> | null> {
  const doomed = new Set<string>();
  const partsOf = new Map<string, string[]>();
  const rollupOf = new Map<number, string>();
  const unresolvedBatches: string[] = [];
  const unresolvedRollups: number[] = [];
  let expect = first + 1;
  for await (const page of machine.versions.diffs(first + 1, target)) {
    for (const d of page) {
      if (d.seqno !== expect) return null;
      expect++;
      // applyDiff removes before it adds: so does this.
      for (const id of d.batchesRemoved ?? []) {
        const keys = partsOf.get(id);
        if (keys) for (const k of keys) doomed.add(k);
        else unresolvedBatches.push(id);
      }
      for (const seqno of d.rollupsRemoved ?? []) {
        const key = rollupOf.get(seqno);
        if (key !== undefined) doomed.add(key);
        else unresolvedRollups.push(seqno);
      }
      for (const b of d.batchesAdded ?? []) partsOf.set(b.id, blobKeysOf(b));
      for (const r of d.rollupsAdded ?? []) rollupOf.set(r.seqno, r.key);
    }
  }
  if (expect !== target + 1) return null;
  // A rollup's key follows from its seqno; a batch's parts are only in a state that holds it.
  let base: ShardState | null = null;
  if (unresolvedBatches.length > 0) {
    try {
      base = await machine.stateAt(first);
    } catch (e) {
      if (isTruncated(e)) return null;
      throw e;
    }
    const batches = new Map(base.batches.map((b) => [b.id, b]));
    for (const id of unresolvedBatches) {
      const b = batches.get(id);
      if (b) for (const k of blobKeysOf(b)) doomed.add(k);
    }
  }
  for (const seqno of unresolvedRollups) {
    doomed.add(base?.rollups.find((r) => r.seqno === seqno)?.key ?? rollupKey(machine.shardId, seqno));
  }
  return doomed;
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
 * Runs GC in the background for shards whose new versions call for it (the `gc` maintenance): at
 * most one run per shard at a time; asked again meanwhile, it runs once more when done.
 */
export class GcScheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly deps: GcDeps,
    private readonly onError: (shardId: string, e: unknown) => void = () => undefined,
  ) {}

  maybeRun(machine: Machine): void {
    const id = machine.shardId;
    if (this.running.has(id)) {
      this.again.add(id);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(id);
        await collectGarbage(machine, this.deps, 'background').catch((e) => this.onError(id, e));
      } while (this.again.has(id));
    })().finally(() => this.running.delete(id));
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
