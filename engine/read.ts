// ReadHandle: holds back the shard's since, snapshots and fetches data, and leases the parts it
// hands out so that garbage collection cannot delete them while they are being read.
import { checkAntichain, fmt, leq, lt, type Antichain } from './antichain.js';
import type { Codec } from './codec.js';
import { InvalidUsageError, SinceError } from './errors.js';
import { fetchColumns } from './fetch.js';
import { HandleBase, type ClientContext } from './handle.js';
import type { Machine } from './machine.js';
import { mergePartsSync, mergeRuns, type MergeRun } from './part/merge.js';
import { toUpdates } from './part/decode-updates.js';
import type { PartColumns } from './part/types.js';
import * as t from './state/transitions.js';
import type { HollowBatch, PartRef, ShardState } from './state/types.js';
import type { Update } from './write.js';
import { ListenImpl, SubscribeImpl, type Listen, type ListenOptions, type Subscribe } from './listen.js';

/** A part handed out by snapshot/listen: plain data, with the lease it holds on a state version. */
export interface LeasedPart {
  readonly shardId: string;
  readonly readerId: string;
  readonly leaseId: number;
  /** the state version the part came from: GC keeps it until the lease is returned */
  readonly seqno: number;
  readonly part: PartRef;
  /** rows with time outside [timeLower, timeUpper) are not part of the read; null = unbounded */
  readonly timeLower: number;
  readonly timeUpper: number | null;
  /** kept times are advanced to max(time, advanceTo) */
  readonly advanceTo: number;
}

export interface ReadHandle<K, V> {
  readonly shardId: string;
  readonly readerId: string;
  since(): Antichain;
  downgradeSince(newSince: Antichain): Promise<void>;
  snapshot(asOf: Antichain): Promise<LeasedPart[]>;
  fetchPart(part: LeasedPart): Promise<Update<K, V>[]>;
  snapshotAndFetch(asOf: Antichain): Promise<Update<K, V>[]>;
  snapshotCursor(asOf: Antichain): AsyncIterable<Update<K, V>[]>;
  snapshotAndStream(asOf: Antichain): AsyncIterable<Update<K, V>>;
  listen(asOf: Antichain, opts?: ListenOptions): Promise<Listen<K, V>>;
  subscribe(asOf: Antichain, opts?: ListenOptions): Promise<Subscribe<K, V>>;
  clone(purpose: string): Promise<ReadHandle<K, V>>;
  expire(): Promise<void>;
}

export type OpenReader = (since: Antichain, purpose: string) => Promise<ReadHandleImpl<any, any>>;

const CURSOR_CHUNK_ROWS = 8192;

/** Parts of a batch written by an append may hold rows outside the batch's bounds; compacted ones do not. */
export function batchTimeBounds(b: HollowBatch): [lower: number, upper: number | null] {
  const truncate = b.since.length === 1 && b.since[0] === 0;
  if (!truncate) return [0, null];
  return [b.lower.length ? b.lower[0] : Number.MAX_SAFE_INTEGER, b.upper.length ? b.upper[0] : null];
}

export class ReadHandleImpl<K, V> extends HandleBase implements ReadHandle<K, V> {
  private sinceValue: Antichain;
  private nextLease = 1;
  private readonly leases = new Map<number, number>();
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

  /** Oldest seqno this reader may still need: its oldest outstanding lease, else the latest. */
  leasedSeqno(): number {
    let min = this.machine.current.seqno;
    for (const s of this.leases.values()) min = Math.min(min, s);
    return min;
  }

  protected async heartbeat(): Promise<void> {
    const r = await this.machine.apply((s, now) => t.heartbeatReader(s, { readerId: this.readerId, seqno: this.leasedSeqno() }, now));
    this.sinceValue = r.since;
  }

  since(): Antichain {
    return this.sinceValue;
  }

  downgradeSince(newSinceArg: Antichain): Promise<void> {
    return this.guard(async () => {
      const newSince = checkAntichain(newSinceArg, 'since');
      const r = await this.machine.apply((s, now) =>
        t.downgradeSince(s, { readerId: this.readerId, since: newSince, seqno: this.leasedSeqno() }, now),
      );
      this.sinceValue = r.since;
    });
  }

  checkAsOf(asOfArg: Antichain): number {
    const asOf = checkAntichain(asOfArg, 'asOf');
    if (asOf.length === 0) throw new InvalidUsageError('InvalidFrontier', 'asOf must be [t]: nothing can be read at []');
    return asOf[0];
  }

  checkSince(state: ShardState, asOf: number): void {
    if (!leq(state.since, [asOf])) {
      throw new SinceError(state.since, `cannot read ${state.shardId} as of [${asOf}]: its since is ${fmt(state.since)}`);
    }
  }

