// Reading a location: the shard list, a shard's detail and frontier samples, a snapshot page at a
// readable as_of, a listen for the Live tab, past versions, and the pushes that keep views current.
import { ClientClosedError, InvalidUsageError, readableAsOf } from '../../../engine/index.js';
import type { FrontierSample, ShardDetail, ShardSummary, SnapshotPage } from '../../../preload/contract.js';
import { AppError, toContractError } from '../../router/errors.js';
import { damagedSummary, toDetail, toSummary } from '../convert.js';
import { startLive } from '../live.js';
import { SnapshotCache, type RowFilter } from '../snapshot.js';
import type { LiveBatch } from '../types.js';
import type { LocationContext } from './context.js';

export const LIVE_PURPOSE = 'Shardscope: Live tab';
export const SNAPSHOT_PURPOSE = 'Shardscope: Data tab';

export class Reading {
  private readonly snapshots = new SnapshotCache();
  private readonly lives = new Set<() => void>();

  constructor(private readonly ctx: LocationContext) {}

  async listShards(): Promise<ShardSummary[]> {
    const ids = await this.ctx.client.listShards();
    const out: ShardSummary[] = [];
    for (const id of ids) {
      try {
        out.push(this.ctx.summary(await this.ctx.inspection(id)));
      } catch (e) {
        // A shard whose state has not been written yet (seqno 0) is not a shard to show.
        if (e instanceof InvalidUsageError && e.kind === 'UnknownShard') continue;
        if (e instanceof ClientClosedError) throw e;
        // One damaged shard must not hide the healthy ones: it is listed with its error.
        out.push(damagedSummary(id, toContractError(e)));
      }
    }
    return out;
  }

  async inspect(shard: string): Promise<ShardDetail> {
    const i = await this.ctx.inspection(shard);
    return toDetail(i, this.ctx.summary(i), Date.now(), this.ctx.owned);
  }

  frontierSamples(shard: string): FrontierSample[] {
    return this.ctx.samples.get(shard);
  }

  async inspectAt(shard: string, seqno: number): Promise<ShardDetail> {
    const i = await this.ctx.client.inspectShard(shard, { seqno });
    return toDetail(i, toSummary(i, i.walltimeMs, null), Date.now(), this.ctx.owned);
  }

  async snapshot(shard: string, asOfArg: number | null, offset: number, limit: number, filter: RowFilter = {}): Promise<SnapshotPage> {
    const i = await this.ctx.inspection(shard);
    const v = readableAsOf(i, asOfArg);
    if (!v.ok) {
      if (v.why === 'empty') return { asOf: 0, total: 0, offset, rows: [], codecs: i.codecs };
      if (v.why === 'not-yet') {
        throw new AppError('InvalidUsage', `as_of ${v.asOf} is not readable yet: the shard's upper is ${v.upper}; choose a time below ${v.upper}`);
      }
      throw new AppError('Since', `as_of ${v.asOf} is before the shard's since ${v.since ?? '[] (closed)'}: earlier times are compacted away; choose ${v.since ?? 'another shard'} or later`);
    }
    return this.snapshots.page(shard, v.asOf, i.codecs, () => this.ctx.internalReader(shard, SNAPSHOT_PURPOSE), offset, limit, filter);
  }

  async listen(shard: string, onBatch: (b: LiveBatch) => void, onError: (e: unknown) => void): Promise<() => void> {
    const reader = await this.ctx.internalReader(shard, LIVE_PURPOSE);
    let stop: () => void;
    try {
      const i = await this.ctx.client.inspectShard(shard);
      stop = await startLive(reader, i.upper, i.codecs, onBatch, onError);
    } catch (e) {
      this.ctx.owned.internal.delete(reader.readerId);
      await reader.expire().catch(() => undefined);
      throw e;
    }
    const wrapped = () => {
      this.lives.delete(wrapped);
      this.ctx.owned.internal.delete(reader.readerId);
      stop();
    };
    this.lives.add(wrapped);
    return wrapped;
  }

  watchShards(onChange: (s: ShardSummary[]) => void, onError: (e: unknown) => void): () => void {
    return this.ctx.watcher.watchShards(onChange, onError);
  }

  watchShard(shard: string, onChange: (d: ShardDetail, s: FrontierSample) => void, onError: (e: unknown) => void): () => void {
    return this.ctx.watcher.watchShard(shard, onChange, onError);
  }

  /** Stops every listen (their readers are expired with the app's other handles). */
  stopListens(): void {
    for (const stop of [...this.lives]) stop();
  }
}
