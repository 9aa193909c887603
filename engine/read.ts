// ReadHandle: holds back the shard's since, snapshots and fetches data, and leases the parts it
// hands out so that garbage collection cannot delete them while they are being read. A part lease
// lasts until the part is fetched or returned, or the reader lease duration passes; a reader
// whose own lease is gone from state gets LeaseExpiredError, never data read past its since.
import { checkAntichain, fmt, join, leq, lt, type Antichain } from './antichain.js';
import type { Codec } from './codec.js';
import { ClientClosedError, CorruptDataError, InvalidUsageError, LeaseExpiredError, SinceError } from './errors.js';
import { fetchColumns } from './fetch.js';
import { HandleBase, PartLeaseExpiredError, type ClientContext } from './handle.js';
import type { Machine } from './machine.js';
import { mergePartsSync, mergeRuns, type DecodeInto, type MergeRun } from './part/merge.js';
import { toUpdates } from './part/decode-updates.js';
import type { PartColumns } from './part/types.js';
import type { LeasedReaderState, PartRef, ShardState } from './state/types.js';
import type { Update } from './update.js';
import { partsFor } from './filter.js';
import type { LeasedPart } from './lease.js';
import { ListenImpl, SubscribeImpl, type Listen, type ListenOptions, type ListenReader, type Subscribe } from './listen.js';

export interface ReadHandle<K, V> {
  readonly shardId: string;
  readonly readerId: string;
  since(): Antichain;
  downgradeSince(newSince: Antichain): Promise<void>;
  snapshot(asOf: Antichain): Promise<LeasedPart[]>;
  /** fetches the part's updates and returns its lease */
  fetchPart(part: LeasedPart): Promise<Update<K, V>[]>;
  /** gives the part's lease back without fetching it (a part already returned is a no-op) */
  returnPart(part: LeasedPart): void;
  snapshotAndFetch(asOf: Antichain): Promise<Update<K, V>[]>;
  snapshotCursor(asOf: Antichain): AsyncIterable<Update<K, V>[]>;
  snapshotAndStream(asOf: Antichain): AsyncIterable<Update<K, V>>;
  /** `holdSince`: the listen leaves this reader's since where it is (by default it follows the frontier) */
  listen(asOf: Antichain, opts?: ListenOptions): Promise<Listen<K, V>>;
  subscribe(asOf: Antichain, opts?: ListenOptions): Promise<Subscribe<K, V>>;
  clone(purpose: string): Promise<ReadHandle<K, V>>;
  expire(): Promise<void>;
}

export type OpenReader = (since: Antichain, purpose: string) => Promise<ReadHandleImpl<any, any>>;

const CURSOR_CHUNK_ROWS = 8192;
/** snapshotAndFetch's merge chunks: bigger, as they are only gathered (fewer turns of the merge loop). */
const FETCH_CHUNK_ROWS = 65536;

export class ReadHandleImpl<K, V> extends HandleBase implements ReadHandle<K, V>, ListenReader<K, V> {
  private sinceValue: Antichain;
  private nextLease = 1;
  /** outstanding leases: the seqno each part came from and when it was handed out (config.now) */
  private readonly leases = new Map<number, { seqno: number; sinceMs: number }>();
  private takenOver = false;

  constructor(
    ctx: ClientContext,
    machine: Machine,
    readonly readerId: string,
    since: Antichain,
    readonly keyCodec: Codec<K>,
    readonly valCodec: Codec<V>,
    private readonly openReader: OpenReader,
  ) {
    super(ctx, machine, 'reader', readerId);
    this.sinceValue = since;
    this.startHeartbeat(ctx.config.readerLeaseDurationMs / 4);
  }

  get shardId(): string {
    return this.machine.shardId;
  }

  /**
   * Oldest seqno this reader may still need: its oldest outstanding lease, else the latest. A
   * lease held longer than the reader lease duration no longer counts: a part that is never
   * fetched or returned must not pin every later version and blob for the reader's lifetime.
   */
  leasedSeqno(): number {
    let min = this.machine.current.seqno;
    for (const [id, l] of this.leases) if (!this.leaseTimedOut(id)) min = Math.min(min, l.seqno);
    return min;
  }

