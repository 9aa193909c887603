// The retained versions of one shard, as Materialize's StateVersions: how to load the latest state,
// replay diffs onto a state, rebuild the state at a retained seqno, and walk the live states in
// order. The Machine, GC, part ownership and the admin's history all read versions through here.
//
// Invariants (GC keeps them; every reader here relies on them):
// - Consensus holds one contiguous range of versions [earliest, head]; the diff at seqno n applies
//   to the state at n - 1. Versions are only ever added above the head.
// - The earliest retained version can be loaded on its own: it is seqno 1 (the initial state), or
//   state names a rollup at it. GC writes that rollup before it truncates below it.
// - earliest <= seqnoSince: GC truncates only below the oldest version a leased reader may hold.
// - GC works in this order: rollup at its target, delete the blobs only truncated versions
//   reference, truncate consensus, then forget the rollups below the target. Stopped anywhere
//   (crash, outage), the next GC finds the same versions and finishes them.
// - A concurrent GC may move `earliest` on under any walk here. A rollup or diff that has vanished
//   means exactly that, and the walk restarts from the new earliest; only a retained version that
//   cannot be rebuilt while nothing moves is corrupt.
import type { Blob, Consensus } from '../location/types.js';
import { retryExternal } from '../location/retry.js';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { rollupKey } from '../paths.js';
import { applyDiff } from './diff.js';
import { decodeDiffAt, decodeRollup } from './encode.js';
import { RecentDiffs } from './recent-diffs.js';
import { initialState, type ShardState, type StateDiff } from './types.js';

const SCAN_PAGE = 1024;
/** States a walk hands on at once (see diffPagesAfter). */
const STATES_PER_PAGE = 64;
/** How often a walk restarts because a concurrent GC truncated under it, before calling it corrupt. */
const MAX_TRUNCATION_ROUNDS = 64;

export interface VersionsDeps {
  readonly consensus: Consensus;
  readonly blob: Blob;
}

export class StateVersions {
  /** diffs of the newest versions this machine wrote or replayed (see RecentDiffs) */
  readonly recent = new RecentDiffs();

  constructor(
    readonly shardId: string,
    private readonly deps: VersionsDeps,
  ) {}

  /** The seqno of the earliest retained version, or null for a shard with none. */
  async earliest(): Promise<number | null> {
    const { consensus } = this.deps;
    return (await retryExternal(() => consensus.scan(this.shardId, 0, 1), `scan ${this.shardId}`))[0]?.seqno ?? null;
  }

  /**
   * Applies every diff after `base` (up to `until`). Returns null when consensus no longer holds the
   * diff right after base (truncated by GC): the caller must restart from a rollup. `remember`: a
   * machine catching up with its shard notes the diffs in `recent`.
   */
  async replayFrom(base: ShardState, until = Number.MAX_SAFE_INTEGER, remember = false): Promise<ShardState | null> {
    let state = base;
    for await (const page of this.diffPagesAfter(base, until, remember)) {
      if (page === null) return null;
      state = page[page.length - 1];
    }
    return state;
  }