  /** Waits until the shard's upper is past asOf, then leases the parts holding times <= asOf. */
  snapshot(asOfArg: Antichain): Promise<LeasedPart[]> {
    return this.guard(async () => (await this.snapshotInternal(asOfArg)).parts);
  }

  private async snapshotInternal(asOfArg: Antichain): Promise<{ state: ShardState; asOf: number; parts: LeasedPart[] }> {
    const asOf = this.checkAsOf(asOfArg);
    this.checkSince(this.machine.current, asOf);
    const state = await this.machine.waitUntil((s) => lt([asOf], s.upper));
    this.checkSince(state, asOf);
    const parts: LeasedPart[] = [];
    for (const b of state.batches) {
      if (b.lower.length === 0 || b.lower[0] > asOf) continue;
      const [lo, hi] = batchTimeBounds(b);
      const timeUpper = hi === null ? asOf + 1 : Math.min(hi, asOf + 1);
      for (const run of b.runs) for (const p of run) parts.push(this.lease(state.seqno, p, lo, timeUpper, asOf));
    }
    return { state, asOf, parts };
  }

  lease(seqno: number, part: PartRef, timeLower: number, timeUpper: number | null, advanceTo: number): LeasedPart {
    const leaseId = this.nextLease++;
    this.leases.set(leaseId, seqno);
    return { shardId: this.shardId, readerId: this.readerId, leaseId, seqno, part, timeLower, timeUpper, advanceTo };
  }

  returnLease(leaseId: number): void {
    this.leases.delete(leaseId);
  }

  async fetchColumns(part: LeasedPart): Promise<PartColumns> {
    if (part?.shardId !== this.shardId || part.readerId !== this.readerId || !this.leases.has(part.leaseId)) {
      throw new InvalidUsageError('InvalidArgument', 'part was not leased by this reader, or was already returned');
    }
    try {
      const cols = await fetchColumns(this.ctx.blob, part.part);
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

  snapshotAndFetch(asOf: Antichain): Promise<Update<K, V>[]> {
    return this.guard(async () => {
      const { asOf: at, parts: leased } = await this.snapshotInternal(asOf);
      try {
        const inputs = await Promise.all(
          leased.map(async (p) => ({
            cols: await fetchColumns(this.ctx.blob, p.part),
            timeLower: p.timeLower,
            timeUpper: p.timeUpper ?? Infinity,
          })),
        );
        const merged = mergePartsSync(inputs, { advanceTo: at, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER });
        return toUpdates(merged, this.keyCodec, this.valCodec);
      } finally {
        for (const p of leased) this.returnLease(p.leaseId);
      }
    });
  }

  /** Runs of leased parts, each fetched lazily so that a cursor holds one part per run. */
  private mergeRunsOf(state: ShardState, asOf: number, leased: LeasedPart[]): MergeRun[] {
    const runs: MergeRun[] = [];
    const byKey = new Map(leased.map((p) => [p.part, p]));
    for (const b of state.batches) {
      if (b.lower.length === 0 || b.lower[0] > asOf) continue;
      const [lo, hi] = batchTimeBounds(b);
      for (const run of b.runs) {
        let i = 0;
        runs.push({
          timeLower: lo,
          timeUpper: hi === null ? asOf + 1 : Math.min(hi, asOf + 1),
          nextPart: async () => {
            if (i >= run.length) return null;
            const p = run[i++];
            const cols = await fetchColumns(this.ctx.blob, p);
            const l = byKey.get(p);
            if (l) this.returnLease(l.leaseId);
            return cols;
          },
        });
      }
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

  async listen(asOfArg: Antichain, opts: ListenOptions = {}): Promise<Listen<K, V>> {
    const asOf = this.checkAsOf(asOfArg);
    this.checkSince(this.machine.current, asOf);
    this.takeOver();
    return new ListenImpl(this, this.machine, asOf, opts);
  }

  async subscribe(asOfArg: Antichain, opts: ListenOptions = {}): Promise<Subscribe<K, V>> {
    const asOf = this.checkAsOf(asOfArg);
    this.checkSince(this.machine.current, asOf);
    this.takeOver();
    return new SubscribeImpl(this, this.machine, asOf, opts);
  }

  clone(purpose: string): Promise<ReadHandle<K, V>> {
    return this.guard(() => this.openReader(this.sinceValue, purpose));
  }

  async expire(): Promise<void> {
    if (this.expired) return;
    this.markExpired();
    await this.machine.apply((s) => t.expireLeasedReader(s, { readerId: this.readerId }));
  }

  ctxBlob(): ClientContext['blob'] {
    return this.ctx.blob;
  }

  /** For listen/subscribe: the same checks as a public call. */
  assertUsable(): void {
    this.check();
  }
}
