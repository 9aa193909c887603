// The machine owns the latest known state of one shard in this client: it applies transitions by
// compare-and-set (retrying on conflict), replays other writers' diffs, writes rollups on their
// cadence, and wakes waiters as soon as a new version is known.
import type { Blob, Consensus } from './location/types.js';
import { retryExternal } from './location/retry.js';
import type { PersistConfig } from './config.js';
import { CorruptDataError, InvalidUsageError } from './errors.js';
import { applyDiff } from './state/diff.js';
import { decodeDiffAt, decodeRollup, encodeDiff, encodeState } from './state/encode.js';
import { commit, type Outcome } from './state/transitions.js';
import { initialState, type Changes, type RollupRef, type ShardState } from './state/types.js';

const SCAN_PAGE = 1024;

export const rollupKey = (shardId: string, seqno: number): string => `${shardId}/rollup/${seqno}`;

export interface MachineDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
  readonly config: PersistConfig;
}

type Listener = (state: ShardState) => void;

export class Machine {
  private state: ShardState;
  private queue: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly listeners = new Set<Listener>();
  private closed = false;

  private constructor(
    readonly shardId: string,
    private readonly deps: MachineDeps,
    state: ShardState,
    private readonly unwatch: () => void,
  ) {
    this.state = state;
  }

  static async open(shardId: string, deps: MachineDeps): Promise<Machine> {
    // Watch before loading: a version landing while we load must still wake us.
    let machine: Machine | null = null;
    let missed = false;
    const unwatch = deps.consensus.watch(shardId, (seqno) => (machine ? machine.onWatch(seqno) : (missed = true)));
    try {
      machine = new Machine(shardId, deps, await loadLatestState(shardId, deps), unwatch);
    } catch (e) {
      unwatch();
      throw e;
    }
    if (missed) machine.scheduleRefresh();
    return machine;
  }

  get current(): ShardState {
    return this.state;
  }

