// The machine owns the latest known state of one shard in this client: it applies transitions by
// compare-and-set (retrying on conflict), replays other writers' diffs, writes rollups on their
// cadence, and wakes waiters as soon as a new version is known.
import type { Blob, CasResult, Consensus } from './location/types.js';
import { retryExternal } from './location/retry.js';
import type { PersistConfig } from './config.js';
import { rollupKey } from './paths.js';
import { ClientClosedError, CorruptDataError, LocationError } from './errors.js';
import { applyDiff } from './state/diff.js';
import { encodeDiff, encodeState } from './state/encode.js';
import { nextCompaction } from './compact/spine.js';
import { gcTarget, latestRollupSeqno, rollupDue } from './state/maintenance.js';
import * as t from './state/transitions.js';
import { commit, type Outcome } from './state/transitions.js';
import type { Changes, RollupRef, ShardState } from './state/types.js';
import { StateVersions } from './state/versions.js';

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
export interface MachineDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
  readonly config: PersistConfig;
  /** true once the client is closing: waits that could last for as long as storage is down end then */
  readonly isClosing?: () => boolean;
  /**
   * Starts the background work a version written by a command other than compareAndAppend calls
   * for (compareAndAppend returns its maintenance to the handle instead).
   */
  readonly maintain?: (machine: Machine, maintenance: RoutineMaintenance) => void;
}

type Listener = (state: ShardState) => void;

/**
 * What a command's new version calls for in the background (Materialize's RoutineMaintenance).
 * Each flag is set only when the work has something to do (see state/maintenance.ts).
 */
export interface RoutineMaintenance {
  /** the spine has a merge to do (and compaction is enabled) */
  readonly compact?: true;
  /** a newer rollup at or below seqnoSince than GC was last asked to truncate to: versions can go */
  readonly gc?: true;
  /** this version is due a rollup (Machine.writeRollupForCurrent) */
  readonly rollup?: true;
}

const NO_MAINTENANCE: RoutineMaintenance = {};

type CmdOf<F> = F extends (state: ShardState, cmd: infer C, ...rest: never[]) => unknown ? C : never;
type ResultOf<F> = F extends (...args: never[]) => Outcome<infer R> ? R : never;

