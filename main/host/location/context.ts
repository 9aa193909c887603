// What the parts of one opened location share: its engine client, the handles the app owns there,
// what it learned of each shard (name, codecs, frontier samples), and the watcher that pushes
// changes. reading/writing/leases/storage each take this, never one another's internals.
import { type Antichain, type PersistClient, type ReadHandle, type ShardInspection } from '../../../engine/index.js';
import type { LocationInfo, ShardSummary } from '../../../preload/contract.js';
import { AppError } from '../../router/errors.js';
import { codecByName } from '../codecs.js';
import { toDetail, toFrontier, toSummary } from '../convert.js';
import { FrontierSamples } from '../frontier-samples.js';
import type { Generator } from '../generator.js';
import { OwnedHandles } from '../owned-handles.js';
import { Watcher, type ShardView } from '../watch.js';

export interface ShardMeta {
  name: string | null;
  codecs: { key: string; val: string };
}

export class LocationContext {
  readonly owned = new OwnedHandles();
  readonly generators = new Map<string, Generator>();
  readonly samples = new FrontierSamples();
  readonly metas = new Map<string, ShardMeta>();
  readonly watcher: Watcher;

  constructor(
    readonly info: LocationInfo,
    readonly client: PersistClient,
    /** the shard list as the Shards view shows it (reading.ts), for the watcher's pushes */
    listShards: () => Promise<ShardSummary[]>,
  ) {
    this.watcher = new Watcher({
      summaries: listShards,
      shardIds: () => this.client.listShards(),
      read: async (shard) => this.view(await this.inspection(shard)),
      view: (i) => {
        this.noteMeta(i);
        this.samples.record(i.shardId, { t: Date.now(), since: toFrontier(i.since), upper: toFrontier(i.upper) });
        return this.view(i);
      },
      watch: (shard, onVersion) => this.client.watchShard(shard, onVersion),
    });
  }

  /** Something the app did changed a shard: push soon rather than at the next poll. */
  nudge(): void {
    this.watcher.nudge();
  }

  private view(i: ShardInspection): ShardView {
    const summary = this.summary(i);
    const detail = toDetail(i, summary, Date.now(), this.owned);
    return { detail, summary, sample: { t: detail.readAtMs, since: summary.since, upper: summary.upper } };
  }

  private noteMeta(i: ShardInspection): void {
    if (!this.metas.has(i.shardId)) this.metas.set(i.shardId, { name: i.name ?? null, codecs: i.codecs });
  }

  /** The shard's state now; every read of it also records a frontier sample. */
  async inspection(shard: string): Promise<ShardInspection> {
    const i = await this.client.inspectShard(shard);
    this.noteMeta(i);
    this.samples.record(shard, { t: Date.now(), since: toFrontier(i.since), upper: toFrontier(i.upper) });
    return i;
  }

  summary(i: ShardInspection): ShardSummary {
    return toSummary(i, i.walltimeMs, this.generators.get(i.shardId)?.rate ?? null);
  }

  /** Name and codecs, read once (fails for an unknown shard). */
  async meta(shard: string): Promise<ShardMeta> {
    const m = this.metas.get(shard);
    if (m) return m;
    await this.inspection(shard);
    return this.metas.get(shard)!;
  }

  async handleOptions(shard: string, purpose: string) {
    const m = await this.meta(shard);
    return {
      keyCodec: codecByName(m.codecs.key),
      valCodec: codecByName(m.codecs.val),
      diagnostics: { shardName: m.name ?? shard, handlePurpose: purpose },
    };
  }

  /** A reader the app uses itself (Data tab, Live): listed with the "this app" badge. */
  async internalReader(shard: string, purpose: string): Promise<ReadHandle<unknown, unknown>> {
    const r = await this.client.openLeasedReader<unknown, unknown>(shard, await this.handleOptions(shard, purpose));
    this.owned.internal.add(r.readerId);
    return r;
  }
}

/** The time a write starts at: the upper, unless the shard is closed for writes. */
export function openUpper(u: Antichain): number {
  if (u.length === 0) throw new AppError('Conflict', 'the shard is closed for writes (its upper is [])');
  return u[0];
}
