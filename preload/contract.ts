// The one IPC contract between the renderer and main, typed end to end: request handlers (zod
// schemas for their params + result types) and push events. Main validates every request against
// these schemas; the renderer imports this file for types only. Plain JSON crosses, nothing else.
import { z } from 'zod';
import { adminRequestSchemas, adminTopicSchemas, type AdminPushEvent, type AdminResults } from './admin-contract.js';
import { importTopic, streamsRequestSchemas, type ImportPush, type StreamsResults } from './streams-contract.js';
import { profileRequestSchemas, type ProfileResults } from './profiles-contract.js';
import type { LocationInfo } from './location-info.js';

export type { LocationInfo } from './location-info.js';

// ---- values -----------------------------------------------------------------------------------

/** A frontier as JSON: a time, or null for the closed frontier `[]`. */
export type Frontier = number | null;

export type CodecName = 'string' | 'json' | 'bytes' | 'unit';

export interface RecentLocation {
  id: string;
  label: string;
  kind: 'sandbox' | 'uri';
  openedAtMs: number;
}

export interface ShardSummary {
  id: string;
  name: string | null;
  since: Frontier;
  upper: Frontier;
  seqno: number;
  batches: number;
  parts: number;
  bytes: number;
  updates: number;
  readers: number;
  writers: number;
  codecs: { key: string; val: string };
  lastChangeMs: number;
  generatorRate: number | null;
  /** set when the shard's state cannot be read (damaged): the other fields are then zero/empty */
  error?: ContractError;
}

export interface LeasedReaderInfo {
  id: string;
  purpose: string;
  hostname: string;
  since: Frontier;
  seqno: number;
  lastHeartbeatMs: number;
  leaseDurationMs: number;
  ownedByApp: boolean;
}

export interface CriticalReaderInfo {
  id: string;
  purpose: string;
  since: Frontier;
  ownedByApp: boolean;
}

export interface WriterInfo {
  id: string;
  purpose: string;
  hostname: string;
  lastHeartbeatMs: number;
  leaseDurationMs: number;
  ownedByApp: boolean;
}

/** One batch as a row: [lower, upper, since, len, parts, bytes, level]. */
export type BatchRow = [lower: Frontier, upper: Frontier, since: Frontier, len: number, parts: number, bytes: number, level: number];

export interface ShardDetail {
  summary: ShardSummary;
  /** main's clock when this was read (the renderer counts lease expiry down from it) */
  readAtMs: number;
  leasedReaders: LeasedReaderInfo[];
  criticalReaders: CriticalReaderInfo[];
  writers: WriterInfo[];
  batches: BatchRow[];
}

export interface FrontierSample {
  t: number;
  since: Frontier;
  upper: Frontier;
}

export interface DataRow {
  key: string;
  val: string;
  time: number;
  diff: number;
}

export interface SnapshotPage {
  asOf: number;
  /** rows (matching the filter, if any) */
  total: number;
  /** rows of the whole snapshot, filter or not */
  unfiltered?: number;
  /** false while the host is still reading the snapshot: `total` is the rows read so far */
  complete?: boolean;
  offset: number;
  rows: DataRow[];
  codecs: { key: string; val: string };
}

/** One window (~250 ms) of a live listen. */
export interface LivePoint {
  t: number;
  /** updates per second over the window */
  rate: number;
  /** sum of positive diffs / of |negative diffs| in the window */
  plus: number;
  minus: number;
  frontier: Frontier;
}

export interface GeneratorStatus {
  shard: string;
  rate: number;
  written: number;
  running: boolean;
  lastError: string | null;
}

/** One merge of a compaction plan (what "Compact now" would merge). */
export interface CompactionMergeInfo {
  inputs: number;
  lower: Frontier;
  upper: Frontier;
  since: Frontier;
  updates: number;
  bytes: number;
}

export interface CompactionPlanInfo {
  /** batches in the shard now */
  batches: number;
  /** bytes of every batch in the shard now */
  bytes: number;
  merges: CompactionMergeInfo[];
}

export interface CompactionProgressInfo {
  /** what the running merge is doing now */
  phase: 'fetch' | 'merge' | 'upload' | 'apply';
  inputs: number;
  rowsIn: number;
  rowsOut: number;
  partsIn: number;
  partsTotal: number;
}

/** A compaction started from the app ("Compact now"). */
export interface CompactionJob {
  id: string;
  shard: string;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  startedAtMs: number;
  finishedAtMs: number | null;
  /** what it set out to merge */
  plan: CompactionPlanInfo;
  progress: CompactionProgressInfo | null;
  result: { before: number; after: number; bytesBefore: number; bytesAfter: number; durationMs: number } | null;
  error: ContractError | null;
  /** Cancel was pressed; the merge stops at its next chunk (a merge that finishes first stays done) */
  cancelRequested: boolean;
}

/** One finished compaction of the location (background or forced), as the engine reported it. */
/** One compaction a retained version of the shard records (any client's, background or forced). */
export interface CompactionRecord {
  /** the version that applied it */
  seqno: number;
  atMs: number;
  /** applied by this app's "Compact now" (else background compaction, of this or another client) */
  forced: boolean;
  inputs: number;
  /** 1, or 0 when the merge consolidated everything away */
  outputs: number;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  lower: string;
  upper: string;
  since: string;
}

