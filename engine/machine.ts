// The machine owns the latest known state of one shard in this client: it applies transitions by
// compare-and-set (retrying on conflict), replays other writers' diffs, writes rollups on their
// cadence, and wakes waiters as soon as a new version is known.
import type { Blob, CasResult, Consensus } from './location/types.js';
import { retryExternal } from './location/retry.js';
import type { PersistConfig } from './config.js';
import { rollupKey } from './paths.js';
import { ClientClosedError, CorruptDataError, InvalidUsageError, LocationError } from './errors.js';
import { applyDiff } from './state/diff.js';
import { decodeDiffAt, decodeRollup, encodeDiff, encodeState } from './state/encode.js';
import { commit, type Outcome } from './state/transitions.js';
import { initialState, type Changes, type RollupRef, type ShardState } from './state/types.js';

const SCAN_PAGE = 1024;
/** Mismatch rounds in a row whose replay does not advance the state: then the head is damaged. */
const MAX_STUCK_ROUNDS = 16;
/** Contention alone never needs this many rounds; a command that does is reported, not looped. */
const MAX_ROUNDS = 10_000;

/** Set on an error escaping a command some attempt of which may have landed: its parts must stay. */
export const FATE_UNKNOWN = Symbol('fateUnknown');

export function fateUnknown(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { [FATE_UNKNOWN]?: boolean })[FATE_UNKNOWN] === true;
}

/** Yields to the event loop every round; from the third round on also waits, doubling up to 1 s, with jitter. */
function backoff(round: number): Promise<void> {
  if (round < 3) return new Promise((r) => setImmediate(r));
  const ms = Math.min(1000, 2 ** Math.min(round - 3, 10));
  return new Promise((r) => setTimeout(r, ms / 2 + (Math.random() * ms) / 2));
}
/** How often a read restarts because a concurrent GC truncated under it, before calling it corrupt. */
const MAX_TRUNCATION_ROUNDS = 64;

export interface MachineDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
  readonly config: PersistConfig;
  /** true once the client is closing: waits that could last for as long as storage is down end then */
  readonly isClosing?: () => boolean;
}

type Listener = (state: ShardState) => void;