  private leaseTimedOut(leaseId: number): boolean {
    const l = this.leases.get(leaseId);
    return l !== undefined && this.ctx.config.now() - l.sinceMs > this.ctx.config.readerLeaseDurationMs;
  }

  now(): number {
    return this.ctx.config.now();
  }

  private expiredError(): LeaseExpiredError {
    this.markExpired();
    return new LeaseExpiredError(`reader ${this.readerId} of shard ${this.shardId} has expired`);
  }

  /** This reader's record in a state; a state without it means the reader has expired. */
  registration(state: ShardState): LeasedReaderState {
    if (this.ctx.isClosed()) throw new ClientClosedError();
    const r = state.leasedReaders[this.readerId];
    if (!r) throw this.expiredError();
    return r;
  }

  isRegistered(state: ShardState): boolean {
    return state.leasedReaders[this.readerId] !== undefined;
  }

  protected async heartbeat(): Promise<void> {
    const r = await this.machine.heartbeatReader({ readerId: this.readerId, seqno: this.leasedSeqno() });
    this.sinceValue = r.since;
  }

  since(): Antichain {
    return this.sinceValue;
  }

  downgradeSince(newSinceArg: Antichain): Promise<void> {
    return this.guard(async () => {
      const newSince = checkAntichain(newSinceArg, 'since');
      const r = await this.machine.downgradeSince({ readerId: this.readerId, since: newSince, seqno: this.leasedSeqno() });
      this.sinceValue = r.since;
    });
  }

  checkAsOf(asOfArg: Antichain): number {
    const asOf = checkAntichain(asOfArg, 'asOf');
    if (asOf.length === 0) throw new InvalidUsageError('InvalidFrontier', 'asOf must be [t]: nothing can be read at []');
    return asOf[0];
  }

  /**
   * A read at asOf is served from `state` only if this reader is still registered in it and both
   * the shard's since and this reader's own are at or before asOf: the reader's since is what
   * keeps compaction from advancing the times the read is about to see.
   */
  checkReadable(state: ShardState, asOf: number): void {
    this.check();
    const own = join(this.registration(state).since, this.sinceValue);
    if (!leq(state.since, [asOf])) {
      throw new SinceError(state.since, `cannot read ${state.shardId} as of [${asOf}]: its since is ${fmt(state.since)}`);
    }
    if (!leq(own, [asOf])) {
      throw new SinceError(own, `cannot read ${state.shardId} as of [${asOf}]: reader ${this.readerId} has since ${fmt(own)}`);
    }
  }

  /** Waits until the shard's upper is past asOf, then leases the parts holding times <= asOf. */
  snapshot(asOfArg: Antichain): Promise<LeasedPart[]> {
    return this.guard(async () => (await this.snapshotInternal(asOfArg)).parts);
  }

  private async snapshotInternal(asOfArg: Antichain): Promise<{ state: ShardState; asOf: number; parts: LeasedPart[] }> {
    const asOf = this.checkAsOf(asOfArg);
    this.checkReadable(this.machine.current, asOf);
    await this.machine.waitUntil((s) => lt([asOf], s.upper) || !this.isRegistered(s));
    // Lease from the newest known state: a heartbeat may already have recorded its seqno.
    const state = this.machine.current;
    this.checkReadable(state, asOf);
    const parts: LeasedPart[] = [];
    for (const r of partsFor(state, { kind: 'snapshot', asOf })) {
      for (const p of r.parts) parts.push(this.lease(state.seqno, p, r.timeLower, r.timeUpper, asOf));
    }
    return { state, asOf, parts };
  }

  lease(seqno: number, part: PartRef, timeLower: number, timeUpper: number | null, advanceTo: number): LeasedPart {
    const leaseId = this.nextLease++;
    this.leases.set(leaseId, { seqno, sinceMs: this.ctx.config.now() });
    return { shardId: this.shardId, readerId: this.readerId, leaseId, seqno, part, timeLower, timeUpper, advanceTo };
  }