  /**
   * The states after base (up to until) in order, a few at a time; null once, at the end, if the
   * next diff is gone. Pages, not single states: an async generator's every yield is a round of
   * microtasks, and the replays under refresh and GC run beside appends on the same thread (one
   * yield per version slowed small appends by a third). A page is short so that the states it
   * holds at once stay few.
   */
  private async *diffPagesAfter(base: ShardState, until: number, remember = false): AsyncGenerator<ShardState[] | null> {
    const { consensus } = this.deps;
    let state = base;
    for (;;) {
      const from = state.seqno + 1;
      if (from > until) return;
      const entries = await retryExternal(
        () => consensus.scan(this.shardId, from, Math.min(SCAN_PAGE, until - from + 1)),
        `scan ${this.shardId}`,
      );
      if (entries.length === 0) return;
      if (entries[0].seqno !== from) {
        yield null;
        return;
      }
      let page: ShardState[] = [];
      for (const e of entries) {
        if (e.seqno > until) break;
        const diff = decodeDiffAt(this.shardId, e.seqno, e.data);
        state = applyDiff(state, diff);
        if (remember) this.recent.add(diff);
        page.push(state);
        if (page.length === STATES_PER_PAGE) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
      if (entries.length < SCAN_PAGE || entries[entries.length - 1].seqno >= until) return;
    }
  }

  /**
   * The decoded diffs with seqno in [from, until], oldest first, a page at a time, without applying
   * them (GC reads what diffs add and remove, not whole states). Ends where consensus ends; the
   * caller checks that the first diff is the one at `from` (a concurrent GC may have truncated it).
   */
  async *diffs(from: number, until = Number.MAX_SAFE_INTEGER): AsyncGenerator<StateDiff[]> {
    const held = this.recent.range(from, until);
    if (held) {
      yield held;
      return;
    }
    const { consensus } = this.deps;
    for (let next = from; next <= until; ) {
      const entries = await retryExternal(
        () => consensus.scan(this.shardId, next, Math.min(SCAN_PAGE, until - next + 1)),
        `scan ${this.shardId}`,
      );
      const page: StateDiff[] = [];
      for (const e of entries) if (e.seqno <= until) page.push(decodeDiffAt(this.shardId, e.seqno, e.data));
      if (page.length > 0) yield page;
      if (entries.length < SCAN_PAGE) return;
      next = entries[entries.length - 1].seqno + 1;
    }
  }

  private async rollupAt(seqno: number, key = rollupKey(this.shardId, seqno)): Promise<ShardState | null> {
    const bytes = await retryExternal(() => this.deps.blob.get(key), `get ${key}`);
    return bytes ? decodeRollup(this.shardId, seqno, key, bytes) : null;
  }

  /** The newest state: the rollup named by the head diff, then the diffs after it. */
  async loadLatest(): Promise<ShardState> {
    const { consensus } = this.deps;
    const shardId = this.shardId;
    const head = await retryExternal(() => consensus.head(shardId), `head ${shardId}`);
    if (!head) return initialState(shardId);
    const headDiff = decodeDiffAt(shardId, head.seqno, head.data);
    // A replay that ends below the head we read first means consensus lost a version (a damaged
    // row): answering from the older state would be wrong.
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
      const base = await this.rollupAt(headDiff.latestRollup);
      if (base) {
        const s = await this.replayFrom(base);
        if (s) return reachedHead(s);
      }
    }
    // No usable rollup pointer: start from the earliest retained version (which has its rollup).
    let first = await this.earliest();
    for (let round = 0; ; round++) {
      if (first === null) return initialState(shardId);
      const base = first === 1 ? initialState(shardId) : await this.rollupAt(first);
      const s = base && (await this.replayFrom(base));
      if (s) return reachedHead(s);
      const again = await this.earliest();
      if (again === first || round >= MAX_TRUNCATION_ROUNDS) {
        throw base
          ? new CorruptDataError(`${shardId}@${first}`, 'consensus changed underfoot while loading')
          : new CorruptDataError(rollupKey(shardId, first), 'rollup of the earliest retained version is missing');
      }
      first = again;
    }
  }

  /**
   * The state at a retained seqno, rebuilt from the nearest rollup and the diffs after it.
   * `latest` gives the newest state (refreshed): its rollups say where to start.
   */
  async stateAt(seqno: number, latest: () => Promise<ShardState>): Promise<ShardState> {
    if (!Number.isSafeInteger(seqno) || seqno < 0) {
      throw new InvalidUsageError('InvalidArgument', `seqno must be a non-negative integer, got ${seqno}`);
    }
    let lastEarliest: number | null = null;
    for (let round = 0; ; round++) {
      const current = await latest();
      if (seqno === current.seqno) return current;
      if (seqno > current.seqno) {
        throw new InvalidUsageError('InvalidArgument', `seqno ${seqno} is newer than the shard's latest ${current.seqno}`);
      }
      const earliest = (await this.earliest()) ?? current.seqno;
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
      base = await this.rollupAt(r.seqno, r.key);
      if (base) break;
    }
    if (!base) {
      if (earliest > 1) return null;
      base = initialState(this.shardId);
    }
    return this.replayFrom(base, seqno);
  }

  /**
   * Every live state with seqno in [from, until], oldest first, in one forward pass (one rebuild,
   * then one diff per version). When a concurrent GC truncates the versions ahead of the walk, it
   * goes on from the new earliest: the states it yields then skip a gap (check seqno). `base`, a
   * state known at or after `from`, saves the rebuild.
   */
  async *live(from: number, until: number, latest: () => Promise<ShardState>, base?: ShardState): AsyncGenerator<ShardState> {
    for await (const page of this.livePages(from, until, latest, base)) yield* page;
  }

  /** live, a page of states at a time (for walks that visit every version: GC, ownership). */
  async *livePages(
    from: number,
    until: number,
    latest: () => Promise<ShardState>,
    base?: ShardState,
  ): AsyncGenerator<ShardState[]> {
    let s: ShardState | null = base && base.seqno >= from ? base : null;
    if (s) {
      if (s.seqno > until) return;
      yield [s];
    }
    for (let restarts = 0; ; ) {
      if (s === null) {
        const earliest = await this.earliest();
        if (earliest === null) return;
        const start = Math.max(from, earliest);
        if (start > until) return;
        try {
          s = await this.stateAt(start, latest);
        } catch (e) {
          if (!(e instanceof InvalidUsageError && e.kind === 'SeqnoTruncated') || ++restarts > MAX_TRUNCATION_ROUNDS) throw e;
          continue;
        }
        yield [s];
      }
      let gap = false;
      for await (const page of this.diffPagesAfter(s, until)) {
        if (page === null) {
          gap = true;
          break;
        }
        s = page[page.length - 1];
        yield page;
      }
      if (!gap) return;
      if (++restarts > MAX_TRUNCATION_ROUNDS) {
        throw new CorruptDataError(`${this.shardId}@${s.seqno + 1}`, 'versions keep vanishing while walking them');
      }
      s = null;
    }
  }

}