export interface CompactionStatus {
  /** the last "Compact now" of this shard (running or finished), if any since the app started */
  job: CompactionJob | null;
  /** the compactions the retained versions record, newest first (bounded) */
  history: CompactionRecord[];
  /** how far back `history` can see: the earliest retained version (GC truncates older ones); null until read */
  reach: { earliestSeqno: number; latestSeqno: number; truncated: boolean } | null;
  /** why the history could not be read (the last read's error; `history` is the one before) */
  historyError?: ContractError;
}

export interface GcStatusInfo {
  seqno: number;
  seqnoSince: number;
  earliestRetained: number;
  versionsRetained: number;
  versionsTruncatable: number;
  rollups: number;
}

export interface GcRunResult {
  deletedBlobs: number;
  truncatedVersions: number;
  after: GcStatusInfo;
}

/** What changed from one version of a shard's state to the next. Frontiers as "[t]" or "[]". */
export interface VersionChangeInfo {
  fromSeqno: number;
  toSeqno: number;
  walltimeMs: number;
  batchesAdded: { lower: string; upper: string; len: number; level: number }[];
  batchesRemoved: { lower: string; upper: string; len: number; level: number }[];
  sinceMoved: [from: string, to: string] | null;
  upperMoved: [from: string, to: string] | null;
  readersAdded: string[];
  readersRemoved: string[];
  writersAdded: string[];
  writersRemoved: string[];
  summary: string;
}

export interface VersionsInfo {
  seqno: number;
  earliestRetained: number;
  /** newest first; changes[i] leads to version changes[i].toSeqno */
  changes: VersionChangeInfo[];
}

export interface LeakedBlob {
  key: string;
  /** the shard the key names, or null */
  shard: string | null;
  shardName: string | null;
  /** when the part was written (from its key), or null */
  createdMs: number | null;
  /** younger than minAgeMs: a delete now spares it */
  spared: boolean;
}

export interface LeakedBlobsInfo {
  checkedAtMs: number;
  minAgeMs: number;
  blobs: LeakedBlob[];
  /** blob usage of the shards that have leaked blobs (all their blobs, referenced or not) */
  usage: { shard: string; shardName: string | null; parts: number; partBytes: number; rollups: number; rollupBytes: number; otherBytes: number }[];
}

export interface AppInfo {
  version: string;
  host: 'electron' | 'web';
  canPickFiles: boolean;
}

/** Every error crosses the boundary as this, nothing else. */
export interface ContractError {
  code: ErrorCode;
  message: string;
}

export type ErrorCode =
  | 'BadRequest'
  | 'UnknownMethod'
  | 'NotFound'
  | 'InvalidUsage'
  | 'Since'
  | 'LeaseExpired'
  | 'Conflict'
  | 'Closed'
  | 'Unsupported'
  | 'CorruptData'
  | 'Location'
  | 'Internal';

export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

// ---- requests ---------------------------------------------------------------------------------

const id = z.string().min(1).max(200);
const time = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const diff = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const location = id;
const shard = z.string().regex(/^s[0-9a-f-]{36}$/, 'a shard id (s<uuid>)');
const purpose = z.string().trim().min(1).max(200);
const codecName = z.enum(['string', 'json', 'bytes', 'unit']);
const at = { location, shard };