  returnLease(leaseId: number): void {
    this.leases.delete(leaseId);
  }

  returnPart(part: LeasedPart): void {
    if (part?.shardId !== this.shardId || part.readerId !== this.readerId || !Number.isSafeInteger(part.leaseId)) {
      throw new InvalidUsageError('InvalidArgument', 'part was not leased by this reader');
    }
    this.returnLease(part.leaseId);
  }

  /**
   * Fetches a leased part's columns. A part missing from blob is corruption only while the reader
   * and the part's lease are alive: otherwise GC was free to delete it and the answer is that the
   * lease expired.
   */
  async fetchLeased(p: LeasedPart, into?: DecodeInto): Promise<PartColumns> {
    try {
      return await fetchColumns(this.ctx.blob, p.part, into);
    } catch (e) {
      if (!(e instanceof CorruptDataError)) throw e;
      await this.machine.refresh().catch(() => undefined);
      this.registration(this.machine.current);
      if (this.leaseTimedOut(p.leaseId)) {
        throw new PartLeaseExpiredError(
          `the lease on part ${p.part.key} of shard ${this.shardId} expired: it was not fetched within ${this.ctx.config.readerLeaseDurationMs} ms`,
        );
      }
      throw e;
    }
  }

  async fetchColumns(part: LeasedPart): Promise<PartColumns> {
    if (part?.shardId !== this.shardId || part.readerId !== this.readerId || !this.leases.has(part.leaseId)) {
      throw new InvalidUsageError('InvalidArgument', 'part was not leased by this reader, or was already returned');
    }
    try {
      this.registration(this.machine.current);
      const cols = await this.fetchLeased(part);
      return mergePartsSync([{ cols, timeLower: part.timeLower, timeUpper: part.timeUpper ?? Infinity }], {
        advanceTo: part.advanceTo,
        consolidate: true,
        chunkRows: Number.MAX_SAFE_INTEGER,
      });
    } finally {
      this.returnLease(part.leaseId);
    }
  }

  fetchPart(part: LeasedPart): Promise<Update<K, V>[]> {
    return this.guard(async () => toUpdates(await this.fetchColumns(part), this.keyCodec, this.valCodec));
  }

  /**
   * One part is fetched and returned as it is (when the filter leaves it unchanged); more are
   * merged streaming, one part per run in memory at a time, into one array of updates: holding
   * every part and a merge output sized for all their rows made the GC's work (and the memory)
   * grow with the input, not the result.
   */
  snapshotAndFetch(asOf: Antichain): Promise<Update<K, V>[]> {
    return this.guard(async () => {
      const { state, asOf: at, parts: leased } = await this.snapshotInternal(asOf);
      try {
        if (leased.length <= 1) {
          const inputs = await Promise.all(
            leased.map(async (p) => ({ cols: await this.fetchLeased(p), timeLower: p.timeLower, timeUpper: p.timeUpper ?? Infinity })),
          );
          const merged = mergePartsSync(inputs, { advanceTo: at, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER });
          return toUpdates(merged, this.keyCodec, this.valCodec);
        }
        const out: [K, V, number, number][] = [];
        for await (const chunk of mergeRuns(this.mergeRunsOf(state, at, leased), {
          advanceTo: at,
          consolidate: true,
          chunkRows: FETCH_CHUNK_ROWS,
          reuseChunks: true, // each chunk becomes updates before the next is merged
        })) {
          toUpdates(chunk, this.keyCodec, this.valCodec, out);
        }
        return out;
      } finally {
        for (const p of leased) this.returnLease(p.leaseId);
      }
    });
  }