export class Machine {
  private state: ShardState;
  private queue: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly listeners = new Set<Listener>();
  /** rejecters of pending waitUntil calls, settled by close() */
  private readonly waiters = new Set<(e: Error) => void>();
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
    // Whether some attempt of this command may have landed without our knowing: from then on the
    // command is resolved by re-reading state, and an error that still escapes says so.
    let unknownFate = false;
    let fresh = false;
    let stuck = 0;
    for (let round = 0; ; round++) {
      try {
        this.checkOpen();
        if (round > 0) await backoff(round);
        const state = this.state;
        const now = config.now();
        const outcome = transition(state, now);
        if (!outcome.changes) {
          if (outcome.linearize && !fresh) {
            await this.refresh();
            fresh = true;
            continue;
          }
          return outcome.result;
        }
        let changes: Changes = outcome.changes;
        let latest = latestRollupSeqno(state);
        if (state.seqno > 0 && state.seqno - (latest ?? 0) >= config.rollupThreshold) {
          const ref = await this.writeRollup(state);
          changes = { ...changes, rollupsAdded: [...(changes.rollupsAdded ?? []), ref] };
          latest = state.seqno;
        }
        const diff = commit(state, changes, now, latest);
        const data = encodeDiff(this.shardId, diff);
        let res: CasResult;
        try {
          res = await retryExternal(
            () => consensus.compareAndSet(this.shardId, state.seqno === 0 ? null : state.seqno, { seqno: diff.seqno, data }),
            `compare-and-set ${this.shardId}@${diff.seqno}`,
          );
        } catch (e) {
          if (!(e instanceof LocationError) || e.determinate) throw e;
          // The write may have landed. Never decide on it blind: re-read and run the command
          // again, which recognises its own landed write (idempotency token) and answers from it.
          unknownFate = true;
          await this.refreshUntilKnown();
          fresh = true;
          continue;
        }
        // A retried attempt that had landed shows up as a mismatch whose head is our own write.
        if (res.ok || (res.current && res.current.seqno === diff.seqno && sameBytes(res.current.data, data))) {
          this.setState(applyDiff(state, diff));
          return outcome.result;
        }
        if (unknownFate) await this.refreshUntilKnown();
        else await this.refresh();
        fresh = true;
        // Consensus says the head moved but replaying it gets us nowhere: a damaged head or a
        // state that never converges. Say so instead of spinning.
        if (this.state.seqno <= state.seqno) {
          if (++stuck >= MAX_STUCK_ROUNDS) {
            const head = res.current ? `${this.shardId}@${res.current.seqno}` : this.shardId;
            throw new CorruptDataError(
              head,
              `state does not converge: consensus head is ${res.current?.seqno ?? 'missing'} but replaying it stays at seqno ${this.state.seqno}`,
            );
          }
        } else stuck = 0;
        if (round >= MAX_ROUNDS) {
          throw new CorruptDataError(`${this.shardId}@${this.state.seqno}`, `no compare-and-set succeeded in ${MAX_ROUNDS} rounds`);
        }
      } catch (e) {
        if (unknownFate && e instanceof Error) (e as Error & { [FATE_UNKNOWN]?: boolean })[FATE_UNKNOWN] = true;
        throw e;
      }
    }
  }

  /**
   * After an indeterminate write, the engine answers only once it knows the write's fate: keep
   * re-reading (with backoff, yielding) for as long as storage takes, until the client closes.
   */
  private async refreshUntilKnown(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // Closing ends this wait (and only this kind): the caller then gets ClientClosedError.
      if (this.deps.isClosing?.()) throw new ClientClosedError();
      this.checkOpen();
      try {
        await this.refresh();
        return;
      } catch (e) {
        if (!(e instanceof LocationError)) throw e;
        await backoff(attempt + 4);
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientClosedError();
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

  /**
   * Resolves with the first known state satisfying pred (checking the current one first). Rejects
   * with ClientClosedError once the machine is closed: no wait outlives its client.
   */
  waitUntil(pred: (state: ShardState) => boolean, signal?: AbortSignal): Promise<ShardState> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    if (pred(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        unsubscribe();
        this.waiters.delete(onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        settle();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const onClose = (e: Error): void => {
        settle();
        reject(e);
      };
      const unsubscribe = this.subscribe((s) => {
        let ok: boolean;
        try {
          ok = pred(s);
        } catch (e) {
          settle();
          return reject(e);
        }
        if (ok) {
          settle();
          resolve(s);
        }
      });
      this.waiters.add(onClose);
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      // A version may have landed in another process before we subscribed.
      this.scheduleRefresh();
    });
  }

  /**
   * The state at a retained seqno, rebuilt from the nearest rollup and the diffs after it. A GC
   * (of this or any client) may truncate while we rebuild: that moves the earliest retained version
   * on, and we look again from there. Only a version that is itself truncated is an error.
   */
  async stateAt(seqno: number): Promise<ShardState> {
    if (!Number.isSafeInteger(seqno) || seqno < 0) {
      throw new InvalidUsageError('InvalidArgument', `seqno must be a non-negative integer, got ${seqno}`);
    }
    let lastEarliest: number | null = null;
    for (let round = 0; ; round++) {
      await this.refresh();
      const current = this.state;
      if (seqno === current.seqno) return current;
      if (seqno > current.seqno) {
        throw new InvalidUsageError('InvalidArgument', `seqno ${seqno} is newer than the shard's latest ${current.seqno}`);
      }
      const earliest = (await retryExternal(() => this.deps.consensus.scan(this.shardId, 0, 1), 'scan'))[0]?.seqno ?? current.seqno;
      if (seqno < earliest) {
        throw new InvalidUsageError(
          'SeqnoTruncated',
          `version ${seqno} of ${this.shardId} has been truncated; the earliest retained version is ${earliest}`,
        );
      }
      const rebuilt = await this.rebuild(current, earliest, seqno);
      if (rebuilt) return rebuilt;
      // Nothing moved underfoot, yet a retained version cannot be rebuilt: that is not a race.
      if (earliest === lastEarliest || round >= MAX_TRUNCATION_ROUNDS) {
        throw new CorruptDataError(`${this.shardId}@${seqno}`, `retained version cannot be rebuilt (earliest retained ${earliest})`);
      }
      lastEarliest = earliest;
    }
  }

  /** null: a rollup or diff it needed is gone (truncated, or deleted by a GC about to truncate). */
  private async rebuild(current: ShardState, earliest: number, seqno: number): Promise<ShardState | null> {
    let base: ShardState | null = null;
    const candidates = current.rollups.filter((r) => r.seqno <= seqno && r.seqno >= earliest);
    for (const r of candidates.reverse()) {
      const bytes = await retryExternal(() => this.deps.blob.get(r.key), `get ${r.key}`);
      if (bytes) {
        base = decodeRollup(this.shardId, r.seqno, r.key, bytes);
        break;
      }
    }
    if (!base) {
      if (earliest > 1) return null;
      base = initialState(this.shardId);
    }
    return replayFrom(this.shardId, this.deps, base, seqno);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.listeners.clear();
    const closed = new ClientClosedError();
    for (const w of [...this.waiters]) w(closed);
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
  // Versions are only ever added above the head we read first: a replay that ends below it means
  // consensus lost a version (a damaged row), and answering from the older state would be wrong.
  const reachedHead = (s: ShardState): ShardState => {
    if (s.seqno < head.seqno) {
      throw new CorruptDataError(
        `${shardId}@${s.seqno + 1}`,
        `version ${s.seqno + 1} is missing: the versions end at ${s.seqno} but the head is ${head.seqno}`,
      );
    }
    return s;
  };
  if (headDiff.latestRollup !== null) {
    const base = await tryRollup(headDiff.latestRollup);
    if (base) {
      const s = await replayFrom(shardId, deps, base);
      if (s) return reachedHead(s);
    }
  }
  // No usable rollup pointer: start from the earliest retained version. A concurrent GC may
  // truncate it meanwhile; then the next earliest has its rollup (GC writes it before truncating).
  const earliest = async (): Promise<number | null> =>
    (await retryExternal(() => consensus.scan(shardId, 0, 1), `scan ${shardId}`))[0]?.seqno ?? null;
  let first = await earliest();
  for (let round = 0; ; round++) {
    if (first === null) return initialState(shardId);
    const base = first === 1 ? initialState(shardId) : await tryRollup(first);
    const s = base && (await replayFrom(shardId, deps, base));
    if (s) return reachedHead(s);
    const again = await earliest();
    if (again === first || round >= MAX_TRUNCATION_ROUNDS) {
      throw base
        ? new CorruptDataError(`${shardId}@${first}`, 'consensus changed underfoot while loading')
        : new CorruptDataError(rollupKey(shardId, first), 'rollup of the earliest retained version is missing');
    }
    first = again;
  }
}