export class Machine {
  private state: ShardState;
  private queue: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly listeners = new Set<Listener>();
  /** rejecters of pending waitUntil calls, settled by close() */
  private readonly waiters = new Set<(e: Error) => void>();
  private closed = false;
  /** the GC target this machine last asked for: GC is due again only past it */
  private gcRequested = 0;
  /** the rollup this machine is writing, if any: no second one is asked for meanwhile */
  private rollupWriting: Promise<void> | null = null;
  private gcQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly shardId: string,
    private readonly deps: MachineDeps,
    state: ShardState,
    private readonly unwatch: () => void,
  ) {
    this.state = state;
    this.versions = new StateVersions(shardId, deps);
  }

  /** This shard's retained versions in consensus and blob. */
  readonly versions: StateVersions;

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
  async apply<R>(transition: (state: ShardState, now: number) => Outcome<R>): Promise<R> {
    const { result, maintenance } = await this.applyWithMaintenance(transition, false);
    if (maintenance !== NO_MAINTENANCE) this.deps.maintain?.(this, maintenance);
    return result;
  }

  /**
   * apply, handing the maintenance the new version calls for to the caller. GC is asked for by
   * writers only (as before: a client that only reads, such as a checker walking versions, never
   * truncates under itself); a rollup by any command.
   */
  private applyWithMaintenance<R>(
    transition: (state: ShardState, now: number) => Outcome<R>,
    askGc: boolean,
  ): Promise<{ result: R; maintenance: RoutineMaintenance }> {
    const run = this.queue.then(() => this.applyNow(transition, askGc));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow<R>(
    transition: (state: ShardState, now: number) => Outcome<R>,
    askGc: boolean,
  ): Promise<{ result: R; maintenance: RoutineMaintenance }> {
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
          return { result: outcome.result, maintenance: NO_MAINTENANCE };
        }
        const changes: Changes = outcome.changes;
        // The diff names the newest rollup there will be, so that a load starts there.
        let latest = latestRollupSeqno(state);
        for (const r of changes.rollupsAdded ?? []) latest = Math.max(latest ?? 0, r.seqno);
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
          const next = applyDiff(state, diff);
          this.versions.recent.add(diff);
          this.setState(next);
          return { result: outcome.result, maintenance: this.maintenanceOf(next, data.length, askGc) };
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

  /** What the version `next` we just wrote (its diff `diffBytes` long) calls for, beyond compaction. */
  private maintenanceOf(next: ShardState, diffBytes: number, askGc: boolean): RoutineMaintenance {
    const rollup = this.rollupWriting === null && rollupDue(next, this.deps.config.rollupThreshold, diffBytes);
    const target = askGc ? gcTarget(next) : null;
    const gc = target !== null && target > this.gcRequested;
    if (gc) this.gcRequested = target;
    return rollup || gc ? { ...(rollup && { rollup: true }), ...(gc && { gc: true }) } : NO_MAINTENANCE;
  }

  /**
   * Writes a rollup of the current version and names it in state (Materialize's
   * add_rollup_for_current_seqno): the background half of a `rollup` maintenance. Off the append's
   * path, since encoding a big state takes far longer than the append that made it due.
   */
  writeRollupForCurrent(): Promise<void> {
    if (this.rollupWriting) return this.rollupWriting;
    const run = (async () => {
      const state = this.state;
      if (state.seqno === 0 || latestRollupSeqno(state) === state.seqno) return;
      await this.addRollup(await this.writeRollup(state));
    })();
    this.rollupWriting = run;
    const done = (): void => {
      if (this.rollupWriting === run) this.rollupWriting = null;
    };
    run.then(done, done);
    return run;
  }

  /**
   * Runs this client's GCs of the shard one after another: two at once would only redo each
   * other's work (GCs of other clients still may run alongside; GC is safe under that).
   */
  exclusiveGc<R>(gc: () => Promise<R>): Promise<R> {
    const run = this.gcQueue.then(gc);
    this.gcQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * A GC of this client is truncating to `target`: versions naming rollups up to it need not ask
   * for another (a forced GC's own rollup would otherwise start a background GC racing it).
   */
  claimGc(target: number): void {
    this.gcRequested = Math.max(this.gcRequested, target);
  }

  /** Resolves once no rollup of this machine is being written (close waits for it). */
  async rollupIdle(): Promise<void> {
    await this.rollupWriting?.catch(() => undefined);
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
    const next = await this.versions.replayFrom(this.state, undefined, true);
    this.setState(next ?? (await this.versions.loadLatest()));
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
      // No refresh here (it was a consensus scan per wait, i.e. per listen fetchNext): the watch
      // this machine set up before loading reports every version written since, by any process
      // (the Consensus.watch contract), and onWatch refreshes on each one newer than ours.
    });
  }

  /**
   * The state at a retained seqno (see StateVersions.stateAt). A GC (of this or any client) may
   * truncate meanwhile; only a version that is itself truncated is an error.
   */
  stateAt(seqno: number): Promise<ShardState> {
    return this.versions.stateAt(seqno, this.latest);
  }

  /** The newest state, refreshed: what walks over versions start from. */
  readonly latest = async (): Promise<ShardState> => {
    await this.refresh();
    return this.state;
  };

  // ---- commands ---------------------------------------------------------------------------------
  // Each names one transition of state/transitions.ts (as Materialize's Machine does); handles and
  // tools call these, never build transitions themselves.

  registerWriter(cmd: CmdOf<typeof t.registerWriter>): Promise<ResultOf<typeof t.registerWriter>> {
    return this.apply((s, now) => t.registerWriter(s, cmd, now));
  }

  registerLeasedReader(cmd: CmdOf<typeof t.registerLeasedReader>): Promise<ResultOf<typeof t.registerLeasedReader>> {
    return this.apply((s, now) => t.registerLeasedReader(s, cmd, now));
  }

  registerCriticalReader(cmd: CmdOf<typeof t.registerCriticalReader>): Promise<ResultOf<typeof t.registerCriticalReader>> {
    return this.apply((s) => t.registerCriticalReader(s, cmd));
  }

  heartbeatWriter(cmd: CmdOf<typeof t.heartbeatWriter>): Promise<void> {
    return this.apply((s, now) => t.heartbeatWriter(s, cmd, now));
  }

  heartbeatReader(cmd: CmdOf<typeof t.heartbeatReader>): Promise<ResultOf<typeof t.heartbeatReader>> {
    return this.apply((s, now) => t.heartbeatReader(s, cmd, now));
  }

  /** Appends, and says which background maintenance the new version calls for. */
  async compareAndAppend(cmd: t.AppendCommand): Promise<{ result: t.AppendResult; maintenance: RoutineMaintenance }> {
    const { result, maintenance } = await this.applyWithMaintenance((s, now) => t.compareAndAppend(s, cmd, now), true);
    if (!result.ok) return { result, maintenance };
    // The spine is only walked when a compactor would act on it: with compaction off a shard holds
    // every batch it was ever given, and walking them per append made appends O(batches).
    if (!this.deps.config.compactionEnabled || nextCompaction(this.state) === null) return { result, maintenance };
    return { result, maintenance: { ...maintenance, compact: true } };
  }

  downgradeSince(cmd: CmdOf<typeof t.downgradeSince>): Promise<ResultOf<typeof t.downgradeSince>> {
    return this.apply((s, now) => t.downgradeSince(s, cmd, now));
  }

  compareAndDowngradeSince(cmd: CmdOf<typeof t.compareAndDowngradeSince>): Promise<t.CompareAndDowngradeResult> {
    return this.apply((s) => t.compareAndDowngradeSince(s, cmd));
  }

  expireWriter(cmd: { writerId: string }): Promise<boolean> {
    return this.apply((s) => t.expireWriter(s, cmd));
  }

  expireLeasedReader(cmd: { readerId: string }): Promise<boolean> {
    return this.apply((s) => t.expireLeasedReader(s, cmd));
  }

  expireCriticalReader(cmd: { readerId: string }): Promise<boolean> {
    return this.apply((s) => t.expireCriticalReader(s, cmd));
  }

  applyCompaction(cmd: CmdOf<typeof t.applyCompaction>): Promise<boolean> {
    return this.apply((s) => t.applyCompaction(s, cmd));
  }

  /** Records a rollup written to blob (GC's, at its target), unless state already names one there. */
  addRollup(rollup: RollupRef): Promise<void> {
    return this.apply((s) => t.addRollup(s, rollup));
  }

  /** After a truncation: forgets the rollups below the earliest retained version. */
  removeRollupsBelow(seqno: number): Promise<void> {
    return this.apply((s) => t.removeRollupsBelow(s, { seqno }));
  }

  finalize(): Promise<void> {
    return this.apply((s) => t.finalize(s));
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Loads the newest state of a shard (see StateVersions.loadLatest). */
export function loadLatestState(shardId: string, deps: MachineDeps): Promise<ShardState> {
  return new StateVersions(shardId, deps).loadLatest();
}