  /** Runs of leased parts, each fetched lazily so that a cursor holds one part per run. */
  private mergeRunsOf(state: ShardState, asOf: number, leased: LeasedPart[]): MergeRun[] {
    const runs: MergeRun[] = [];
    const byKey = new Map(leased.map((p) => [p.part, p]));
    for (const { parts: run, timeLower, timeUpper } of partsFor(state, { kind: 'snapshot', asOf })) {
      let i = 0;
      runs.push({
        timeLower,
        timeUpper: timeUpper ?? Infinity,
        nextPart: async (into) => {
          if (i >= run.length) return null;
          const p = run[i++];
          const l = byKey.get(p);
          const cols = l ? await this.fetchLeased(l, into) : await fetchColumns(this.ctx.blob, p, into);
          if (l) this.returnLease(l.leaseId);
          return cols;
        },
      });
    }
    return runs;
  }

  async *snapshotCursor(asOfArg: Antichain): AsyncIterable<Update<K, V>[]> {
    this.check();
    const { state, asOf, parts: leased } = await this.snapshotInternal(asOfArg);
    try {
      for await (const chunk of mergeRuns(this.mergeRunsOf(state, asOf, leased), {
        advanceTo: asOf,
        consolidate: true,
        chunkRows: CURSOR_CHUNK_ROWS,
        reuseChunks: true, // each chunk becomes updates before the next is merged
      })) {
        this.check();
        if (chunk.len > 0) yield toUpdates(chunk, this.keyCodec, this.valCodec);
      }
    } finally {
      for (const p of leased) this.returnLease(p.leaseId);
    }
  }

  async *snapshotAndStream(asOfArg: Antichain): AsyncIterable<Update<K, V>> {
    this.check();
    const { parts: leased } = await this.snapshotInternal(asOfArg);
    try {
      for (const p of leased) {
        this.check();
        if (!this.leases.has(p.leaseId)) continue;
        const cols = await this.fetchColumns(p);
        for (const u of toUpdates(cols, this.keyCodec, this.valCodec)) yield u;
      }
    } finally {
      for (const p of leased) this.returnLease(p.leaseId);
    }
  }

  private takeOver(): void {
    this.check();
    if (this.takenOver) throw new InvalidUsageError('InvalidArgument', 'this read handle already serves a listen or subscribe');
    this.takenOver = true;
  }

  listen(asOfArg: Antichain, opts?: ListenOptions): Promise<Listen<K, V>> {
    return this.guard(async () => {
      const asOf = this.checkAsOf(asOfArg);
      const o = listenOptions(opts);
      this.checkReadable(this.machine.current, asOf);
      this.takeOver();
      return new ListenImpl(this, this.machine, asOf, o);
    });
  }

  subscribe(asOfArg: Antichain, opts?: ListenOptions): Promise<Subscribe<K, V>> {
    return this.guard(async () => {
      const asOf = this.checkAsOf(asOfArg);
      const o = listenOptions(opts);
      this.checkReadable(this.machine.current, asOf);
      this.takeOver();
      return new SubscribeImpl(this, this.machine, asOf, o);
    });
  }

  clone(purpose: string): Promise<ReadHandle<K, V>> {
    return this.guard(() => this.openReader(this.sinceValue, purpose));
  }

  async expire(): Promise<void> {
    if (this.expired) return;
    this.markExpired();
    await this.machine.expireLeasedReader({ readerId: this.readerId });
  }

  /** For listen/subscribe: a background step client.idle() waits for. */
  trackBackground(step: Promise<unknown>): void {
    this.ctx.track(this.shardId, step);
  }

  /** For listen/subscribe: the same checks as a public call. */
  assertUsable(): void {
    this.check();
  }

  /** For listen/subscribe: runs a read the way every public call of this handle runs. */
  serve<R>(op: () => Promise<R>): Promise<R> {
    return this.guard(op);
  }
}

function listenOptions(opts: ListenOptions | undefined): Required<ListenOptions> {
  if (opts === undefined) return { holdSince: false };
  if (typeof opts !== 'object' || opts === null || (opts.holdSince !== undefined && typeof opts.holdSince !== 'boolean')) {
    throw new InvalidUsageError('InvalidArgument', 'listen options must be { holdSince?: boolean }');
  }
  return { holdSince: opts.holdSince === true };
}