  /** Serialized per machine so that handles of one client never race each other's CAS. */
  apply<R>(transition: (state: ShardState, now: number) => Outcome<R>): Promise<R> {
    const run = this.queue.then(() => this.applyNow(transition));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow<R>(transition: (state: ShardState, now: number) => Outcome<R>): Promise<R> {
    const { consensus, config } = this.deps;
    for (;;) {
      const state = this.state;
      const now = config.now();
      const outcome = transition(state, now);
      if (!outcome.changes) return outcome.result;
      let changes: Changes = outcome.changes;
      let latest = latestRollupSeqno(state);
      if (state.seqno > 0 && state.seqno - (latest ?? 0) >= config.rollupThreshold) {
        const ref = await this.writeRollup(state);
        changes = { ...changes, rollupsAdded: [...(changes.rollupsAdded ?? []), ref] };
        latest = state.seqno;
      }
      const diff = commit(state, changes, now, latest);
      const data = encodeDiff(this.shardId, diff);
      const res = await retryExternal(
        () => consensus.compareAndSet(this.shardId, state.seqno === 0 ? null : state.seqno, { seqno: diff.seqno, data }),
        `compare-and-set ${this.shardId}@${diff.seqno}`,
      );
      // An indeterminate failure that did land shows up as a mismatch whose head is our own write.
      if (res.ok || (res.current && res.current.seqno === diff.seqno && sameBytes(res.current.data, data))) {
        this.setState(applyDiff(state, diff));
        return outcome.result;
      }
      await this.refresh();
    }
  }

  private async writeRollup(state: ShardState): Promise<RollupRef> {
    const key = rollupKey(this.shardId, state.seqno);
    const bytes = encodeState(state);
    await retryExternal(() => this.deps.blob.set(key, bytes), `write rollup ${key}`);
    return { seqno: state.seqno, key, encodedSizeBytes: bytes.length };
  }

  /** Catches up with every version in consensus. Concurrent calls share one fetch. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.refreshOnce();
        } while (this.refreshAgain);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const next = await replayFrom(this.shardId, this.deps, this.state);
    if (next) this.setState(next);
    else this.setState(await loadLatestState(this.shardId, this.deps));
  }

  /** Our own writes come back through the watch too: skip the fetch when we already have that version. */
  private onWatch(seqno: number | undefined): void {
    setImmediate(() => {
      if (seqno !== undefined && seqno <= this.state.seqno) return;
      this.scheduleRefresh();
    });
  }

  private scheduleRefresh(): void {
    if (this.closed) return;
    this.refresh().catch(() => undefined);
  }

  private setState(next: ShardState): void {
    if (next.seqno <= this.state.seqno) return;
    this.state = next;
    for (const l of [...this.listeners]) l(next);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first known state satisfying pred (checking the current one first). */
  waitUntil(pred: (state: ShardState) => boolean, signal?: AbortSignal): Promise<ShardState> {
    if (pred(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        unsubscribe();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const unsubscribe = this.subscribe((s) => {
        if (pred(s)) {
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        }
      });
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      // A version may have landed in another process before we subscribed.
      this.scheduleRefresh();
    });
  }

  /** The state at a retained seqno, rebuilt from the nearest rollup and the diffs after it. */
  async stateAt(seqno: number): Promise<ShardState> {
    await this.refresh();
    const current = this.state;
    if (!Number.isSafeInteger(seqno) || seqno < 0) {
      throw new InvalidUsageError('InvalidArgument', `seqno must be a non-negative integer, got ${seqno}`);
    }
    if (seqno === current.seqno) return current;
    if (seqno > current.seqno) {
      throw new InvalidUsageError('InvalidArgument', `seqno ${seqno} is newer than the shard's latest ${current.seqno}`);
    }
    const { consensus, blob } = this.deps;
    const earliest = (await retryExternal(() => consensus.scan(this.shardId, 0, 1), 'scan'))[0]?.seqno ?? current.seqno;
    const truncated = (): InvalidUsageError =>
      new InvalidUsageError(
        'SeqnoTruncated',
        `version ${seqno} of ${this.shardId} has been truncated; the earliest retained version is ${earliest}`,
      );
    if (seqno < earliest) throw truncated();
    let base: ShardState | null = null;
    const candidates = current.rollups.filter((r) => r.seqno <= seqno && r.seqno >= earliest);
    for (const r of candidates.reverse()) {
      const bytes = await retryExternal(() => blob.get(r.key), `get ${r.key}`);
      if (bytes) {
        base = decodeRollup(this.shardId, r.seqno, r.key, bytes);
        break;
      }
    }
    if (!base) {
      if (earliest > 1) throw truncated();
      base = initialState(this.shardId);
    }
    const rebuilt = await replayFrom(this.shardId, this.deps, base, seqno);
    if (!rebuilt) throw truncated();
    return rebuilt;
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    this.listeners.clear();
  }
}

function latestRollupSeqno(state: ShardState): number | null {
  return state.rollups.length ? state.rollups[state.rollups.length - 1].seqno : null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Applies every diff after `base` (up to `until`). Returns null when consensus no longer holds the
 * diff right after base (truncated by GC): the caller must restart from a rollup.
 */
async function replayFrom(
  shardId: string,
  { consensus }: MachineDeps,
  base: ShardState,
  until = Number.MAX_SAFE_INTEGER,
): Promise<ShardState | null> {
  let state = base;
  for (;;) {
    const from = state.seqno + 1;
    if (from > until) return state;
    const entries = await retryExternal(
      () => consensus.scan(shardId, from, Math.min(SCAN_PAGE, until - from + 1)),
      `scan ${shardId}`,
    );
    if (entries.length === 0) return state;
    if (entries[0].seqno !== from) return null;
    for (const e of entries) {
      if (e.seqno > until) return state;
      state = applyDiff(state, decodeDiffAt(shardId, e.seqno, e.data));
    }
    if (entries.length < SCAN_PAGE) return state;
  }
}

/** Loads the newest state: the rollup named by the head diff, then the diffs after it. */
export async function loadLatestState(shardId: string, deps: MachineDeps): Promise<ShardState> {
  const { consensus, blob } = deps;
  const head = await retryExternal(() => consensus.head(shardId), `head ${shardId}`);
  if (!head) return initialState(shardId);
  const headDiff = decodeDiffAt(shardId, head.seqno, head.data);
  const tryRollup = async (seqno: number): Promise<ShardState | null> => {
    const key = rollupKey(shardId, seqno);
    const bytes = await retryExternal(() => blob.get(key), `get ${key}`);
    return bytes ? decodeRollup(shardId, seqno, key, bytes) : null;
  };
  if (headDiff.latestRollup !== null) {
    const base = await tryRollup(headDiff.latestRollup);
    if (base) {
      const s = await replayFrom(shardId, deps, base);
      if (s) return s;
    }
  }
  // No usable rollup pointer: start from the earliest retained version.
  const first = (await retryExternal(() => consensus.scan(shardId, 0, 1), `scan ${shardId}`))[0];
  if (!first) return initialState(shardId);
  const base = first.seqno === 1 ? initialState(shardId) : await tryRollup(first.seqno);
  if (!base) throw new CorruptDataError(rollupKey(shardId, first.seqno), 'rollup of the earliest retained version is missing');
  const s = await replayFrom(shardId, deps, base);
  if (!s) throw new CorruptDataError(`${shardId}@${first.seqno}`, 'consensus changed underfoot while loading');
  return s;
}
