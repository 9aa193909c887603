// One opened location: the PersistClient that owns it and everything the app does there, on the
// engine's public API only. The work lives in location/ by concern (reading, writing, leases,
// storage, over a shared context); this class composes them into the LocationApi the router sees.
import type { PersistClient } from '../../engine/index.js';
import type {
  CompactionJob,
  CompactionPlanInfo,
  CompactionStatus,
  Frontier,
  FrontierSample,
  GcRunResult,
  GcStatusInfo,
  GeneratorStatus,
  LeakedBlobsInfo,
  LocationInfo,
  Params,
  ShardDetail,
  ShardSummary,
  SnapshotPage,
  VersionsInfo,
} from '../../preload/contract.js';
import { LocationContext } from './location/context.js';
import { Leases } from './location/leases.js';
import { Reading } from './location/reading.js';
import { LEAKED_MIN_AGE_MS, Storage } from './location/storage.js';
import { Writing } from './location/writing.js';
import type { RowFilter } from './snapshot.js';
import type { LiveBatch, LocationApi } from './types.js';
import { closeStreamsOf } from './streams-of.js';

export { APP_PURPOSE } from './location/writing.js';
export { LIVE_PURPOSE, SNAPSHOT_PURPOSE } from './location/reading.js';
export { LEAKED_MIN_AGE_MS } from './location/storage.js';

export class LocationRuntime implements LocationApi {
  private readonly ctx: LocationContext;
  private readonly reading: Reading;
  private readonly writing: Writing;
  private readonly leases: Leases;
  private readonly storage: Storage;

  constructor(
    readonly info: LocationInfo,
    private readonly client: PersistClient,
    leakedMinAgeMs: number = LEAKED_MIN_AGE_MS,
    private readonly sandboxPath: string | null = null,
  ) {
    this.ctx = new LocationContext(info, client, () => this.reading.listShards());
    this.reading = new Reading(this.ctx);
    this.writing = new Writing(this.ctx, () => this.reading.listShards());
    this.leases = new Leases(this.ctx);
    this.storage = new Storage(this.ctx, leakedMinAgeMs);
  }

  engineClient(): PersistClient {
    return this.client;
  }

  sandboxFile(): string | null {
    return this.sandboxPath;
  }

  // reading
  listShards = (): Promise<ShardSummary[]> => this.reading.listShards();
  inspect = (shard: string): Promise<ShardDetail> => this.reading.inspect(shard);
  frontierSamples = (shard: string): FrontierSample[] => this.reading.frontierSamples(shard);
  inspectAt = (shard: string, seqno: number): Promise<ShardDetail> => this.reading.inspectAt(shard, seqno);
  snapshot = (shard: string, asOf: number | null, offset: number, limit: number, filter: RowFilter = {}): Promise<SnapshotPage> =>
    this.reading.snapshot(shard, asOf, offset, limit, filter);
  listen = (shard: string, onBatch: (b: LiveBatch) => void, onError: (e: unknown) => void): Promise<() => void> =>
    this.reading.listen(shard, onBatch, onError);
  watchShards = (onChange: (s: ShardSummary[]) => void, onError: (e: unknown) => void): (() => void) => this.reading.watchShards(onChange, onError);
  watchShard = (shard: string, onChange: (d: ShardDetail, s: FrontierSample) => void, onError: (e: unknown) => void): (() => void) =>
    this.reading.watchShard(shard, onChange, onError);

  // writing
  createShard = (name: string, keyCodec: string, valCodec: string): Promise<ShardSummary> => this.writing.createShard(name, keyCodec, valCodec);
  write = (shard: string, updates: Params<'shard.write'>['updates'], upper: number | null): Promise<{ upper: Frontier; written: number }> =>
    this.writing.write(shard, updates, upper);
  advanceUpper = (shard: string, to: number): Promise<{ upper: Frontier }> => this.writing.advanceUpper(shard, to);
  startGenerator = (shard: string, rate: number): Promise<GeneratorStatus> => this.writing.startGenerator(shard, rate);
  stopGenerator = (shard: string): GeneratorStatus | null => this.writing.stopGenerator(shard);
  uploadBatch = (shard: string, count: number): Promise<{ len: number }> => this.writing.uploadBatch(shard, count);

  // handles and leases
  openReader = (shard: string, purpose: string, kind: 'leased' | 'critical'): Promise<{ id: string }> => this.leases.openReader(shard, purpose, kind);
  openWriter = (shard: string, purpose: string): Promise<{ id: string }> => this.leases.openWriter(shard, purpose);
  downgradeSince = (shard: string, readerId: string, since: number): Promise<{ since: Frontier }> => this.leases.downgradeSince(shard, readerId, since);
  expire = (shard: string, kind: 'reader' | 'writer', id: string): Promise<void> => this.leases.expire(shard, kind, id);

  // compaction, GC, state versions, leaked blobs
  compactionPlan = (shard: string): Promise<CompactionPlanInfo> => this.storage.compactionPlan(shard);
  startCompaction = (shard: string): Promise<CompactionJob> => this.storage.startCompaction(shard);
  cancelCompaction = (shard: string): CompactionJob | null => this.storage.cancelCompaction(shard);
  compactionStatus = (shard: string): Promise<CompactionStatus> => this.storage.compactionStatus(shard);
  watchCompaction = (shard: string, onChange: (s: CompactionStatus) => void): (() => void) => this.storage.watchCompaction(shard, onChange);
  gcStatus = (shard: string): Promise<GcStatusInfo> => this.storage.gcStatus(shard);
  runGc = (shard: string): Promise<GcRunResult> => this.storage.runGc(shard);
  versions = (shard: string, limit: number): Promise<VersionsInfo> => this.storage.versions(shard, limit);
  leakedBlobs = (): Promise<LeakedBlobsInfo> => this.storage.leakedBlobs();
  deleteLeakedBlobs = (keys: string[], confirmName: string): Promise<{ deleted: string[]; notDeleted: number; freedBytes: number }> =>
    this.storage.deleteLeakedBlobs(keys, confirmName);

  async close(): Promise<void> {
    await closeStreamsOf(this);
    this.storage.close();
    this.ctx.watcher.close();
    this.writing.stopGenerators();
    this.reading.stopListens();
    await this.ctx.owned.expireAll();
    await this.client.close();
  }
}