export const requestSchemas = {
  'app.info': z.object({}).strict(),
  'locations.list': z.object({}).strict(),
  'locations.open': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('default') }).strict(),
    /** create: the user confirmed making a new, empty sandbox file (a folder is never created) */
    z.object({ kind: z.literal('sandbox'), path: z.string().min(1).max(4096), create: z.boolean().optional() }).strict(),
    z.object({ kind: z.literal('uri'), blob: z.string().min(1).max(4096), consensus: z.string().min(1).max(4096) }).strict(),
    z.object({ kind: z.literal('recent'), id }).strict(),
  ]),
  'locations.pickSandbox': z.object({}).strict(),
  'locations.close': z.object({ location }).strict(),
  'shards.list': z.object({ location }).strict(),
  'shard.inspect': z.object(at).strict(),
  'shard.frontierSamples': z.object(at).strict(),
  'shard.snapshot': z
    .object({
      ...at,
      asOf: time.nullable(),
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(10_000),
      /** only rows whose key / value text contains these (case-sensitive); offset and total count matches */
      keyContains: z.string().max(1000).optional(),
      valContains: z.string().max(1000).optional(),
      /** answer as soon as the page is read, before the whole snapshot is (then `complete` is false and `total` is the rows so far) */
      partial: z.boolean().optional(),
    })
    .strict(),
  'shard.create': z.object({ location, name: z.string().trim().min(1).max(200), keyCodec: codecName, valCodec: codecName }).strict(),
  'shard.write': z
    .object({
      ...at,
      updates: z.array(z.object({ key: z.string().max(65_536), val: z.string().max(65_536), time: time.nullable(), diff }).strict()).max(10_000),
      /** the new upper; null: one past the largest update time (or the current upper + 1) */
      upper: time.nullable(),
    })
    .strict(),
  'shard.advanceUpper': z.object({ ...at, to: time }).strict(),
  'generator.start': z.object({ ...at, rate: z.number().int().min(1).max(100_000) }).strict(),
  'generator.stop': z.object(at).strict(),
  'handle.openReader': z.object({ ...at, purpose, kind: z.enum(['leased', 'critical']) }).strict(),
  'handle.openWriter': z.object({ ...at, purpose }).strict(),
  'handle.downgradeSince': z.object({ ...at, readerId: id, since: time }).strict(),
  'lease.expire': z.object({ ...at, kind: z.enum(['reader', 'writer']), id }).strict(),
  'compaction.plan': z.object(at).strict(),
  'compaction.start': z.object(at).strict(),
  'compaction.cancel': z.object(at).strict(),
  'compaction.status': z.object(at).strict(),
  'gc.status': z.object(at).strict(),
  'gc.run': z.object(at).strict(),
  'shard.versions': z.object({ ...at, limit: z.number().int().min(1).max(1000) }).strict(),
  'shard.inspectAt': z.object({ ...at, seqno: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
  /** sandbox action: a writer uploads a batch at the shard's upper and never appends it (a leaked blob) */
  'shard.uploadBatch': z.object({ ...at, updates: z.number().int().min(1).max(10_000) }).strict(),
  'blobs.leaked': z.object({ location }).strict(),
  'blobs.deleteLeaked': z
    .object({
      location,
      keys: z.array(z.string().min(1).max(500)).min(1).max(10_000),
      /** the location's label, typed by the user */
      confirmName: z.string().max(4096),
    })
    .strict(),
  'events.subscribe': z.discriminatedUnion('topic', [
    z.object({ topic: z.literal('shards'), location }).strict(),
    z.object({ topic: z.literal('shard'), location, shard }).strict(),
    z.object({ topic: z.literal('live'), location, shard }).strict(),
    z.object({ topic: z.literal('compaction'), location, shard }).strict(),
    importTopic,
    ...adminTopicSchemas,
  ]),
  'events.unsubscribe': z.object({ subId: id }).strict(),
  ...adminRequestSchemas,
  ...streamsRequestSchemas,
  ...profileRequestSchemas,
} as const;

export type Method = keyof typeof requestSchemas;
export type Params<M extends Method> = z.input<(typeof requestSchemas)[M]>;

export interface Results extends AdminResults, StreamsResults, ProfileResults {
  'app.info': AppInfo;
  'locations.list': { open: LocationInfo[]; recent: RecentLocation[] };
  'locations.open': LocationInfo;
  'locations.pickSandbox': { path: string } | null;
  'locations.close': null;
  'shards.list': ShardSummary[];
  'shard.inspect': ShardDetail;
  'shard.frontierSamples': FrontierSample[];
  'shard.snapshot': SnapshotPage;
  'shard.create': ShardSummary;
  'shard.write': { upper: Frontier; written: number };
  'shard.advanceUpper': { upper: Frontier };
  'generator.start': GeneratorStatus;
  'generator.stop': GeneratorStatus | null;
  'handle.openReader': { id: string };
  'handle.openWriter': { id: string };
  'handle.downgradeSince': { since: Frontier };
  'lease.expire': null;
  'compaction.plan': CompactionPlanInfo;
  'compaction.start': CompactionJob;
  'compaction.cancel': CompactionJob | null;
  'compaction.status': CompactionStatus;
  'gc.status': GcStatusInfo;
  'gc.run': GcRunResult;
  'shard.versions': VersionsInfo;
  'shard.inspectAt': ShardDetail;
  'shard.uploadBatch': { len: number };
  'blobs.leaked': LeakedBlobsInfo;
  'blobs.deleteLeaked': { deleted: string[]; notDeleted: number; freedBytes: number };
  'events.subscribe': { subId: string };
  'events.unsubscribe': null;
}

// ---- push events ------------------------------------------------------------------------------

export type Topic = Params<'events.subscribe'>['topic'];

export type PushEvent =
  | { topic: 'shards'; shards: ShardSummary[] }
  | { topic: 'shard'; detail: ShardDetail; sample: FrontierSample }
  | { topic: 'live'; points: LivePoint[]; recent: DataRow[]; frontier: Frontier }
  | { topic: 'compaction'; status: CompactionStatus }
  | ImportPush
  | AdminPushEvent
  | { topic: 'error'; error: ContractError };

/** What main sends on the event channel: a push for one subscription. */
export interface EventEnvelope {
  subId: string;
  event: PushEvent;
}

// ---- the bridge -------------------------------------------------------------------------------

export const channels = { invoke: 'shardscope:invoke', event: 'shardscope:event' } as const;

/** window.shardscope: all the renderer gets. */
export interface ShardscopeBridge {
  invoke<M extends Method>(method: M, params: Params<M>): Promise<Result<Results[M]>>;
  /** Calls listener for each push of every subscription (the renderer routes by subId); returns an unsubscribe. */
  subscribe(listener: (e: EventEnvelope) => void): () => void;
}
