// Listen and Subscribe: every update after as_of exactly once, pushed as soon as a new version of
// the shard is known (no polling in-process; the location's watch across processes).
import { lt, type Antichain } from './antichain.js';
import type { Codec } from './codec.js';
import { partsFor } from './filter.js';
import type { LeasedPart } from './lease.js';
import type { Machine } from './machine.js';
import { mergePartsSync } from './part/merge.js';
import { toUpdates } from './part/decode-updates.js';
import type { PartColumns } from './part/types.js';
import type { ShardState } from './state/types.js';
import type { Update } from './update.js';

export type ListenEvent<K, V> =
  | { kind: 'updates'; updates: Update<K, V>[] }
  | { kind: 'progress'; frontier: Antichain };

export interface ListenOptions {
  /**
   * Leave the reader's since where it is instead of moving it along behind the frontier (a viewer
   * that must not change what the shard keeps, e.g. the app's Live tab). The reader still holds
   * its since back, so compaction keeps every time after it apart.
   */
  holdSince?: boolean;
}

export interface Listen<K, V> extends AsyncIterable<ListenEvent<K, V>> {
  frontier(): Antichain;
  fetchNext(): Promise<ListenEvent<K, V>[]>;
  expire(): Promise<void>;
}

export interface Subscribe<K, V> extends AsyncIterable<ListenEvent<K, V>> {
  fetchNext(): Promise<ListenEvent<K, V>[]>;
  expire(): Promise<void>;
}

/** What a listen uses of its read handle (ReadHandleImpl), named here so read.ts and listen.ts do not import each other. */
export interface ListenReader<K, V> {
  readonly keyCodec: Codec<K>;
  readonly valCodec: Codec<V>;
  now(): number;
  isRegistered(state: ShardState): boolean;
  checkReadable(state: ShardState, asOf: number): void;
  lease(seqno: number, part: LeasedPart['part'], timeLower: number, timeUpper: number | null, advanceTo: number): LeasedPart;
  returnLease(leaseId: number): void;
  fetchLeased(p: LeasedPart): Promise<PartColumns>;
  snapshotAndFetch(asOf: Antichain): Promise<Update<K, V>[]>;
  downgradeSince(since: Antichain): Promise<void>;
  expire(): Promise<void>;
  assertUsable(): void;
  serve<R>(op: () => Promise<R>): Promise<R>;
  trackBackground(step: Promise<unknown>): void;
}

/** How often a listen moves its reader's since along behind its frontier (each move is a CAS). */
const SINCE_DOWNGRADE_INTERVAL_MS = 1000;

/** Serves calls one after another: two overlapping fetchNext calls must not read the same interval. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<R>(op: () => Promise<R>): Promise<R> {
    const next = this.tail.then(op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class ListenImpl<K, V> implements Listen<K, V> {
  private progress: Antichain;
  private lastDowngradeMs = -Infinity;
  private readonly serial = new Serial();

  constructor(
    private readonly handle: ListenReader<K, V>,
    private readonly machine: Machine,
    private readonly asOf: number,
    private readonly opts: Required<ListenOptions>,
  ) {
    this.progress = [asOf];
  }

  frontier(): Antichain {
    return this.progress;
  }

  fetchNext(): Promise<ListenEvent<K, V>[]> {
    return this.serial.run(() => this.fetchNow());
  }

  /** Not serialized: for callers that already are (Subscribe). */
  fetchNow(): Promise<ListenEvent<K, V>[]> {
    return this.handle.serve(() => this.fetchNextNow());
  }

  private async fetchNextNow(): Promise<ListenEvent<K, V>[]> {
    this.handle.assertUsable();
    if (this.progress.length === 0) return [];
    const from = Math.max(this.progress[0], this.asOf + 1);
    // Also woken when the reader's lease goes: an expired listen answers at once, not at the next write.
    await this.machine.waitUntil((s) => lt(this.progress, s.upper) || !this.handle.isRegistered(s));
    // Served only from a state that still registers this reader, with its since before `from`:
    // then no batch in it has times at or after `from` advanced, and none before moved up to it.
    // The newest known state, since a heartbeat may already have recorded its seqno.
    const state = this.machine.current;
    this.handle.checkReadable(state, from - 1);
    const upper = state.upper;
    const leased: LeasedPart[] = [];
    for (const r of partsFor(state, { kind: 'listen', from, to: upper.length ? upper[0] : null })) {
      for (const p of r.parts) leased.push(this.handle.lease(state.seqno, p, r.timeLower, r.timeUpper, 0));
    }
    const events: ListenEvent<K, V>[] = [];
    try {
      if (leased.length > 0) {
        const inputs = await Promise.all(
          leased.map(async (p) => ({
            cols: await this.handle.fetchLeased(p),
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
    const now = this.handle.now();
    if (now - this.lastDowngradeMs < SINCE_DOWNGRADE_INTERVAL_MS) return;
    this.lastDowngradeMs = now;
    const since: Antichain = this.progress.length ? [Math.max(this.asOf, this.progress[0] - 1)] : [];
    this.handle.trackBackground(this.handle.downgradeSince(since).catch(() => undefined));
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
  private readonly serial = new Serial();

  constructor(
    private readonly handle: ListenReader<K, V>,
    machine: Machine,
    private readonly asOf: number,
    opts: Required<ListenOptions>,
  ) {
    this.listen = new ListenImpl(handle, machine, asOf, opts);
  }

  fetchNext(): Promise<ListenEvent<K, V>[]> {
    return this.serial.run(() => this.fetchNextNow());
  }

  private async fetchNextNow(): Promise<ListenEvent<K, V>[]> {
    if (!this.snapshotDone) {
      const updates = await this.handle.snapshotAndFetch([this.asOf]);
      this.snapshotDone = true;
      const events: ListenEvent<K, V>[] = [];
      if (updates.length > 0) events.push({ kind: 'updates', updates });
      events.push({ kind: 'progress', frontier: [this.asOf + 1] });
      return events;
    }
    return this.listen.fetchNow();
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
