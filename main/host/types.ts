// The thin interface between the router and whatever hosts the engine. The router only sees this;
// RuntimeHost (runtime-host.ts) implements it on the engine's public API.
import type { PersistClient } from '../../engine/index.js';
import type { ProfileService } from './profiles-service.js';
import type { RecentTarget } from './recents.js';
import type {
  AppInfo,
  CompactionJob,
  CompactionPlanInfo,
  CompactionStatus,
  GcRunResult,
  GcStatusInfo,
  LeakedBlobsInfo,
  VersionsInfo,
  DataRow,
  FrontierSample,
  Frontier,
  GeneratorStatus,
  LivePoint,
  LocationInfo,
  Params,
  RecentLocation,
  ShardDetail,
  ShardSummary,
  SnapshotPage,
} from '../../preload/contract.js';

export interface LiveBatch {
  points: LivePoint[];
  recent: DataRow[];
  frontier: Frontier;
}

export interface LocationApi {
  readonly info: LocationInfo;
  listShards(): Promise<ShardSummary[]>;
  inspect(shard: string): Promise<ShardDetail>;
  frontierSamples(shard: string): FrontierSample[];
  snapshot(shard: string, asOf: number | null, offset: number, limit: number, filter?: { keyContains?: string; valContains?: string; partial?: boolean }): Promise<SnapshotPage>;
  createShard(name: string, keyCodec: string, valCodec: string): Promise<ShardSummary>;
  write(shard: string, updates: Params<'shard.write'>['updates'], upper: number | null): Promise<{ upper: Frontier; written: number }>;
  advanceUpper(shard: string, to: number): Promise<{ upper: Frontier }>;
  startGenerator(shard: string, rate: number): Promise<GeneratorStatus>;
  stopGenerator(shard: string): GeneratorStatus | null;
  openReader(shard: string, purpose: string, kind: 'leased' | 'critical'): Promise<{ id: string }>;
  openWriter(shard: string, purpose: string): Promise<{ id: string }>;
  downgradeSince(shard: string, readerId: string, since: number): Promise<{ since: Frontier }>;
  expire(shard: string, kind: 'reader' | 'writer', id: string): Promise<void>;
  /** Calls onChange (throttled) with the shard list whenever it changes; returns a stop. */
  watchShards(onChange: (shards: ShardSummary[]) => void, onError: (e: unknown) => void): () => void;
  /** Calls onChange (throttled) with the shard's detail whenever it changes; returns a stop. */
  watchShard(shard: string, onChange: (d: ShardDetail, s: FrontierSample) => void, onError: (e: unknown) => void): () => void;
  /** A listen from now, delivered in batches every ~250 ms; returns a stop. */
  listen(shard: string, onBatch: (b: LiveBatch) => void, onError: (e: unknown) => void): Promise<() => void>;
  compactionPlan(shard: string): Promise<CompactionPlanInfo>;
  /** starts "Compact now" in the background; progress and outcome go to watchCompaction */
  startCompaction(shard: string): Promise<CompactionJob>;
  cancelCompaction(shard: string): CompactionJob | null;
  compactionStatus(shard: string): Promise<CompactionStatus>;
  /** calls onChange at once and on every change (progress throttled); returns a stop */
  watchCompaction(shard: string, onChange: (s: CompactionStatus) => void): () => void;
  gcStatus(shard: string): Promise<GcStatusInfo>;
  runGc(shard: string): Promise<GcRunResult>;
  versions(shard: string, limit: number): Promise<VersionsInfo>;
  inspectAt(shard: string, seqno: number): Promise<ShardDetail>;
  uploadBatch(shard: string, updates: number): Promise<{ len: number }>;
  leakedBlobs(): Promise<LeakedBlobsInfo>;
  /** the location's engine client, for the operator tools (main/router/admin-ops.ts) */
  engineClient?(): PersistClient;
  /** the sandbox file of a sandbox location (never sent to the renderer), else null */
  sandboxFile?(): string | null;
  deleteLeakedBlobs(keys: string[], confirmName: string): Promise<{ deleted: string[]; notDeleted: number; freedBytes: number }>;
}

export interface Host {
  info(): AppInfo;
  listLocations(): { open: LocationInfo[]; recent: RecentLocation[] };
  openLocation(p: Params<'locations.open'>): Promise<LocationInfo>;
  /** Electron only: a native file dialog. */
  pickSandbox(): Promise<{ path: string } | null>;
  closeLocation(id: string): Promise<void>;
  location(id: string): LocationApi;
  /**
   * A new sandbox file an operation will create (a copy of a shard or of a sandbox): refused
   * unless the host's location rules allow creating it there. Returns the path to write.
   */
  admitNewSandbox(path: string): string;
  /** saved connection profiles (main/host/profiles-service.ts), where this host keeps them */
  profiles?(): ProfileService | null;
  /** opens a target a profile names, already admitted by the host's rules, labelled with the profile's name */
  openTarget?(target: RecentTarget, label: string): Promise<LocationInfo>;
  close(): Promise<void>;
}
