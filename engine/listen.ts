// Listen and Subscribe: every update after as_of exactly once, pushed as soon as a new version of
// the shard is known (no polling in-process; the location's watch across processes).
import { lt, type Antichain } from './antichain.js';
import { fetchColumns } from './fetch.js';
import type { Machine } from './machine.js';
import { mergePartsSync } from './part/merge.js';
import { toUpdates } from './part/decode-updates.js';
import { batchTimeBounds, type LeasedPart, type ReadHandleImpl } from './read.js';
import type { Update } from './write.js';

export type ListenEvent<K, V> =
  | { kind: 'updates'; updates: Update<K, V>[] }
  | { kind: 'progress'; frontier: Antichain };

export interface Listen<K, V> extends AsyncIterable<ListenEvent<K, V>> {
  frontier(): Antichain;
  fetchNext(): Promise<ListenEvent<K, V>[]>;
  expire(): Promise<void>;
}

/**
 * holdSince: the listen never moves its reader's since (an observer such as an explorer must not
 * change what it observes); the reader then holds back compaction of times it already emitted.
 */
export interface ListenOptions {
  holdSince?: boolean;
}

export interface Subscribe<K, V> extends AsyncIterable<ListenEvent<K, V>> {
  fetchNext(): Promise<ListenEvent<K, V>[]>;
  expire(): Promise<void>;
}

/** How often a listen moves its reader's since along behind its frontier (each move is a CAS). */
const SINCE_DOWNGRADE_INTERVAL_MS = 1000;

export class ListenImpl<K, V> implements Listen<K, V> {
  private progress: Antichain;
  private lastDowngradeMs = 0;

  constructor(
    private readonly handle: ReadHandleImpl<K, V>,
    private readonly machine: Machine,
    private readonly asOf: number,
    private readonly opts: ListenOptions = {},
  ) {
    this.progress = [asOf];
  }

  frontier(): Antichain {
    return this.progress;
  }

  async fetchNext(): Promise<ListenEvent<K, V>[]> {
    this.handle.assertUsable();
    if (this.progress.length === 0) return [];
    const from = Math.max(this.progress[0], this.asOf + 1);
    const state = await this.machine.waitUntil((s) => lt(this.progress, s.upper));
    this.handle.assertUsable();
    const upper = state.upper;
    const to = upper.length ? upper[0] : Infinity;
    const leased: LeasedPart[] = [];
    for (const b of state.batches) {
      if (b.upper.length === 1 && b.upper[0] <= from) continue;
      const [lo, hi] = batchTimeBounds(b);
      const timeLower = Math.max(lo, from);
      const timeUpper = Math.min(hi ?? Infinity, to);
      if (timeLower >= timeUpper) continue;
      for (const run of b.runs) {
        for (const p of run) {
          leased.push(this.handle.lease(state.seqno, p, timeLower, timeUpper === Infinity ? null : timeUpper, 0));
        }
      }
    }
    const events: ListenEvent<K, V>[] = [];
    try {
      if (leased.length > 0) {
        const inputs = await Promise.all(
          leased.map(async (p) => ({
            cols: await fetchColumns(this.handle.ctxBlob(), p.part),
            timeLower: p.timeLower,
            timeUpper: p.timeUpper ?? Infinity,
          })),
        );
        const merged = mergePartsSync(inputs, { advanceTo: 0, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER });
        if (merged.len > 0) events.push({ kind: 'updates', updates: toUpdates(merged, this.handle.keyCodec, this.handle.valCodec) });
      }
    } finally {
      for (const p of leased) this.handle.returnLease(p.leaseId);
    }
    events.push({ kind: 'progress', frontier: upper });
    this.progress = upper;
    this.maybeDowngradeSince();
    return events;
  }

  /** Keep the since one step behind the frontier: compaction may then advance emitted times, never unemitted ones. */
  private maybeDowngradeSince(): void {
    if (this.opts.holdSince) return;
    const now = Date.now();
    if (now - this.lastDowngradeMs < SINCE_DOWNGRADE_INTERVAL_MS) return;
    this.lastDowngradeMs = now;
    const since: Antichain = this.progress.length ? [Math.max(this.asOf, this.progress[0] - 1)] : [];
    this.handle.downgradeSince(since).catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ListenEvent<K, V>> {
    while (this.progress.length > 0) {
      for (const e of await this.fetchNext()) yield e;
    }
  }

  expire(): Promise<void> {
    return this.handle.expire();
  }
}

export class SubscribeImpl<K, V> implements Subscribe<K, V> {
  private snapshotDone = false;
  private readonly listen: ListenImpl<K, V>;

  constructor(
    private readonly handle: ReadHandleImpl<K, V>,
    machine: Machine,
    private readonly asOf: number,
    opts: ListenOptions = {},
  ) {
    this.listen = new ListenImpl(handle, machine, asOf, opts);
  }

  async fetchNext(): Promise<ListenEvent<K, V>[]> {
    if (!this.snapshotDone) {
      const updates = await this.handle.snapshotAndFetch([this.asOf]);
      this.snapshotDone = true;
      const events: ListenEvent<K, V>[] = [];
      if (updates.length > 0) events.push({ kind: 'updates', updates });
      events.push({ kind: 'progress', frontier: [this.asOf + 1] });
      return events;
    }
    return this.listen.fetchNext();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ListenEvent<K, V>> {
    for (;;) {
      const events = await this.fetchNext();
      for (const e of events) yield e;
      if (this.snapshotDone && this.listen.frontier().length === 0) return;
    }
  }

  expire(): Promise<void> {
    return this.handle.expire();
  }
}
